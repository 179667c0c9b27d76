package jetstream

import (
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
)

// replies is one long-lived subscription, on <inbox>.*, that answers to
// several messages (acknowledgements' confirmations, a batched direct
// get's envelopes) are routed through, each wait under a subject of its
// own. Why not a subscription per wait: nats.go gives a synchronous
// subscription a channel of 65,536 slots (512 KB, cleared at each
// allocation), and the server, in a cluster, spreads each subscription's
// interest to the other nodes and back: profiled, that was a quarter of a
// front end's CPU and most of its garbage.
type replies struct {
	prefix string // "<inbox>."
	sub    *nats.Subscription

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan *nats.Msg
}

// newReplies subscribes the connection's reply mux.
func newReplies(nc *nats.Conn) (*replies, error) {
	r := &replies{prefix: nc.NewInbox() + ".", waiting: map[uint64]chan *nats.Msg{}}
	sub, err := nc.Subscribe(r.prefix+"*", r.route)
	if err != nil {
		return nil, err
	}
	// A wait's channel bounds what it gets; the subscription itself must
	// not drop answers under load.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	r.sub = sub
	return r, nil
}

// open starts a wait for up to capacity answers: they are sent to
// subject and arrive on the channel. done ends the wait; answers after it
// are dropped.
func (r *replies) open(capacity int) (subject string, answers <-chan *nats.Msg, done func()) {
	ch := make(chan *nats.Msg, capacity)
	r.mu.Lock()
	r.next++
	id := r.next
	r.waiting[id] = ch
	r.mu.Unlock()
	return r.prefix + strconv.FormatUint(id, 10), ch, func() {
		r.mu.Lock()
		delete(r.waiting, id)
		r.mu.Unlock()
	}
}

// route hands an answer to its wait. One beyond the wait's capacity, or
// after it ended, or to no wait at all, is dropped: the waiter asked for
// at most that many.
func (r *replies) route(m *nats.Msg) {
	id, err := strconv.ParseUint(strings.TrimPrefix(m.Subject, r.prefix), 10, 64)
	if err != nil {
		return
	}
	r.mu.Lock()
	ch := r.waiting[id]
	r.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- m:
	default:
	}
}
