package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Table and column names of the outbox.
const (
	tableOutbox  = "outbox"
	colPayload   = "payload"
	colSchedule  = "schedule"
	outboxSelect = `SELECT id, contact, message, payload, schedule FROM outbox`
)

// OutboxItem is something waiting to be delivered to a contact's home.
type OutboxItem struct {
	// ID is assigned by [Store.Enqueue].
	ID int64
	// Contact is the recipient.
	Contact ContactID
	// Message is the sequence number of the message this delivers, or 0
	// (a receipt, say). Deleting the message deletes the item.
	Message int64
	// Payload is what goes on the wire, already encrypted for the peer.
	Payload []byte
	// Attempts counts the delivery attempts so far.
	Attempts int
	// NextAttempt is when the item is due; zero means now.
	NextAttempt time.Time
	// Created is when the item was queued.
	Created time.Time
}

// OutboxStore is the persistent queue of deliveries, which survives
// restarts: delivery is at least once.
type OutboxStore interface {
	// Enqueue adds an item and returns its id.
	Enqueue(ctx context.Context, item OutboxItem) (int64, error)
	// Due returns the items whose next attempt is due, oldest first.
	Due(ctx context.Context) ([]OutboxItem, error)
	// Pending returns every item, due or not, oldest first.
	Pending(ctx context.Context) ([]OutboxItem, error)
	// RecordAttempt counts a failed attempt and sets the next one.
	RecordAttempt(ctx context.Context, id int64, next time.Time) error
	// Dequeue removes a delivered or abandoned item.
	Dequeue(ctx context.Context, id int64) error
}

var _ OutboxStore = (*Store)(nil)

// encodeSchedule is the plaintext of the schedule column.
func encodeSchedule(it *OutboxItem) []byte {
	var e encoder
	e.uvarint(uint64(it.Attempts))
	e.time(it.NextAttempt)
	e.time(it.Created)
	return e.b
}

// Enqueue adds an item to the outbox. A zero Created is set to now.
func (s *Store) Enqueue(ctx context.Context, item OutboxItem) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx querier) error {
		var err error
		id, err = s.enqueue(ctx, tx, item)
		return err
	})
	return id, err
}

// enqueue is Enqueue inside a transaction.
func (s *Store) enqueue(ctx context.Context, tx querier, it OutboxItem) (int64, error) {
	if it.Created.IsZero() {
		it.Created = s.now()
	}
	row, err := nextID(ctx, tx, tableOutbox)
	if err != nil {
		return 0, err
	}
	p, err := s.c.seal(tableOutbox, colPayload, row, it.Payload)
	if err != nil {
		return 0, err
	}
	sch, err := s.c.seal(tableOutbox, colSchedule, row, encodeSchedule(&it))
	if err != nil {
		return 0, err
	}
	var msg any
	if it.Message != 0 {
		msg = it.Message
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, contact, message, payload, schedule) VALUES (?, ?, ?, ?, ?)`,
		row, it.Contact, msg, p, sch)
	if err != nil {
		return 0, fmt.Errorf("store: enqueueing: %w", err)
	}
	return row, nil
}

// scanOutbox reads and opens one row selected with outboxSelect.
func (s *Store) scanOutbox(sc interface{ Scan(...any) error }) (OutboxItem, error) {
	var it OutboxItem
	var msg sql.NullInt64
	var p, sch []byte
	if err := sc.Scan(&it.ID, &it.Contact, &msg, &p, &sch); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return it, ErrNotFound
		}
		return it, fmt.Errorf("store: reading outbox: %w", err)
	}
	it.Message = msg.Int64
	var err error
	if it.Payload, err = s.c.open(tableOutbox, colPayload, it.ID, p); err != nil {
		return it, err
	}
	pt, err := s.c.open(tableOutbox, colSchedule, it.ID, sch)
	if err != nil {
		return it, err
	}
	d := newDecoder(pt)
	it.Attempts = int(d.uvarint())
	it.NextAttempt = d.time()
	it.Created = d.time()
	return it, d.done()
}

// Due returns the items whose next attempt is at or before the store's
// clock, in the order they were queued.
func (s *Store) Due(ctx context.Context) ([]OutboxItem, error) {
	all, err := s.Pending(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := all[:0]
	for _, it := range all {
		if !it.NextAttempt.After(now) {
			out = append(out, it)
		}
	}
	return out, nil
}

// Pending returns every item in the outbox, due or waiting out its
// backoff, in the order they were queued: a sender that keeps a contact's
// messages in order must see the earlier item that is not due yet, not
// only the later ones that are. The schedule is sealed (it tells when the
// user wrote), so every item is opened: the outbox holds only what is
// undelivered, a handful of rows.
func (s *Store) Pending(ctx context.Context) ([]OutboxItem, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, outboxSelect+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: reading outbox: %w", err)
	}
	return scanAll(rows, func(r *sql.Rows) (OutboxItem, error) { return s.scanOutbox(r) })
}

// RecordAttempt counts one more failed attempt of item id and sets when
// to try next (the caller computes the backoff).
func (s *Store) RecordAttempt(ctx context.Context, id int64, next time.Time) error {
	return s.write(ctx, func(tx querier) error {
		it, err := s.scanOutbox(tx.QueryRowContext(ctx, outboxSelect+` WHERE id = ?`, id))
		if err != nil {
			return err
		}
		it.Attempts++
		it.NextAttempt = next
		sch, err := s.c.seal(tableOutbox, colSchedule, id, encodeSchedule(&it))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET schedule = ? WHERE id = ?`, sch, id); err != nil {
			return fmt.Errorf("store: writing outbox: %w", err)
		}
		return nil
	})
}

