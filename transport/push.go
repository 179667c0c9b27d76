package transport

import (
	"context"
	"math"
	"sync"
	"time"

	"ratchat/transport/mailbox"
)

// Bounds of a pusher.
const (
	// pushBatch bounds the envelopes read from the database at once.
	pushBatch = 64
	// queueBytes bounds the envelope bytes a pusher keeps in memory for
	// its owner; beyond, it drops them and reads the database instead.
	queueBytes = 1 << 20
)

// pusher sends an owner its mailbox, oldest first, and then each new
// envelope as it is stored, keeping at most PushWindow envelopes pushed
// and not yet acknowledged. An envelope not acknowledged before the
// connection ends is pushed again on the next one: delivery is
// at-least-once, and the owner's client drops duplicates by id.
//
// # Live and catching up
//
// Reading each new envelope back from the database would cost a query per
// delivery, on the busiest path of a relay. So the pusher subscribes to
// its owner's mailbox ([mailbox.Backend.Subscribe]): the backend offers
// it every envelope stored for its owner as the commit is done, in id
// order, and the pusher sends those from memory. It reads the database only to catch up: at the start, and
// after its queue overflowed (an owner that does not acknowledge). The
// rule that makes the two agree: the queue is emptied just before each
// read, so every envelope is either committed before the read began (and
// read) or offered after the queue was emptied (and queued), or both (and
// skipped as not newer than the last one pushed).
//
// # Caught up
//
// The first catch-up read that returns less than it asked for has read
// everything committed before it began, which includes every envelope
// stored when the Fetch was handled (the first read began after that).
// Once those are pushed, the pusher pushes [CaughtUp], once: the owner
// then knows it holds all that waited for it.
type pusher struct {
	c      *serverConn
	wakeCh chan struct{} // capacity 1: a pending wake-up is never lost
	stopCh chan struct{}
	done   chan struct{}
	cancel func() // ends the mailbox subscription

	caughtUp bool // CaughtUp was pushed; run's alone

	mu       sync.Mutex
	inflight map[uint64]struct{} // pushed, not yet acknowledged
	// acks holds the ids acknowledged that the backend may still hold (a
	// Resyncer backend only): its deletion can lag the ack, and a resync
	// must not push them again. An id goes once a resync reads past it.
	acks     map[uint64]struct{}
	queue    []*Deliver // offered since the last read, in id order
	queued   int        // their envelope bytes
	overflow bool       // the queue dropped envelopes: read the database
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
		done: make(chan struct{}), inflight: map[uint64]struct{}{}, overflow: true}
	// Subscribed before run's first read: see "Live and catching up".
	p.cancel = c.srv.store.Subscribe(*c.owner, func(e mailbox.Envelope) { p.offer(e.ID, e.Received, e.Body) })
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
	var resync <-chan time.Time
	if r, ok := p.c.srv.store.(mailbox.Resyncer); ok && r.ResyncEvery() > 0 {
		p.mu.Lock()
		p.acks = map[uint64]struct{}{}
		p.mu.Unlock()
		t := time.NewTicker(r.ResyncEvery())
		defer t.Stop()
		resync = t.C
	}
	for {
		room := p.c.srv.lim.PushWindow - p.count()
		if room > 0 {
			n, more, ok := p.pushSome(&last, room)
			if !ok {
				return
			}
			if n > 0 && more {
				continue
			}
		}
		select {
		case <-p.wakeCh:
		case <-resync:
			if !p.resend(&last) {
				return
			}
		case <-p.stopCh:
			return
		}
	}
}

// maxResyncAcks bounds the acknowledged ids a pusher remembers until the
// backend has deleted them; past it, an envelope acknowledged and not yet
// deleted may be pushed twice (the owner's client drops it by id).
const maxResyncAcks = 1 << 16

// resend pushes what the mailbox holds that this connection has not
// pushed and is not awaiting its acknowledgement: envelopes whose live
// offer was missed (see [mailbox.Resyncer]), both below *last (a gap:
// later ones were offered) and above it (the newest were missed: nothing
// else would push them until the owner reconnects or more mail comes).
// It moves *last past what it pushes. One acknowledged a moment ago may
// go twice; the owner's client drops duplicates by id. It reports whether
// the connection is still usable.
func (p *pusher) resend(last *uint64) bool {
	room := p.c.srv.lim.PushWindow - p.count()
	if room <= 0 {
		return true
	}
	limit := p.count() + pushBatch
	envs, err := p.read(0, limit)
	if err != nil {
		p.c.log.Error("reading mailbox", "err", err)
		return true // the next resync tries again
	}
	readTo := uint64(math.MaxUint64) // the read saw every id up to here
	if len(envs) == limit {
		readTo = envs[len(envs)-1].ID
	}
	held := make(map[uint64]bool, len(envs))
	var missed []*Deliver
	p.mu.Lock()
	for _, d := range envs {
		held[d.ID] = true
		_, pushed := p.inflight[d.ID]
		_, acked := p.acks[d.ID]
		if !pushed && !acked && len(missed) < room {
			missed = append(missed, d)
		}
	}
	for id := range p.acks {
		if id <= readTo && !held[id] {
			delete(p.acks, id) // deleted by the backend now
		}
	}
	p.mu.Unlock()
	if len(missed) > 0 {
		p.c.srv.stats.resent.Add(uint64(len(missed)))
	}
	return p.push(missed, last)
}

