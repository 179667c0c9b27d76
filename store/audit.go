package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"time"
)

// Tables and columns of the audit log (migration 0011).
const (
	tableAudit      = "audit"
	colEntry        = "entry"
	tableAuditState = "audit_state"
	// MaxAuditRows bounds AuditRows' n and a prune's batch.
	MaxAuditRows = 100_000
)

// AuditRow is one entry of the audit log.
type AuditRow struct {
	Seq    int64
	At     time.Time
	Actor  string
	Action string
	Detail string
}

// encode is the plaintext of the entry column.
func (r AuditRow) encode() []byte {
	var e encoder
	e.time(r.At)
	e.str(r.Actor)
	e.str(r.Action)
	e.str(r.Detail)
	return e.b
}

// decodeAuditRow parses the entry column.
func decodeAuditRow(b []byte) (AuditRow, error) {
	var r AuditRow
	d := newDecoder(b)
	r.At = d.time()
	r.Actor, r.Action, r.Detail = d.str(), d.str(), d.str()
	return r, d.done()
}

// auditChain is SHA-256(prev || id || entry), the chain's next hash.
func auditChain(prev [ChainHashSize]byte, id int64, entry []byte) [ChainHashSize]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(id)))
	h.Write(entry)
	var out [ChainHashSize]byte
	h.Sum(out[:0])
	return out
}

// AppendAudit adds r (its At set by the caller) to the audit log, chained
// to the head, and moves the head, in one transaction. It returns the
// entry's seq.
func (s *Store) AppendAudit(ctx context.Context, r AuditRow) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx querier) error {
		head, _, err := s.auditState(ctx, tx)
		if err != nil {
			return err
		}
		if id, err = nextID(ctx, tx, tableAudit); err != nil {
			return err
		}
		ct, err := s.c.seal(tableAudit, colEntry, id, r.encode())
		if err != nil {
			return err
		}
		h := auditChain(head.Hash, id, ct)
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit (id, entry, hash) VALUES (?, ?, ?)`, id, ct, h[:]); err != nil {
			return fmt.Errorf("store: writing audit entry: %w", err)
		}
		return s.setAuditField(ctx, tx, colHead, ChainPoint{Seq: uint64(id), Hash: h})
	})
	return id, err
}

// auditState reads the audit log's head and anchor.
func (s *Store) auditState(ctx context.Context, q querier) (head, anchor ChainPoint, err error) {
	var hct, act []byte
	if err := q.QueryRowContext(ctx, `SELECT head, anchor FROM audit_state WHERE id = 1`).Scan(&hct, &act); err != nil {
		return head, anchor, fmt.Errorf("store: reading audit state: %w", err)
	}
	for _, f := range []struct {
		col string
		ct  []byte
		dst *ChainPoint
	}{{colHead, hct, &head}, {colAnchor, act, &anchor}} {
		if f.ct == nil {
			continue
		}
		pt, err := s.c.open(tableAuditState, f.col, 1, f.ct)
		if err != nil {
			return head, anchor, err
		}
		if *f.dst, err = decodeChainPoint(pt); err != nil {
			return head, anchor, err
		}
	}
	return head, anchor, nil
}

// setAuditField seals and writes the head or the anchor.
func (s *Store) setAuditField(ctx context.Context, tx querier, col string, p ChainPoint) error {
	ct, err := s.c.seal(tableAuditState, col, 1, p.encode())
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_state SET `+col+` = ? WHERE id = 1`, ct); err != nil {
		return fmt.Errorf("store: writing audit state: %w", err)
	}
	return nil
}