// Dequeue removes item id from the outbox; removing a missing item is no
// error (two deliveries may race to it).
func (s *Store) Dequeue(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: dequeueing: %w", err)
		}
		return nil
	})
}

// DequeueDelivered removes an outbox item its contact's home has stored
// and, in the same transaction, moves the message it carried (if any) to
// status st. It returns that message (zero when the item carried none, or
// the message is gone) and whether its status changed. One transaction
// instead of three: this runs once per message sent, on the send path.
//
// An item whose Contact is not the message's conversation is a group
// delivery ([Store.CommitGroupSent]): st moves that member's status, and
// the message's status becomes the summary (see [Store.SetMemberStatus]).
func (s *Store) DequeueDelivered(ctx context.Context, item OutboxItem, st Status) (Message, bool, error) {
	var msg Message
	var changed bool
	err := s.write(ctx, func(tx querier) error {
		var err error
		msg, changed, err = s.dequeueDelivered(ctx, tx, item, st)
		return err
	})
	return msg, changed, err
}

// dequeueDelivered is DequeueDelivered inside a transaction.
func (s *Store) dequeueDelivered(ctx context.Context, tx querier, item OutboxItem, st Status) (msg Message, changed bool, err error) {
	// The stored item says whom it went to; the caller's copy may
	// leave Contact out, and a redelivery finds no row.
	to := item.Contact
	err = tx.QueryRowContext(ctx, `SELECT contact FROM outbox WHERE id = ?`, item.ID).Scan(&to)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return msg, false, fmt.Errorf("store: reading outbox: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, item.ID); err != nil {
		return msg, false, fmt.Errorf("store: dequeueing: %w", err)
	}
	if item.Message == 0 {
		return msg, changed, nil
	}
	m, err := s.scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` WHERE m.id = ?`, item.Message))
	if errors.Is(err, ErrNotFound) {
		return msg, false, nil // expired meanwhile
	}
	if err != nil {
		return msg, false, err
	}
	msg = m
	if to != 0 && to != m.Conversation {
		// A group delivery: the member's status moves, and the
		// row's follows as the summary.
		msg.Status, changed, err = s.advanceMember(ctx, tx, m, to, st)
		if errors.Is(err, ErrNotFound) {
			return msg, changed, nil // the member's status went with the member
		}
		return msg, changed, err
	}
	var ct []byte
	if err := tx.QueryRowContext(ctx, `SELECT status FROM messages WHERE id = ?`, item.Message).Scan(&ct); err != nil {
		return msg, false, fmt.Errorf("store: reading status: %w", err)
	}
	changed, err = s.advanceStatus(ctx, tx, m.Seq, ct, st)
	if changed {
		msg.Status = st
	}
	return msg, changed, err
}
