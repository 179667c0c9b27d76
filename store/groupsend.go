package store

import (
	"context"
	"errors"
	"slices"
)

// UpdateGroupMessageSent is [Store.UpdateMessage] for a message of group
// conv, with what telling the members takes, in one transaction: our
// sender key after encrypting the action (an edit, a deletion, a
// reaction) and an outbox item per member (Contact the member, Message
// 0: an action has no status of its own). Either the change and its
// deliveries are stored, or neither.
func (s *Store) UpdateGroupMessageSent(ctx context.Context, conv ContactID, id MessageID, change func(*Message) error, senderKey []byte, deliveries []GroupDelivery) (Message, error) {
	var m Message
	err := s.write(ctx, func(tx querier) error {
		if err := requireGroup(ctx, tx, conv); err != nil {
			return err
		}
		var err error
		if m, err = s.updateMessage(ctx, tx, conv, id, change); err != nil {
			return err
		}
		_, err = s.groupControlSent(ctx, tx, conv, senderKey, deliveries)
		return err
	})
	return m, err
}

// CommitGroupControlSent stores, in one transaction, our sender key after
// encrypting something to group conv that is not part of the history (a
// file chunk, say) and an outbox item per member (Message 0) that
// delivers it. It returns the items' ids, in the order of deliveries.
func (s *Store) CommitGroupControlSent(ctx context.Context, conv ContactID, senderKey []byte, deliveries []GroupDelivery) ([]int64, error) {
	var items []int64
	err := s.write(ctx, func(tx querier) error {
		if err := requireGroup(ctx, tx, conv); err != nil {
			return err
		}
		var err error
		items, err = s.groupControlSent(ctx, tx, conv, senderKey, deliveries)
		return err
	})
	return items, err
}

// groupControlSent stores our sender key (unless nil) and queues the
// deliveries, inside a transaction.
func (s *Store) groupControlSent(ctx context.Context, tx querier, conv ContactID, senderKey []byte, deliveries []GroupDelivery) ([]int64, error) {
	if senderKey != nil {
		if err := s.putSenderKey(ctx, tx, conv, 0, senderKey); err != nil {
			return nil, err
		}
	}
	return s.queueDeliveries(ctx, tx, conv, 0, deliveries)
}

// SummaryChange is a message of a group whose summary status changed.
type SummaryChange struct {
	ID     MessageID
	Status Status
}

// SetMemberStatuses is [Store.SetMemberStatus] for many messages of group
// conv and one member (a receipt acknowledges many at once), statusChunk
// to a transaction, as [Store.SetStatuses] does. It returns the messages
// whose summary changed, with the new summary; ids of unknown messages,
// or of messages not sent to member, are skipped.
func (s *Store) SetMemberStatuses(ctx context.Context, conv, member ContactID, ids []MessageID, st Status) ([]SummaryChange, error) {
	if st < StatusQueued || st > StatusFailed {
		return nil, ErrInvalidArgument
	}
	var out []SummaryChange
	for chunk := range slices.Chunk(ids, statusChunk) {
		var done []SummaryChange
		err := s.write(ctx, func(tx querier) error {
			done = done[:0]
			for _, id := range chunk {
				m, err := s.scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+`
					WHERE m.conversation = ? AND m.msgid_index = ?`, conv, s.messageIndex(conv, id)))
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				sum, changed, err := s.advanceMember(ctx, tx, m, member, st)
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if changed {
					done = append(done, SummaryChange{ID: id, Status: sum})
				}
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, done...)
	}
	return out, nil
}
