package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Disappearing messages. The expiry time is sealed like every other time,
// so the timers table tells a disk holder which messages disappear but not
// when they were read or will go. The price: finding the due ones opens
// every timer. Timers exist only for disappearing messages still present,
// and opening one costs about a microsecond, so even ten thousand pending
// timers take milliseconds.

// SetExpiry makes message seq disappear at at (typically when it was read
// plus the conversation's timer), replacing any earlier expiry.
func (s *Store) SetExpiry(ctx context.Context, seq int64, at time.Time) error {
	return s.write(ctx, func(tx querier) error { return s.setExpiry(ctx, tx, seq, at) })
}

// setExpiry is SetExpiry inside a transaction.
func (s *Store) setExpiry(ctx context.Context, tx querier, seq int64, at time.Time) error {
	var e encoder
	e.time(at)
	ct, err := s.c.seal(tableTimers, colExpires, seq, e.b)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO timers (message, expires) VALUES (?, ?)
		ON CONFLICT (message) DO UPDATE SET expires = excluded.expires`, seq, ct)
	if err != nil {
		return fmt.Errorf("store: writing timer: %w", err)
	}
	return nil
}

// Expiry returns when message seq disappears, or the zero time if it is
// not set to (or is gone).
func (s *Store) Expiry(ctx context.Context, seq int64) (time.Time, error) {
	q, err := s.reader()
	if err != nil {
		return time.Time{}, err
	}
	var ct []byte
	err = q.QueryRowContext(ctx, `SELECT expires FROM timers WHERE message = ?`, seq).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: reading timer: %w", err)
	}
	return s.openExpiry(seq, ct)
}

// openExpiry opens the sealed expiry of message seq.
func (s *Store) openExpiry(seq int64, ct []byte) (time.Time, error) {
	pt, err := s.c.open(tableTimers, colExpires, seq, ct)
	if err != nil {
		return time.Time{}, err
	}
	d := newDecoder(pt)
	at := d.time()
	return at, d.done()
}

// ExpireDue deletes every message whose expiry is at or before the store's
// clock, with its attachments and outbox items, and returns how many went.
// secure_delete overwrites the freed bytes in the database file; the WAL
// is checkpointed and truncated afterwards, so the old pages do not
// linger there either.
func (s *Store) ExpireDue(ctx context.Context) (int, error) {
	now := s.now()
	var n int
	err := s.write(ctx, func(tx querier) error {
		due, _, err := s.dueTimers(ctx, tx, now)
		if err != nil {
			return err
		}
		for _, seq := range due {
			if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, seq); err != nil {
				return fmt.Errorf("store: expiring message: %w", err)
			}
		}
		n = len(due)
		return nil
	})
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.checkpoint(ctx)
}

// NextExpiry returns the earliest pending expiry, so the messenger can
// sleep until then; ok is false when no message is set to disappear.
func (s *Store) NextExpiry(ctx context.Context) (at time.Time, ok bool, err error) {
	q, err := s.reader()
	if err != nil {
		return time.Time{}, false, err
	}
	_, next, err := s.dueTimers(ctx, q, time.Time{})
	return next, !next.IsZero(), err
}

// dueTimers opens every timer and returns the messages due at now and the
// earliest expiry not yet due.
func (s *Store) dueTimers(ctx context.Context, q querier, now time.Time) ([]int64, time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT message, expires FROM timers`)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: reading timers: %w", err)
	}
	defer rows.Close()
	var due []int64
	var next time.Time
	for rows.Next() {
		var seq int64
		var ct []byte
		if err := rows.Scan(&seq, &ct); err != nil {
			return nil, time.Time{}, fmt.Errorf("store: reading timers: %w", err)
		}
		at, err := s.openExpiry(seq, ct)
		if err != nil {
			return nil, time.Time{}, err
		}
		switch {
		case !now.IsZero() && !at.After(now):
			due = append(due, seq)
		case next.IsZero() || at.Before(next):
			next = at
		}
	}
	return due, next, rows.Err()
}
