package mailbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"ratchat/keys"
)

// Envelope is one stored envelope.
type Envelope struct {
	ID       uint64    // assigned at deposit, increasing, never reused
	Received time.Time // when it was stored, to the millisecond
	Body     []byte
}

// DepositResult is the outcome of [Store.DepositAsync].
type DepositResult struct {
	ID  uint64
	Err error
}

// Deposit stores body in owner's mailbox, received at now, and returns
// its id once it is on disk. It fails with [ErrUnknownMailbox] or
// [ErrQuota].
func (s *Store) Deposit(owner keys.PublicKey, body []byte, now time.Time) (uint64, error) {
	r := <-s.DepositAsync(owner, body, now)
	return r.ID, r.Err
}

// DepositAsync queues a deposit and returns at once; the result arrives
// on the channel once the envelope is on disk (or refused). Deposits
// queued one after the other are stored in that order, which is how a
// connection that sends several deposits without waiting keeps them in
// order.
func (s *Store) DepositAsync(owner keys.PublicKey, body []byte, now time.Time) <-chan DepositResult {
	out := make(chan DepositResult, 1)
	var id uint64
	s.enqueue(&op{single: true, fn: func(tx *sql.Tx) error {
		var err error
		id, err = s.insertEnvelope(tx, owner, body, now)
		return err
	}, finish: func(err error) {
		if err != nil {
			id = 0
		}
		out <- DepositResult{ID: id, Err: err}
	}})
	return out
}

// usage is a mailbox's envelope count and bytes.
type usage struct{ count, bytes int64 }

// mailboxUsage returns owner's usage from the cache, reading it from the
// database on a miss. It fails with [ErrUnknownMailbox].
func (s *Store) mailboxUsage(tx *sql.Tx, owner keys.PublicKey) (*usage, error) {
	if u, ok := s.usage[owner]; ok {
		return u, nil
	}
	var one int
	err := s.queryRow(tx, `SELECT 1 FROM mailboxes WHERE owner = ?`, owner[:]).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownMailbox
	}
	if err != nil {
		return nil, fmt.Errorf("mailbox: reading mailbox: %w", err)
	}
	u := &usage{}
	err = s.queryRow(tx, `SELECT count(*), coalesce(sum(size), 0) FROM envelopes WHERE owner = ?`,
		owner[:]).Scan(&u.count, &u.bytes)
	if err != nil {
		return nil, fmt.Errorf("mailbox: reading usage: %w", err)
	}
	s.usage[owner] = u
	return u, nil
}

// insertEnvelope checks the quota and inserts the envelope: one statement,
// so it needs no savepoint; the cache changes only once it succeeded.
func (s *Store) insertEnvelope(tx *sql.Tx, owner keys.PublicKey, body []byte, now time.Time) (uint64, error) {
	u, err := s.mailboxUsage(tx, owner)
	if err != nil {
		return 0, err
	}
	if u.count+1 > int64(s.opts.MaxEnvelopes) || u.bytes+int64(len(body)) > s.opts.MaxBytes {
		return 0, ErrQuota
	}
	var id uint64
	err = s.queryRow(tx, `INSERT INTO envelopes (owner, received_ms, size, body) VALUES (?, ?, ?, ?) RETURNING id`,
		owner[:], now.UnixMilli(), len(body), body).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("mailbox: storing envelope: %w", err)
	}
	u.count++
	u.bytes += int64(len(body))
	return id, nil
}

// Pending returns up to limit envelopes of owner with an id above after,
// received at or after notBefore (older ones are expired even if not yet
// swept), oldest first.
func (s *Store) Pending(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]Envelope, error) {
	if _, err := s.reader(); err != nil {
		return nil, err
	}
	st, err := s.prepared(`SELECT id, received_ms, body FROM envelopes
		WHERE owner = ? AND id > ? AND received_ms >= ? ORDER BY id LIMIT ?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, owner[:], after, notBefore.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("mailbox: reading envelopes: %w", err)
	}
	defer rows.Close()
	var out []Envelope
	for rows.Next() {
		var e Envelope
		var ms int64
		if err := rows.Scan(&e.ID, &ms, &e.Body); err != nil {
			return nil, fmt.Errorf("mailbox: reading envelope: %w", err)
		}
		e.Received = time.UnixMilli(ms).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mailbox: reading envelopes: %w", err)
	}
	return out, nil
}

// Ack deletes the envelopes of owner with these ids and returns how many
// there were; ids of other owners' envelopes, or already deleted ones,
// are ignored. It is one statement (the ids travel as a JSON array), so it
// needs no savepoint: acknowledgements are nearly as frequent as deposits.
func (s *Store) Ack(owner keys.PublicKey, ids []uint64) (int, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return 0, fmt.Errorf("mailbox: encoding ids: %w", err)
	}
	var n int
	done := make(chan error, 1)
	s.enqueue(&op{single: true, finish: func(err error) { done <- err }, fn: func(tx *sql.Tx) error {
		st, err := s.prepared(`DELETE FROM envelopes WHERE owner = ? AND id IN (SELECT value FROM json_each(?)) RETURNING size`)
		if err != nil {
			return err
		}
		rows, err := tx.Stmt(st).Query(owner[:], string(list))
		if err != nil {
			return fmt.Errorf("mailbox: deleting envelopes: %w", err)
		}
		defer rows.Close()
		var total int64
		for n = 0; rows.Next(); n++ {
			var size int64
			if err := rows.Scan(&size); err != nil {
				return fmt.Errorf("mailbox: deleting envelopes: %w", err)
			}
			total += size
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("mailbox: deleting envelopes: %w", err)
		}
		if u, ok := s.usage[owner]; ok {
			u.count -= int64(n)
			u.bytes -= total
		}
		return nil
	}})
	if err := <-done; err != nil {
		return 0, err
	}
	return n, nil
}

// Expire deletes every envelope received before cutoff and returns how
// many there were, and their bytes.
func (s *Store) Expire(cutoff time.Time) (n int, size int64, err error) {
	err = s.write(func(tx *sql.Tx) error {
		clear(s.usage) // simpler than adjusting: expiry is rare
		ms := cutoff.UnixMilli()
		err := s.queryRow(tx, `SELECT count(*), coalesce(sum(size), 0) FROM envelopes WHERE received_ms < ?`, ms).
			Scan(&n, &size)
		if err != nil {
			return fmt.Errorf("mailbox: expiring: %w", err)
		}
		if _, err := s.exec(tx, `DELETE FROM envelopes WHERE received_ms < ?`, ms); err != nil {
			return fmt.Errorf("mailbox: expiring: %w", err)
		}
		return nil
	})
	return n, size, err
}

// Usage returns the number and total size of the envelopes in owner's
// mailbox, or [ErrUnknownMailbox].
func (s *Store) Usage(ctx context.Context, owner keys.PublicKey) (count int, size int64, err error) {
	ok, err := s.Registered(ctx, owner)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, ErrUnknownMailbox
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM envelopes WHERE owner = ?`,
		owner[:]).Scan(&count, &size)
	if err != nil {
		return 0, 0, fmt.Errorf("mailbox: reading usage: %w", err)
	}
	return count, size, nil
}
