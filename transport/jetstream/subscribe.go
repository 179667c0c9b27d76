package jetstream

import (
	"sync"

	"github.com/nats-io/nats.go"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// subscriptions are the owners subscribed on this front end, each with
// one core NATS subscription to live.<owner>, where the holder of its
// partition announces its new envelopes.
type subscriptions struct {
	mu sync.RWMutex
	m  map[[32]byte]*ownerSubs
}

type ownerSubs struct {
	offers []*func(mailbox.Envelope)
	sub    *nats.Subscription
}

// Subscribe implements [mailbox.Backend]. The holder of owner's partition
// offers each envelope it stored: directly if it is this front end, and
// on live.<owner> to all others, in id order. Subscribe returns once the
// server has the subscription (a flush), so envelopes stored after it
// are offered. In a cluster, a holder on another NATS node may not see
// the interest for a moment more: what it stores meanwhile waits for the
// owner's next catch-up read (see the package doc).
func (s *Store) Subscribe(owner keys.PublicKey, offer func(mailbox.Envelope)) (cancel func()) {
	f := &offer
	s.subs.mu.Lock()
	os := s.subs.m[owner]
	fresh := os == nil
	if fresh {
		os = &ownerSubs{}
		s.subs.m[owner] = os
		sub, err := s.nc.Subscribe(livePrefix+ownerHex(owner), func(m *nats.Msg) {
			e, err := parseLive(m.Data)
			if err != nil {
				s.log.Warn("bad live envelope", "err", err)
				return
			}
			s.offerLocal(owner, e)
		})
		if err != nil {
			s.log.Error("subscribing", "err", err)
		}
		os.sub = sub
	}
	os.offers = append(os.offers, f)
	s.subs.mu.Unlock()
	if fresh {
		s.nc.Flush()
	}
	var once sync.Once
	return func() { once.Do(func() { s.unsubscribe(owner, f) }) }
}

// unsubscribe removes one offer function, and the NATS subscription with
// the last.
func (s *Store) unsubscribe(owner keys.PublicKey, f *func(mailbox.Envelope)) {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	os := s.subs.m[owner]
	if os == nil {
		return
	}
	for i, x := range os.offers {
		if x == f {
			os.offers = append(os.offers[:i:i], os.offers[i+1:]...)
			break
		}
	}
	if len(os.offers) == 0 {
		if os.sub != nil {
			os.sub.Unsubscribe()
		}
		delete(s.subs.m, owner)
	}
}

// offerLocal offers e to owner's subscribers here. The read lock is held
// while offering, so that a cancel that returned has seen its last offer.
func (s *Store) offerLocal(owner keys.PublicKey, e mailbox.Envelope) {
	s.subs.mu.RLock()
	defer s.subs.mu.RUnlock()
	if os := s.subs.m[owner]; os != nil {
		for _, f := range os.offers {
			(*f)(e)
		}
	}
}

// announce offers a new envelope to its owner's subscribers here and
// publishes it to the other front ends (holder only, in id order).
func (s *Store) announce(owner keys.PublicKey, e mailbox.Envelope) {
	s.offerLocal(owner, e)
	if err := s.nc.Publish(livePrefix+ownerHex(owner), marshalLive(e)); err != nil {
		s.log.Warn("announcing envelope", "err", err)
	}
}
