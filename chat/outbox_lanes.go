package chat

import (
	"context"
	"sync"

	"ratchat/store"
)

// outbox is the state the outbox loop keeps between passes: the contacts
// whose lane runs, the slots that bound them, and the dequeuer of what
// they delivered.
type outbox struct {
	m     *Messenger
	slots chan struct{} // one per running lane
	lanes sync.WaitGroup
	dq    *dequeuer

	mu     sync.Mutex
	busy   map[store.ContactID]bool // a lane runs (or is about to)
	rerun  map[store.ContactID]bool // a pass skipped it for its lane: look again when the lane ends
	urgent map[store.ContactID]bool // came back while its lane ran: kept for the next pass
}

func (m *Messenger) newOutbox(ctx context.Context) *outbox {
	return &outbox{m: m, slots: make(chan struct{}, outboxParallel), dq: m.startDequeuer(ctx),
		busy: map[store.ContactID]bool{}, rerun: map[store.ContactID]bool{}, urgent: map[store.ContactID]bool{}}
}

// stop waits for the running lanes and the dequeuer (the loop's context
// is done, so their deposits end).
func (ob *outbox) stop() {
	ob.lanes.Wait()
	ob.dq.stop()
}

// takeUrgent adds the contacts kept urgent from earlier passes to u.
func (ob *outbox) takeUrgent(u map[store.ContactID]bool) map[store.ContactID]bool {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for c := range ob.urgent {
		u[c] = true
	}
	clear(ob.urgent)
	return u
}

// idle returns the lanes whose contact has no lane running, and marks
// them busy. The others are looked at again when their lane ends (and
// keep their urgency until then).
func (ob *outbox) idle(lanes []outboxLane, urgent map[store.ContactID]bool) []outboxLane {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	out := lanes[:0]
	for _, l := range lanes {
		if ob.busy[l.contact] {
			ob.rerun[l.contact] = true
			if urgent[l.contact] {
				ob.urgent[l.contact] = true
			}
			continue
		}
		ob.busy[l.contact] = true
		out = append(out, l)
	}
	return out
}

// acquire waits for a free slot; false if ctx is done first.
func (ob *outbox) acquire(ctx context.Context) bool {
	select {
	case ob.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// release unmarks lanes that were not started.
func (ob *outbox) release(lanes []outboxLane) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, l := range lanes {
		delete(ob.busy, l.contact)
		delete(ob.rerun, l.contact)
	}
}

// done ends contact's lane and frees its slot; the outbox wakes if a pass
// skipped the contact meanwhile.
func (ob *outbox) done(contact store.ContactID) {
	ob.mu.Lock()
	delete(ob.busy, contact)
	again := ob.rerun[contact]
	delete(ob.rerun, contact)
	ob.mu.Unlock()
	<-ob.slots
	if again {
		ob.m.wakeOutbox()
	}
}
