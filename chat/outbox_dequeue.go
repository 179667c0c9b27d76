package chat

import (
	"context"
	"sync"

	"ratchat/store"
)

// outboxBatch bounds the delivered items dequeued in one transaction.
const outboxBatch = 256

// delivered is an outbox item its contact's home has stored.
type delivered struct {
	contact store.ContactID
	item    store.OutboxItem
	done    *sync.WaitGroup // told once the item is dequeued (or that failed)
}

// dequeuer dequeues the items the outbox's lanes delivered, in batches:
// while one batch commits, the items delivered meanwhile gather for the
// next (one write transaction for many deposits, instead of one each).
// Items are dequeued in the order they were handed over, so a contact's
// status changes come in the order its items were queued.
type dequeuer struct {
	m    *Messenger
	ctx  context.Context
	ch   chan delivered
	done chan struct{}
}

// startDequeuer starts a dequeuer; stop ends it.
func (m *Messenger) startDequeuer(ctx context.Context) *dequeuer {
	dq := &dequeuer{m: m, ctx: ctx, ch: make(chan delivered, outboxBatch), done: make(chan struct{})}
	go dq.run()
	return dq
}

// add hands over an item its home has stored; done.Done is called once
// it is dequeued. An item whose batch failed stays queued and goes again:
// the home's copy is then a duplicate, which the recipient drops by its id.
func (dq *dequeuer) add(contact store.ContactID, item store.OutboxItem, done *sync.WaitGroup) {
	dq.ch <- delivered{contact: contact, item: item, done: done}
}

// stop waits until every item handed over is dequeued; no add may come
// after it.
func (dq *dequeuer) stop() {
	close(dq.ch)
	<-dq.done
}

func (dq *dequeuer) run() {
	defer close(dq.done)
	batch := make([]delivered, 0, outboxBatch)
	for d := range dq.ch {
		batch = append(batch[:0], d)
	gather:
		for len(batch) < outboxBatch {
			select {
			case d, ok := <-dq.ch:
				if !ok {
					break gather
				}
				batch = append(batch, d)
			default:
				break gather
			}
		}
		if err := dq.m.dequeueDelivered(dq.ctx, batch); err != nil && dq.ctx.Err() == nil {
			dq.m.log.Warn("outbox: dequeueing", "items", len(batch), "err", err)
		}
		for _, d := range batch {
			d.done.Done()
		}
	}
}

// dequeueDelivered dequeues a batch of delivered items in one transaction
// and tells of the statuses that changed.
func (m *Messenger) dequeueDelivered(ctx context.Context, batch []delivered) error {
	items := make([]store.OutboxItem, len(batch))
	for i, d := range batch {
		items[i] = d.item
	}
	res, err := m.st.DequeueDeliveredBatch(ctx, items, store.StatusSent)
	m.changes.notify()
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Changed {
			// A group message's row is the group's, its status the summary.
			msg := r.Message
			m.events.emit(StatusChanged{Contact: conversationOf(msg, batch[i].contact), ID: msg.ID, Status: msg.Status})
		}
	}
	return nil
}
