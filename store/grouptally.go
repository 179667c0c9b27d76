package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Table and column of the per-message member counts, part of the sealed
// field's associated data.
const (
	tableMemberTallies = "member_tallies"
	colMemberCounts    = "counts"
)

// maxTally bounds one count of a stored tally, far above the members a
// group has (1,024, which chat/ enforces; the store does not cap a
// message's deliveries itself): a larger count is a corrupt record.
const maxTally = 1 << 20

// memberTally is how many members of a message to a group are at each
// status, indexed by [Status] (index 0 unused). The row's summary follows
// from it in constant time, where recomputing it would open every
// member's status: a message to n members changes status about 2n times.
type memberTally [StatusFailed + 1]uint64

// tallyOf counts the statuses of all.
func tallyOf(all []MemberStatus) memberTally {
	var t memberTally
	for _, ms := range all {
		t[ms.Status]++
	}
	return t
}

// summary is the least advanced status with a member at it (failed
// counting as the least); read for none.
func (t *memberTally) summary() Status {
	sum := StatusRead
	for st := StatusQueued; st <= StatusFailed; st++ {
		if t[st] > 0 && statusRank(st) < statusRank(sum) {
			sum = st
		}
	}
	return sum
}

// encodeTally encodes the counts as five uvarints, queued to failed.
func encodeTally(t memberTally) []byte {
	var e encoder
	for st := StatusQueued; st <= StatusFailed; st++ {
		e.uvarint(t[st])
	}
	return e.b
}

// decodeTally parses what encodeTally wrote; a count above maxTally or
// trailing bytes are [ErrCorrupt].
func decodeTally(b []byte) (memberTally, error) {
	var t memberTally
	d := newDecoder(b)
	for st := StatusQueued; st <= StatusFailed; st++ {
		t[st] = d.uvarint()
		if t[st] > maxTally {
			return memberTally{}, fmt.Errorf("%w: a member count of %d", ErrCorrupt, t[st])
		}
	}
	if err := d.done(); err != nil {
		return memberTally{}, err
	}
	return t, nil
}

// putTally stores the counts of message seq.
func (s *Store) putTally(ctx context.Context, tx querier, seq int64, t memberTally) error {
	ct, err := s.c.seal(tableMemberTallies, colMemberCounts, seq, encodeTally(t))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO member_tallies (message, counts) VALUES (?, ?)
		ON CONFLICT (message) DO UPDATE SET counts = excluded.counts`, seq, ct)
	if err != nil {
		return fmt.Errorf("store: writing member counts: %w", err)
	}
	return nil
}

// moveTally records, inside a transaction, that one member of message seq
// went from status from to status to (its member_receipts row already
// says to), and returns the summary. Counts that are missing, marked
// stale (a member's status was deleted) or that do not have the member at
// from are counted again from every member's status, the only case that
// opens them all.
func (s *Store) moveTally(ctx context.Context, tx querier, seq int64, from, to Status) (Status, error) {
	var ct []byte
	err := tx.QueryRowContext(ctx, `SELECT counts FROM member_tallies WHERE message = ?`, seq).Scan(&ct)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: reading member counts: %w", err)
	}
	var t memberTally
	counted := false
	if ct != nil {
		pt, err := s.c.open(tableMemberTallies, colMemberCounts, seq, ct)
		if err != nil {
			return 0, err
		}
		if t, err = decodeTally(pt); err != nil {
			return 0, err
		}
		if counted = t[from] > 0; counted {
			t[from]--
			t[to]++
		}
	}
	if !counted {
		all, err := s.memberStatuses(ctx, tx, seq)
		if err != nil {
			return 0, err
		}
		t = tallyOf(all)
	}
	if err := s.putTally(ctx, tx, seq, t); err != nil {
		return 0, err
	}
	return t.summary(), nil
}
