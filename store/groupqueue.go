package store

import (
	"context"
	"fmt"
	"strings"
)

// Queuing a group message's envelopes: one per member, hundreds in a
// large group, all in the sender's commit. Row by row that was five
// statements a member (is it a group, two next ids, two inserts); here
// the checks are one query per batch of members, the ids are taken once
// (rows inserted inside the write transaction get consecutive ids past
// the table's sequence, so none was ever used) and the rows go in
// multi-row inserts. The query strings come from a few fixed batch sizes,
// so the statement cache stays small.

// queueBatches are the row counts of the multi-row statements, largest
// first: n rows go as n/64 statements of 64, then of 16, 4 and 1.
var queueBatches = [...]int{64, 16, 4, 1}

// batches calls fn for consecutive runs of n items, each run's length one
// of queueBatches.
func batches(n int, fn func(start, size int) error) error {
	start := 0
	for _, size := range queueBatches {
		for ; n-start >= size; start += size {
			if err := fn(start, size); err != nil {
				return err
			}
		}
	}
	return nil
}

// multiRow returns "prefix (?, ...), (?, ...)..." with rows groups of cols
// placeholders.
func multiRow(prefix string, rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return prefix + strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// requireMembers is [requireMember] for every delivery of group conv: no
// zero member, not the group, no group, no member twice
// ([ErrInvalidArgument]).
func requireMembers(ctx context.Context, q querier, conv ContactID, ds []GroupDelivery) error {
	seen := make(map[ContactID]bool, len(ds))
	for _, d := range ds {
		if d.Member <= 0 || d.Member == conv {
			return fmt.Errorf("%w: member %d", ErrInvalidArgument, d.Member)
		}
		if seen[d.Member] {
			return fmt.Errorf("%w: member %d twice", ErrInvalidArgument, d.Member)
		}
		seen[d.Member] = true
	}
	return batches(len(ds), func(start, size int) error {
		args := make([]any, size)
		for i := range args {
			args[i] = ds[start+i].Member
		}
		var group ContactID
		err := q.QueryRowContext(ctx, `SELECT coalesce(min(conversation), 0) FROM groups WHERE conversation IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", size), ", ")+`)`, args...).Scan(&group)
		if err != nil {
			return fmt.Errorf("store: reading group: %w", err)
		}
		if group != 0 {
			return fmt.Errorf("%w: member %d is a group", ErrNotGroup, group)
		}
		return nil
	})
}

// queueDeliveries queues an outbox item per delivery to group conv
// (Message seq, 0 for none) and, for a message (seq not 0), records each
// member's status, queued, inside a transaction. It returns the items'
// ids in the order of ds. An unknown member is [ErrNotFound].
func (s *Store) queueDeliveries(ctx context.Context, tx querier, conv ContactID, seq int64, ds []GroupDelivery) ([]int64, error) {
	if err := requireMembers(ctx, tx, conv, ds); err != nil {
		return nil, err
	}
	items, err := s.insertItems(ctx, tx, seq, ds)
	if isForeignKeyViolation(err) {
		return nil, s.unknownMember(ctx, tx, ds)
	}
	if err != nil || seq == 0 {
		return items, err
	}
	return items, s.insertQueuedStatuses(ctx, tx, seq, ds)
}

// insertItems inserts the outbox items of ds, all created now.
func (s *Store) insertItems(ctx context.Context, tx querier, seq int64, ds []GroupDelivery) ([]int64, error) {
	first, err := nextID(ctx, tx, tableOutbox)
	if err != nil {
		return nil, err
	}
	var msg any
	if seq != 0 {
		msg = seq
	}
	schedule := encodeSchedule(&OutboxItem{Created: s.now()})
	items := make([]int64, len(ds))
	err = batches(len(ds), func(start, size int) error {
		args := make([]any, 0, 5*size)
		for i := start; i < start+size; i++ {
			items[i] = first + int64(i)
			p, err := s.c.seal(tableOutbox, colPayload, items[i], ds[i].Payload)
			if err != nil {
				return err
			}
			sch, err := s.c.seal(tableOutbox, colSchedule, items[i], schedule)
			if err != nil {
				return err
			}
			args = append(args, items[i], ds[i].Member, msg, p, sch)
		}
		if _, err := tx.ExecContext(ctx, multiRow(`INSERT INTO outbox (id, contact, message, payload, schedule) VALUES `, size, 5), args...); err != nil {
			return fmt.Errorf("store: enqueueing: %w", err)
		}
		return nil
	})
	return items, err
}

// insertQueuedStatuses records each member of ds at status queued for
// message seq.
func (s *Store) insertQueuedStatuses(ctx context.Context, tx querier, seq int64, ds []GroupDelivery) error {
	first, err := nextID(ctx, tx, tableMemberReceipts)
	if err != nil {
		return err
	}
	status := encodeStatus(StatusQueued, s.now(), StatusTimes{})
	return batches(len(ds), func(start, size int) error {
		args := make([]any, 0, 4*size)
		for i := start; i < start+size; i++ {
			row := first + int64(i)
			ct, err := s.c.seal(tableMemberReceipts, colMemberStatus, row, status)
			if err != nil {
				return err
			}
			args = append(args, row, seq, ds[i].Member, ct)
		}
		if _, err := tx.ExecContext(ctx, multiRow(`INSERT INTO member_receipts (id, message, member, status) VALUES `, size, 4), args...); err != nil {
			return fmt.Errorf("store: writing member status: %w", err)
		}
		return nil
	})
}

// unknownMember names the first member of ds that has no contact row, as
// [ErrNotFound], after a multi-row insert failed on a foreign key.
func (s *Store) unknownMember(ctx context.Context, tx querier, ds []GroupDelivery) error {
	for _, d := range ds {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM contacts WHERE id = ?`, d.Member).Scan(&n); err != nil {
			return fmt.Errorf("store: reading contact: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("%w: member %d", ErrNotFound, d.Member)
		}
	}
	return fmt.Errorf("%w: a member of the deliveries", ErrNotFound)
}