// AuditRows returns the newest n entries, oldest first.
func (s *Store) AuditRows(ctx context.Context, n int) ([]AuditRow, error) {
	if n <= 0 || n > MaxAuditRows {
		n = MaxAuditRows
	}
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, entry FROM audit ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("store: reading audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var id int64
		var ct []byte
		if err := rows.Scan(&id, &ct); err != nil {
			return nil, fmt.Errorf("store: reading audit log: %w", err)
		}
		r, err := s.openAudit(id, ct)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// openAudit opens and parses one entry.
func (s *Store) openAudit(id int64, ct []byte) (AuditRow, error) {
	pt, err := s.c.open(tableAudit, colEntry, id, ct)
	if err != nil {
		return AuditRow{}, err
	}
	r, err := decodeAuditRow(pt)
	r.Seq = id
	return r, err
}

// VerifyAudit walks the audit log from its anchor and checks every
// entry's seal, hash and place, and the head. It returns nil or an
// [*AuditError] naming the first entry that fails.
func (s *Store) VerifyAudit(ctx context.Context) error {
	q, err := s.reader()
	if err != nil {
		return err
	}
	head, anchor, err := s.auditState(ctx, q)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, entry, hash FROM audit ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: reading audit log: %w", err)
	}
	defer rows.Close()
	next, prev := int64(anchor.Seq)+1, anchor.Hash
	for rows.Next() {
		var id int64
		var ct, stored []byte
		if err := rows.Scan(&id, &ct, &stored); err != nil {
			return fmt.Errorf("store: reading audit log: %w", err)
		}
		if id != next {
			return &AuditError{Seq: next, Reason: "removed"}
		}
		prev = auditChain(prev, id, ct)
		if _, err := s.openAudit(id, ct); err != nil || subtle.ConstantTimeCompare(prev[:], stored) != 1 {
			return &AuditError{Seq: id, Reason: "changed"}
		}
		next++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: reading audit log: %w", err)
	}
	last := uint64(next - 1)
	switch {
	case last < head.Seq:
		return &AuditError{Seq: next, Reason: "truncated"}
	case last > head.Seq:
		return &AuditError{Seq: int64(head.Seq) + 1, Reason: "ahead of the stored head"}
	case subtle.ConstantTimeCompare(prev[:], head.Hash[:]) != 1:
		return &AuditError{Seq: int64(head.Seq), Reason: "changed"}
	}
	return nil
}

// PruneAudit deletes up to MaxAuditRows of the oldest entries written
// before cut, moving the anchor to the last one deleted in the same
// transaction, and returns how many it deleted. The newest entry is never
// deleted, so the head always has its row.
func (s *Store) PruneAudit(ctx context.Context, cut time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(tx querier) error {
		var err error
		n, err = s.pruneAudit(ctx, tx, cut)
		return err
	})
	return n, err
}

// pruneAudit is PruneAudit inside its transaction. The new anchor's
// hash is computed from the old anchor, not read from the rows, so a
// tampered row is not taken for an anchor.
func (s *Store) pruneAudit(ctx context.Context, tx querier, cut time.Time) (int, error) {
	_, anchor, err := s.auditState(ctx, tx)
	if err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, entry, hash FROM audit
		WHERE id < (SELECT max(id) FROM audit) ORDER BY id LIMIT ?`, MaxAuditRows)
	if err != nil {
		return 0, fmt.Errorf("store: reading audit log: %w", err)
	}
	n := 0
	for rows.Next() {
		var id int64
		var ct, h []byte
		if err := rows.Scan(&id, &ct, &h); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: reading audit log: %w", err)
		}
		r, err := s.openAudit(id, ct)
		if err != nil || !r.At.Before(cut) || id != int64(anchor.Seq)+1 {
			break // a broken entry stays for VerifyAudit to report
		}
		anchor = ChainPoint{Seq: uint64(id), Hash: auditChain(anchor.Hash, id, ct)}
		n++
	}
	rows.Close()
	if n == 0 {
		return 0, rows.Err()
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit WHERE id <= ?`, anchor.Seq); err != nil {
		return 0, fmt.Errorf("store: pruning audit log: %w", err)
	}
	return n, s.setAuditField(ctx, tx, colAnchor, anchor)
}
