package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Table and columns of the archive's state and queue (migration 0011).
const (
	tableArchiveState = "archive_state"
	colKey            = "key"
	colHead           = "head"
	colAnchor         = "anchor"
	colPolicy         = "policy"
	// ArchiveKeySize is the archive key's length.
	ArchiveKeySize = 32
	// ChainHashSize is a chain hash's length (SHA-256).
	ChainHashSize = 32
	// MaxArchiveBatch bounds ArchiveQueue's n.
	MaxArchiveBatch = 10_000
)

// ChainPoint is a point of a hash chain: an entry's sequence number and
// the chain's hash after it. The zero value is the chain's start.
type ChainPoint struct {
	Seq  uint64
	Hash [ChainHashSize]byte
}

// encode is the plaintext of a sealed chain point.
func (p ChainPoint) encode() []byte {
	var e encoder
	e.uvarint(p.Seq)
	e.bytes(p.Hash[:])
	return e.b
}

// decodeChainPoint parses a chain point.
func decodeChainPoint(b []byte) (ChainPoint, error) {
	var p ChainPoint
	d := newDecoder(b)
	p.Seq = d.uvarint()
	d.fixed(p.Hash[:])
	return p, d.done()
}

// ArchivePolicy is how long the archive keeps records and whether a
// legal hold stops pruning.
type ArchivePolicy struct {
	Retention  time.Duration
	Hold       bool
	HoldReason string
	HoldSince  time.Time
}

// encode is the plaintext of the policy column.
func (p ArchivePolicy) encode() []byte {
	var e encoder
	e.varint(int64(p.Retention))
	e.bool(p.Hold)
	e.str(p.HoldReason)
	e.time(p.HoldSince)
	return e.b
}

// decodeArchivePolicy parses the policy column.
func decodeArchivePolicy(b []byte) (ArchivePolicy, error) {
	var p ArchivePolicy
	d := newDecoder(b)
	p.Retention = time.Duration(d.varint())
	p.Hold = d.bool()
	p.HoldReason = d.str()
	p.HoldSince = d.time()
	return p, d.done()
}

// ArchiveState is the archive's row: whether the triggers queue message
// rows, its key (nil until first enabled), the chain's head and anchor
// as last recorded, and its policy.
type ArchiveState struct {
	Enabled bool
	Key     []byte
	Head    ChainPoint
	Anchor  ChainPoint
	Policy  ArchivePolicy
}

// ArchiveState reads the archive's row.
func (s *Store) ArchiveState(ctx context.Context) (ArchiveState, error) {
	q, err := s.reader()
	if err != nil {
		return ArchiveState{}, err
	}
	return s.archiveState(ctx, q)
}

// archiveState reads the archive's row with q.
func (s *Store) archiveState(ctx context.Context, q querier) (ArchiveState, error) {
	var st ArchiveState
	var key, head, anchor, policy []byte
	err := q.QueryRowContext(ctx, `SELECT enabled, key, head, anchor, policy FROM archive_state WHERE id = 1`).
		Scan(&st.Enabled, &key, &head, &anchor, &policy)
	if err != nil {
		return st, fmt.Errorf("store: reading archive state: %w", err)
	}
	if key != nil {
		if st.Key, err = s.c.open(tableArchiveState, colKey, 1, key); err != nil {
			return st, err
		}
	}
	for _, f := range []struct {
		col string
		ct  []byte
		dec func([]byte) error
	}{
		{colHead, head, func(b []byte) (err error) { st.Head, err = decodeChainPoint(b); return }},
		{colAnchor, anchor, func(b []byte) (err error) { st.Anchor, err = decodeChainPoint(b); return }},
		{colPolicy, policy, func(b []byte) (err error) { st.Policy, err = decodeArchivePolicy(b); return }},
	} {
		if f.ct == nil {
			continue
		}
		pt, err := s.c.open(tableArchiveState, f.col, 1, f.ct)
		if err != nil {
			return st, err
		}
		if err := f.dec(pt); err != nil {
			return st, err
		}
	}
	return st, nil
}