// pushSome pushes up to room envelopes newer than *last, from the queue
// or, when catching up, from the database. It reports how many, whether
// there may be more, and whether the connection is still usable.
func (p *pusher) pushSome(last *uint64, room int) (n int, more, ok bool) {
	p.mu.Lock()
	catchUp := p.overflow
	var envs []*Deliver
	if catchUp {
		p.queue, p.queued, p.overflow = nil, 0, false
	} else {
		envs = p.takeQueued(*last, room)
		more = len(p.queue) > 0
	}
	p.mu.Unlock()
	if catchUp {
		limit := min(room, pushBatch)
		var err error
		if envs, err = p.read(*last, limit); err != nil {
			p.c.log.Error("reading mailbox", "err", err)
			p.c.conn.Close()
			return 0, false, false
		}
		if more = len(envs) == limit; more {
			p.mu.Lock()
			p.overflow = true // still catching up
			p.mu.Unlock()
		}
	}
	if !p.push(envs, last) {
		return len(envs), more, false
	}
	if catchUp && !more && !p.caughtUp {
		p.caughtUp = true
		if p.c.send(0, &CaughtUp{}) != nil {
			return len(envs), more, false
		}
	}
	return len(envs), more, true
}

// takeQueued removes up to room queued envelopes newer than last (the
// older ones were read from the database) that have not expired.
func (p *pusher) takeQueued(last uint64, room int) []*Deliver {
	notBefore := p.c.srv.cfg.Now().Add(-p.c.srv.lim.Retention)
	var out []*Deliver
	i := 0
	for ; i < len(p.queue) && len(out) < room; i++ {
		d := p.queue[i]
		p.queued -= len(d.Envelope)
		if d.ID > last && !d.Received.Before(notBefore) {
			out = append(out, d)
		}
	}
	clear(p.queue[:i])
	p.queue = p.queue[i:]
	return out
}

// read reads up to limit unexpired envelopes newer than last.
func (p *pusher) read(last uint64, limit int) ([]*Deliver, error) {
	srv := p.c.srv
	notBefore := srv.cfg.Now().Add(-srv.lim.Retention)
	envs, err := srv.store.Pending(context.Background(), *p.c.owner, last, notBefore, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Deliver, len(envs))
	for i, e := range envs {
		out[i] = &Deliver{ID: e.ID, Received: e.Received, Envelope: e.Body}
	}
	return out, nil
}

// push sends envs, in order, and reports whether the connection is still
// usable.
func (p *pusher) push(envs []*Deliver, last *uint64) bool {
	srv := p.c.srv
	for _, d := range envs {
		p.mu.Lock()
		p.inflight[d.ID] = struct{}{}
		p.mu.Unlock()
		if p.c.send(0, d) != nil {
			return false
		}
		*last = max(*last, d.ID) // a resent gap is below it
		srv.stats.delivered.Add(1)
		srv.stats.bytesDelivered.Add(uint64(len(d.Envelope)))
	}
	return true
}

// offer queues an envelope just stored for the owner (called in id
// order, by the backend's subscription: it must not block).
func (p *pusher) offer(id uint64, received time.Time, envelope []byte) {
	p.mu.Lock()
	switch {
	case p.overflow:
	case p.queued+len(envelope) > queueBytes || len(p.queue) >= p.c.srv.lim.PushWindow:
		clear(p.queue)
		p.queue, p.queued, p.overflow = nil, 0, true
	default:
		p.queue = append(p.queue, &Deliver{ID: id, Received: received, Envelope: envelope})
		p.queued += len(envelope)
	}
	p.mu.Unlock()
	p.wake()
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
		if p.acks != nil && len(p.acks) < maxResyncAcks {
			p.acks[id] = struct{}{}
		}
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

// stop ends the pusher and its subscription, and waits for it.
func (p *pusher) stop() {
	p.cancel()
	close(p.stopCh)
	<-p.done
}
