package mailbox

import (
	"sync"

	"ratchat/keys"
)

// subscriber is one Subscribe call's offer function.
type subscriber struct{ offer func(Envelope) }

// subscribers are the owners' live subscriptions. The writer reads them
// after each commit; Subscribe and cancel change them.
type subscribers struct {
	mu sync.RWMutex
	m  map[keys.PublicKey][]*subscriber
}

// Subscribe calls offer with every envelope deposited for owner from now
// on, from the writer goroutine right after the commit that stored it
// (before the depositor hears "stored"), in id order; offer must not
// block. cancel stops it: offer is not called once cancel has returned.
func (s *Store) Subscribe(owner keys.PublicKey, offer func(Envelope)) (cancel func()) {
	sub := &subscriber{offer: offer}
	s.subs.mu.Lock()
	if s.subs.m == nil {
		s.subs.m = map[keys.PublicKey][]*subscriber{}
	}
	s.subs.m[owner] = append(s.subs.m[owner], sub)
	s.subs.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { s.subs.remove(owner, sub) }) }
}

// remove drops one subscription.
func (ss *subscribers) remove(owner keys.PublicKey, sub *subscriber) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	list := ss.m[owner]
	for i, x := range list {
		if x == sub {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(ss.m, owner)
	} else {
		ss.m[owner] = list
	}
}

// notify offers the deposits a batch stored to their owners' subscribers,
// in id order (writer only, after the commit). The read lock is held
// while offering, so that a cancel that returned has seen its last offer.
func (s *Store) notify(batch []*op) {
	s.subs.mu.RLock()
	defer s.subs.mu.RUnlock()
	if len(s.subs.m) == 0 {
		return
	}
	for _, o := range batch {
		if o.kind != opDeposit || o.err != nil {
			continue
		}
		for _, sub := range s.subs.m[o.owner] {
			sub.offer(Envelope{ID: o.id, Received: o.receivedTime(), Body: o.body})
		}
	}
}
