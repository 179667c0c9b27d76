package mailbox

import (
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"

	"ratchat/keys"
)

// maxInsertRows bounds the rows of one INSERT statement (7 parameters
// each, far below SQLite's limit of 32,766).
const maxInsertRows = 256

// runGroup runs a run of Deposits and Acks: the Acks first, as one
// DELETE, then the Deposits, as a few multi-row INSERTs. Why Acks first:
// an Ack only makes room, so a Deposit queued before it can only gain
// from seeing it done; and no Ack can name a Deposit of the same group,
// whose id nobody knows yet.
func (s *Store) runGroup(tx *sql.Tx, group []*op) error {
	if len(group) == 0 {
		return nil
	}
	var acks, deposits []*op
	for _, o := range group {
		if o.kind == opAck {
			acks = append(acks, o)
		} else {
			deposits = append(deposits, o)
		}
	}
	if err := s.deleteAcked(tx, acks); err != nil {
		return err
	}
	return s.insertDeposits(tx, deposits)
}

// insertDeposits checks each deposit against its mailbox's quota and the
// home's total (a full home refuses; it never drops what it holds), gives
// the accepted ones their ids (above every id ever used: the writer keeps
// the last one) and inserts them. A refused deposit gets its error in
// op.err; a failed statement fails the whole batch.
func (s *Store) insertDeposits(tx *sql.Tx, deposits []*op) error {
	accepted := deposits[:0]
	for _, o := range deposits {
		u, err := s.mailboxUsage(tx, o.owner)
		if errors.Is(err, ErrUnknownMailbox) {
			o.err = err
			continue
		}
		if err != nil {
			return err
		}
		var quota *TokenHash
		var qu *usage
		if o.token != nil {
			quota, qu, err = s.tokenQuota(tx, o)
			if errors.Is(err, ErrUnknownToken) || errors.Is(err, ErrQuota) {
				o.err = err
				continue
			}
			if err != nil {
				return err
			}
		}
		if u.count+1 > int64(s.opts.MaxEnvelopes) || u.bytes+int64(len(o.body)) > s.opts.MaxBytes {
			o.err = ErrQuota
			continue
		}
		if s.opts.MaxTotalBytes > 0 {
			t, err := s.loadTotals(tx)
			if err != nil {
				return err
			}
			if t.bytes+int64(len(o.body)) > s.opts.MaxTotalBytes {
				o.err = ErrFull
				continue
			}
		}
		u.count++
		u.bytes += int64(len(o.body))
		if qu != nil {
			qu.count++
			qu.bytes += int64(len(o.body))
			o.quota = quota[:]
		}
		if s.totals.known {
			s.totals.bytes += int64(len(o.body))
		}
		s.lastID++
		o.id = s.lastID
		accepted = append(accepted, o)
	}
	args := make([]any, 0, 7*min(len(accepted), maxInsertRows))
	for len(accepted) > 0 {
		// Row counts are powers of two, so that a few prepared statements
		// serve every batch size.
		n := 1 << (bits.Len(uint(min(len(accepted), maxInsertRows))) - 1)
		args = args[:0]
		for _, o := range accepted[:n] {
			var expires any // NULL for none
			if o.expires != 0 {
				expires = o.expires
			}
			args = append(args, o.id, o.owner[:], o.received, len(o.body), o.body, o.quota, expires)
		}
		if _, err := s.exec(tx, insertQuery(n), args...); err != nil {
			return fmt.Errorf("mailbox: storing envelopes: %w", err)
		}
		accepted = accepted[n:]
	}
	return nil
}

// insertQueries caches the text of the INSERT of n rows.
var insertQueries sync.Map // int → string

// insertQuery returns the INSERT of n envelopes.
func insertQuery(n int) string {
	if q, ok := insertQueries.Load(n); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO envelopes (id, owner, received_ms, size, body, quota, expires_ms) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?, ?, ?, ?, ?, ?, ?)`)
	}
	q, _ := insertQueries.LoadOrStore(n, b.String())
	return q.(string)
}

// deleteQuery deletes the envelopes named by a JSON array of
// [id, "owner in hex"] pairs, but only those of the owner named with
// them: an owner can only ever delete its own mail.
const deleteQuery = `DELETE FROM envelopes WHERE id IN (
	SELECT e.id FROM json_each(?) AS j JOIN envelopes AS e ON e.id = j.value ->> 0
	WHERE e.owner = unhex(j.value ->> 1))
RETURNING id, owner, size, quota`

// deleteAcked deletes what a run of Acks names, in one statement, and
// counts what each Ack deleted.
func (s *Store) deleteAcked(tx *sql.Tx, acks []*op) error {
	if len(acks) == 0 {
		return nil
	}
	// An id may be named by several Acks (repeated, or by another owner's
	// Ack, which deletes nothing): the one of its owner counts it.
	type key struct {
		id    uint64
		owner keys.PublicKey
	}
	named := map[key]*op{}
	var list []byte
	list = append(list, '[')
	for _, o := range acks {
		owner := hex.EncodeToString(o.owner[:])
		for _, id := range o.ids {
			k := key{id, o.owner}
			if _, dup := named[k]; dup {
				continue
			}
			named[k] = o
			if len(list) > 1 {
				list = append(list, ',')
			}
			list = append(list, '[')
			list = strconv.AppendUint(list, id, 10)
			list = append(list, ",\""...)
			list = append(list, owner...)
			list = append(list, "\"]"...)
		}
	}
	list = append(list, ']')
	st, err := s.prepared(deleteQuery)
	if err != nil {
		return err
	}
	rows, err := tx.Stmt(st).Query(string(list))
	if err != nil {
		return fmt.Errorf("mailbox: deleting envelopes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var owner []byte
		var size int64
		var quota []byte
		if err := rows.Scan(&k.id, &owner, &size, &quota); err != nil {
			return fmt.Errorf("mailbox: deleting envelopes: %w", err)
		}
		copy(k.owner[:], owner)
		o := named[k]
		if o == nil {
			return fmt.Errorf("mailbox: deleted envelope %d that no Ack named", k.id)
		}
		o.deleted++
		if u, ok := s.usage[o.owner]; ok {
			u.count--
			u.bytes -= size
		}
		if len(quota) == len(TokenHash{}) {
			if u, ok := s.quotas[quotaKey{o.owner, TokenHash(quota)}]; ok {
				u.count--
				u.bytes -= size
			}
		}
		if s.totals.known {
			s.totals.bytes -= size
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mailbox: deleting envelopes: %w", err)
	}
	return nil
}