// EnableArchive turns the archive's triggers on with policy p, storing
// key as the archive key unless one is already stored (the key of an
// archive is never replaced: the records on disk are sealed under it). It
// returns the key in use.
func (s *Store) EnableArchive(ctx context.Context, key []byte, p ArchivePolicy) ([]byte, error) {
	if len(key) != ArchiveKeySize {
		return nil, fmt.Errorf("store: archive key of %d bytes", len(key))
	}
	var inUse []byte
	err := s.write(ctx, func(tx querier) error {
		st, err := s.archiveState(ctx, tx)
		if err != nil {
			return err
		}
		inUse = st.Key
		if inUse == nil {
			inUse = key
			if err := s.setArchiveField(ctx, tx, colKey, key); err != nil {
				return err
			}
		}
		if err := s.setArchiveField(ctx, tx, colPolicy, p.encode()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE archive_state SET enabled = 1 WHERE id = 1`)
		return err
	})
	return inUse, err
}

// DisableArchive turns the archive's triggers off: later message rows are
// not queued. The key, head and records stay.
func (s *Store) DisableArchive(ctx context.Context) error {
	return s.write(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, `UPDATE archive_state SET enabled = 0 WHERE id = 1`)
		return err
	})
}

// SetArchivePolicy replaces the retention and hold.
func (s *Store) SetArchivePolicy(ctx context.Context, p ArchivePolicy) error {
	return s.write(ctx, func(tx querier) error { return s.setArchiveField(ctx, tx, colPolicy, p.encode()) })
}

// SetArchiveAnchor records the chain point before the first record kept
// (after a prune).
func (s *Store) SetArchiveAnchor(ctx context.Context, p ChainPoint) error {
	return s.write(ctx, func(tx querier) error { return s.setArchiveField(ctx, tx, colAnchor, p.encode()) })
}

// SetArchiveHead records the chain's head without draining the queue
// (after an append whose queue rows are already gone).
func (s *Store) SetArchiveHead(ctx context.Context, p ChainPoint) error {
	return s.write(ctx, func(tx querier) error { return s.setArchiveField(ctx, tx, colHead, p.encode()) })
}

// setArchiveField seals and writes one column of the archive's row.
func (s *Store) setArchiveField(ctx context.Context, tx querier, col string, pt []byte) error {
	ct, err := s.c.seal(tableArchiveState, col, 1, pt)
	if err != nil {
		return err
	}
	// col is one of our constants, never input.
	if _, err := tx.ExecContext(ctx, `UPDATE archive_state SET `+col+` = ? WHERE id = 1`, ct); err != nil {
		return fmt.Errorf("store: writing archive state: %w", err)
	}
	return nil
}

// ArchiveOp says what happened to a queued message row.
type ArchiveOp uint8

// The queue's ops.
const (
	ArchiveInserted ArchiveOp = 1 // the row was inserted
	ArchiveUpdated  ArchiveOp = 2 // its record changed: an edit, a deletion, a reaction, a file's state
	ArchiveDeleted  ArchiveOp = 3 // the row was deleted here
)

// QueuedMessage is one row of the archive queue: the message row as it
// was written (for ArchiveDeleted, only its Seq and Conversation) and,
// for ArchiveUpdated, as it was before (Old).
type QueuedMessage struct {
	ID      int64
	Op      ArchiveOp
	Message Message
	Old     *Message
}

// ArchiveQueue returns up to n queued rows after the id after, oldest
// first, opened with the messages table's associated data.
func (s *Store) ArchiveQueue(ctx context.Context, after int64, n int) ([]QueuedMessage, error) {
	if n <= 0 || n > MaxArchiveBatch {
		n = MaxArchiveBatch
	}
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, op, message, conversation, record, old_record, status FROM archive_queue
		WHERE id > ? ORDER BY id LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("store: reading archive queue: %w", err)
	}
	return scanAll(rows, s.scanQueued)
}

// scanQueued reads one queue row.
func (s *Store) scanQueued(rows *sql.Rows) (QueuedMessage, error) {
	var qm QueuedMessage
	var seq, conv int64
	var rec, old, st []byte
	if err := rows.Scan(&qm.ID, &qm.Op, &seq, &conv, &rec, &old, &st); err != nil {
		return qm, fmt.Errorf("store: reading archive queue: %w", err)
	}
	if qm.Op == ArchiveDeleted {
		qm.Message = Message{Seq: seq, Conversation: ContactID(conv)}
		return qm, nil
	}
	m, err := s.scanMessage(queuedRow{seq, conv, rec, st})
	if err != nil {
		return qm, fmt.Errorf("store: archive queue row %d: %w", qm.ID, err)
	}
	qm.Message = m
	if old != nil {
		o, err := s.scanMessage(queuedRow{seq, conv, old, st})
		if err != nil {
			return qm, fmt.Errorf("store: archive queue row %d: %w", qm.ID, err)
		}
		qm.Old = &o
	}
	return qm, nil
}

// ArchiveQueued counts the rows waiting in the archive queue.
func (s *Store) ArchiveQueued(ctx context.Context) (int, error) {
	q, err := s.reader()
	if err != nil {
		return 0, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM archive_queue`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting archive queue: %w", err)
	}
	return n, nil
}

// queuedRow hands a queue row's copy to scanMessage as if read from
// messages (without an expiry).
type queuedRow struct {
	seq, conv int64
	rec, st   []byte
}

// Scan fills scanMessage's destinations.
func (r queuedRow) Scan(dest ...any) error {
	if len(dest) != 5 {
		return errors.New("store: queued row scanned into the wrong shape")
	}
	*dest[0].(*int64) = r.seq
	*dest[1].(*ContactID) = ContactID(r.conv)
	*dest[2].(*[]byte) = r.rec
	*dest[3].(*[]byte) = r.st
	*dest[4].(*[]byte) = nil
	return nil
}

// ArchiveDrained deletes the queue rows up to the id upto (appended to
// the archive) and records head, in one transaction.
func (s *Store) ArchiveDrained(ctx context.Context, upto int64, head ChainPoint) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM archive_queue WHERE id <= ?`, upto); err != nil {
			return fmt.Errorf("store: draining archive queue: %w", err)
		}
		return s.setArchiveField(ctx, tx, colHead, head.encode())
	})
}
