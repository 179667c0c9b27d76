package transport

import (
	"context"
	"sync"
)

// pushBatch bounds the envelopes read from the database at once.
const pushBatch = 64

// pusher sends an owner its mailbox, oldest first, and then each new
// envelope as it is stored, keeping at most PushWindow envelopes pushed
// and not yet acknowledged. An envelope not acknowledged before the
// connection ends is pushed again on the next one: delivery is
// at-least-once, and the owner's client drops duplicates by id.
type pusher struct {
	c      *serverConn
	wakeCh chan struct{} // capacity 1: a pending wake-up is never lost
	stopCh chan struct{}
	done   chan struct{}

	mu       sync.Mutex
	inflight map[uint64]struct{} // pushed, not yet acknowledged
}

// handleFetch starts pushing the owner's mail on this connection (once;
// a second Fetch is a no-op). Why one pushing connection per owner: two
// would both deliver every envelope. The newest wins, since an older one
// is most likely a connection the owner lost without the home noticing.
func (c *serverConn) handleFetch(id uint32) {
	c.pushMu.Lock()
	if c.pusher != nil {
		c.pushMu.Unlock()
		c.send(id, &OK{})
		return
	}
	p := &pusher{c: c, wakeCh: make(chan struct{}, 1), stopCh: make(chan struct{}),
		done: make(chan struct{}), inflight: map[uint64]struct{}{}}
	c.pusher = p
	c.pushMu.Unlock()
	if old := c.srv.subscribe(c); old != nil && old != c {
		old.log.Info("replaced by a newer connection of the same owner")
		old.send(0, &Error{Code: CodeReplaced})
		old.conn.Close()
	}
	c.send(id, &OK{})
	go p.run()
}

// run pushes until stopped or a write fails.
func (p *pusher) run() {
	defer close(p.done)
	var last uint64
	for {
		room := p.c.srv.lim.PushWindow - p.count()
		if room > 0 {
			n, ok := p.pushSome(&last, min(room, pushBatch))
			if !ok {
				return
			}
			if n == min(room, pushBatch) {
				continue // there may be more
			}
		}
		select {
		case <-p.wakeCh:
		case <-p.stopCh:
			return
		}
	}
}

// pushSome pushes up to limit envelopes with ids above *last, and
// reports how many, and whether the connection is still usable.
func (p *pusher) pushSome(last *uint64, limit int) (int, bool) {
	srv := p.c.srv
	notBefore := srv.cfg.Now().Add(-srv.lim.Retention)
	envs, err := srv.store.Pending(context.Background(), *p.c.owner, *last, notBefore, limit)
	if err != nil {
		p.c.log.Error("reading mailbox", "err", err)
		p.c.conn.Close()
		return 0, false
	}
	for _, e := range envs {
		p.mu.Lock()
		p.inflight[e.ID] = struct{}{}
		p.mu.Unlock()
		if p.c.send(0, &Deliver{ID: e.ID, Received: e.Received, Envelope: e.Body}) != nil {
			return 0, false
		}
		*last = e.ID
		srv.stats.delivered.Add(1)
		srv.stats.bytesDelivered.Add(uint64(len(e.Body)))
	}
	return len(envs), true
}

// count returns the number of envelopes pushed and not acknowledged.
func (p *pusher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inflight)
}

// acked forgets acknowledged envelopes, making room in the window.
func (p *pusher) acked(ids []uint64) {
	p.mu.Lock()
	for _, id := range ids {
		delete(p.inflight, id)
	}
	p.mu.Unlock()
	p.wake()
}

// wake tells the pusher to look for new mail.
func (p *pusher) wake() {
	select {
	case p.wakeCh <- struct{}{}:
	default:
	}
}

// stop ends the pusher and waits for it.
func (p *pusher) stop() {
	close(p.stopCh)
	<-p.done
}
