package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	old, _, times, err := decodeStatus(pt)
	if err != nil {
		return false, err
	}
	if !statusAdvances(old, st) {
		return false, nil
	}
	sealed, err := s.c.seal(tableMessages, colStatus, seq, encodeStatus(st, s.now(), times))
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

// SetStatuses is [Store.SetStatus] for many messages of one conversation (a
// receipt acknowledges many at once). The statuses are read, opened and
// sealed before the write lock is taken, and written statusChunk to a
// transaction, so that a big receipt holds the lock only for short
// writes. Each change stands alone (a status only moves forward): a crash
// between two transactions keeps the first changes, which a crash before
// the call would have lost too. It returns the ids whose status changed; ids not found are
// skipped.
func (s *Store) SetStatuses(ctx context.Context, conv ContactID, ids []MessageID, st Status) ([]MessageID, error) {
	if st < StatusQueued || st > StatusFailed {
		return nil, ErrInvalidArgument
	}
	plan, err := s.planStatuses(ctx, conv, ids, st)
	if err != nil {
		return nil, err
	}
	var changed []MessageID
	for chunk := range slices.Chunk(plan, statusChunk) {
		var done []MessageID
		err := s.write(ctx, func(tx querier) error {
			done = done[:0]
			for _, c := range chunk {
				ok, err := s.applyStatus(ctx, tx, conv, c, st)
				if err != nil {
					return err
				}
				if ok {
					done = append(done, c.id)
				}
			}
			return nil
		})
		if err != nil {
			return changed, err
		}
		changed = append(changed, done...)
	}
	return changed, nil
}

// statusChunk is how many status changes share a write transaction. Why
// not all of a receipt's: a receipt names up to a burst of messages, and
// the sender's next message waits for the write lock meanwhile.
const statusChunk = 16

// statusChange is one status change prepared outside the write lock: the
// message's row, the sealed status read, and the sealed status to write.
type statusChange struct {
	id          MessageID
	seq         int64
	old, sealed []byte
}

// planStatuses reads and opens the statuses of ids and seals the new
// ones, outside the write lock: under it, applyStatus only writes. Ids of
// unknown messages and changes statusAdvances refuses are left out.
func (s *Store) planStatuses(ctx context.Context, conv ContactID, ids []MessageID, st Status) ([]statusChange, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	plan := make([]statusChange, 0, len(ids))
	for _, id := range ids {
		c := statusChange{id: id}
		err := q.QueryRowContext(ctx, `SELECT id, status FROM messages WHERE conversation = ? AND msgid_index = ?`,
			conv, s.messageIndex(conv, id)).Scan(&c.seq, &c.old)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: reading status: %w", err)
		}
		pt, err := s.c.open(tableMessages, colStatus, c.seq, c.old)
		if err != nil {
			return nil, err
		}
		old, _, times, err := decodeStatus(pt)
		if err != nil {
			return nil, err
		}
		if !statusAdvances(old, st) {
			continue
		}
		if c.sealed, err = s.c.seal(tableMessages, colStatus, c.seq, encodeStatus(st, s.now(), times)); err != nil {
			return nil, err
		}
		plan = append(plan, c)
	}
	return plan, nil
}

// applyStatus writes a planned change if the status is still the one
// read (sealed statuses are never equal twice: each has its own nonce);
// otherwise someone changed it meanwhile, and it is decided again under
// the lock. It reports whether the status changed.
func (s *Store) applyStatus(ctx context.Context, tx querier, conv ContactID, c statusChange, st Status) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE messages SET status = ? WHERE id = ? AND status = ?`, c.sealed, c.seq, c.old)
	if err != nil {
		return false, fmt.Errorf("store: writing status: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	ok, err := s.setStatusTx(ctx, tx, conv, c.id, st)
	if errors.Is(err, ErrNotFound) {
		return false, nil // deleted meanwhile
	}
	return ok, err
}
