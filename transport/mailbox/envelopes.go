package mailbox

import (
	"context"
	"database/sql"
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
// its id once it is on disk. It fails with [ErrUnknownMailbox], [ErrQuota]
// (the mailbox is full) or [ErrFull] (the home is).
func (s *Store) Deposit(owner keys.PublicKey, body []byte, now time.Time) (uint64, error) {
	out := make(chan DepositResult, 1)
	s.DepositAsync(owner, body, now, func(r DepositResult) { out <- r })
	r := <-out
	return r.ID, r.Err
}

// DepositAsync queues a deposit and returns at once; done gets the result
// once the envelope is on disk (or refused). The store keeps body, which
// the caller must not change, until then.
//
// done is called from the writer goroutine, so it must not block; it is
// called in the order of the ids given, so a caller can hand newly stored
// envelopes on in order. Deposits queued one after the other are stored
// in that order, which is how a connection that sends several deposits
// without waiting keeps them in order.
func (s *Store) DepositAsync(owner keys.PublicKey, body []byte, now time.Time, done func(DepositResult)) {
	o := &op{kind: opDeposit, owner: owner, body: body, received: now.UnixMilli()}
	o.finish = func(err error) {
		if err != nil {
			done(DepositResult{Err: err})
			return
		}
		done(DepositResult{ID: o.id})
	}
	s.enqueue(o)
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

// Pending returns up to limit envelopes of owner with an id above after,
// received at or after notBefore and not past their lifetime by
// [Options.Now] (older ones are expired even if not yet swept), oldest
// first.
func (s *Store) Pending(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]Envelope, error) {
	if _, err := s.reader(); err != nil {
		return nil, err
	}
	st, err := s.prepared(`SELECT id, received_ms, body FROM envelopes
		WHERE owner = ? AND id > ? AND received_ms >= ? AND (expires_ms IS NULL OR expires_ms > ?)
		ORDER BY id LIMIT ?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, owner[:], after, notBefore.UnixMilli(), s.opts.Now().UnixMilli(), limit)
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
// are ignored. The writer deletes what all the Acks of a batch name in
// one statement: acknowledgements are as frequent as deposits.
func (s *Store) Ack(owner keys.PublicKey, ids []uint64) (int, error) {
	done := make(chan error, 1)
	o := &op{kind: opAck, owner: owner, ids: ids, finish: func(err error) { done <- err }}
	s.enqueue(o)
	if err := <-done; err != nil {
		return 0, err
	}
	return o.deleted, nil
}

// Expire deletes the envelopes received before cutoff, and those past
// their lifetime by [Options.Now], and returns how many there were, and
// their bytes; the mailboxes' and tokens' usage drops by as much.
//
// It walks the envelopes in id order up to the first one received at or
// after cutoff (ids increase with the time received), and deletes those
// before it, so a sweep costs what it deletes and no index on the time
// is kept up by every deposit. Should the clock have gone back, an
// envelope filed after a newer one waits for that one to expire (it is
// never delivered late: [Store.Pending] checks the time itself). Those
// with a lifetime are found by their own index, which holds only them.
func (s *Store) Expire(cutoff time.Time) (n int, size int64, err error) {
	now := s.opts.Now().UnixMilli()
	err = s.write(func(tx *sql.Tx) error {
		clear(s.usage) // simpler than adjusting: expiry is rare
		clear(s.quotas)
		n, size = 0, 0
		for _, q := range []struct {
			query string
			arg   int64
		}{
			{`DELETE FROM envelopes WHERE id < coalesce(
			(SELECT id FROM envelopes WHERE received_ms >= ? ORDER BY id LIMIT 1), 9223372036854775807)
			RETURNING size`, cutoff.UnixMilli()},
			{`DELETE FROM envelopes WHERE expires_ms <= ? RETURNING size`, now},
		} {
			m, sz, err := deleteSizes(tx, q.query, q.arg)
			if err != nil {
				return err
			}
			n, size = n+m, size+sz
		}
		if s.totals.known {
			s.totals.bytes -= size
		}
		return nil
	})
	return n, size, err
}

// deleteSizes runs a DELETE ... RETURNING size and sums what it deleted.
func deleteSizes(tx *sql.Tx, query string, arg int64) (n int, size int64, err error) {
	rows, err := tx.Query(query, arg)
	if err != nil {
		return 0, 0, fmt.Errorf("mailbox: expiring: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sz int64
		if err := rows.Scan(&sz); err != nil {
			return 0, 0, fmt.Errorf("mailbox: expiring: %w", err)
		}
		n++
		size += sz
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("mailbox: expiring: %w", err)
	}
	return n, size, nil
}

// Usage returns the number and total size of the envelopes in owner's
// mailbox, not counting those past their lifetime, or
// [ErrUnknownMailbox]. (The quotas that deposits are checked against
// count those until [Store.Expire] deletes them.)
func (s *Store) Usage(ctx context.Context, owner keys.PublicKey) (count int, size int64, err error) {
	ok, err := s.Registered(ctx, owner)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, ErrUnknownMailbox
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM envelopes
		WHERE owner = ? AND (expires_ms IS NULL OR expires_ms > ?)`,
		owner[:], s.opts.Now().UnixMilli()).Scan(&count, &size)
	if err != nil {
		return 0, 0, fmt.Errorf("mailbox: reading usage: %w", err)
	}
	return count, size, nil
}
