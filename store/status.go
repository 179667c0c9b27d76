package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetStatus changes the status of the message with id in a conversation,
// if the change moves it forward (see statusAdvances): receipts may arrive
// late or twice, and a "delivered" must never undo a "read". It reports
// whether the status changed, and fails with [ErrNotFound] for an unknown
// message.
func (s *Store) SetStatus(ctx context.Context, conv ContactID, id MessageID, st Status) (bool, error) {
	if st < StatusQueued || st > StatusFailed {
		return false, ErrInvalidArgument
	}
	var changed bool
	err := s.write(ctx, func(tx querier) error {
		var err error
		changed, err = s.setStatusTx(ctx, tx, conv, id, st)
		return err
	})
	return changed, err
}

// setStatusTx is SetStatus inside a transaction.
func (s *Store) setStatusTx(ctx context.Context, tx querier, conv ContactID, id MessageID, st Status) (bool, error) {
	var seq int64
	var ct []byte
	err := tx.QueryRowContext(ctx, `SELECT id, status FROM messages WHERE conversation = ? AND msgid_index = ?`,
		conv, s.messageIndex(conv, id)).Scan(&seq, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("store: reading status: %w", err)
	}
	return s.advanceStatus(ctx, tx, seq, ct, st)
}

// advanceStatus writes st over the sealed status ct of message seq if
// statusAdvances allows it.
func (s *Store) advanceStatus(ctx context.Context, tx querier, seq int64, ct []byte, st Status) (bool, error) {
	pt, err := s.c.open(tableMessages, colStatus, seq, ct)
	if err != nil {
		return false, err
	}
	old, _, err := decodeStatus(pt)
	if err != nil {
		return false, err
	}
	if !statusAdvances(old, st) {
		return false, nil
	}
	sealed, err := s.c.seal(tableMessages, colStatus, seq, encodeStatus(st, s.now()))
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET status = ? WHERE id = ?`, sealed, seq); err != nil {
		return false, fmt.Errorf("store: writing status: %w", err)
	}
	return true, nil
}

// statusAdvances reports whether a message in status old may move to st:
// forward along queued → sent → delivered → read; to failed only before
// delivery; out of failed to anything else (a retry, or a receipt that
// proves delivery after all).
func statusAdvances(old, st Status) bool {
	switch {
	case old == st:
		return false
	case st == StatusFailed:
		return old == StatusQueued || old == StatusSent
	case old == StatusFailed:
		return true
	default:
		return st > old
	}
}

// SetStatuses is [Store.SetStatus] for many messages of one conversation in
// one transaction (a receipt acknowledges many at once). It returns the ids
// whose status changed; ids not found are skipped.
func (s *Store) SetStatuses(ctx context.Context, conv ContactID, ids []MessageID, st Status) ([]MessageID, error) {
	if st < StatusQueued || st > StatusFailed {
		return nil, ErrInvalidArgument
	}
	var changed []MessageID
	err := s.write(ctx, func(tx querier) error {
		changed = changed[:0]
		for _, id := range ids {
			ok, err := s.setStatusTx(ctx, tx, conv, id, st)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if ok {
				changed = append(changed, id)
			}
		}
		return nil
	})
	return changed, err
}
