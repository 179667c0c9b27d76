package store

import "context"

// Dequeued is what [Store.DequeueDeliveredBatch] did with one item: as
// [Store.DequeueDelivered] returns it.
type Dequeued struct {
	// Message is the message the item carried, with its status after the
	// change (zero when the item carried none, or the message is gone).
	Message Message
	// Changed is whether the message's status changed.
	Changed bool
}

// DequeueDeliveredBatch is [Store.DequeueDelivered] of every item, in
// order, in one transaction: an outbox delivering many items at once
// commits them together instead of one write transaction each. It returns
// one result per item, in the order of items; on an error nothing is
// dequeued.
func (s *Store) DequeueDeliveredBatch(ctx context.Context, items []OutboxItem, st Status) ([]Dequeued, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]Dequeued, len(items))
	err := s.write(ctx, func(tx querier) error {
		for i, it := range items {
			msg, changed, err := s.dequeueDelivered(ctx, tx, it, st)
			if err != nil {
				return err
			}
			out[i] = Dequeued{Message: msg, Changed: changed}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
