package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// MessageStore holds the messages of every conversation.
type MessageStore interface {
	// InsertMessage stores a message once per (conversation, id).
	InsertMessage(ctx context.Context, m Message) (seq int64, inserted bool, err error)
	// InsertMessages stores several messages in one transaction.
	InsertMessages(ctx context.Context, ms []Message) ([]int64, error)
	// Message returns one message by conversation and id, or ErrNotFound.
	Message(ctx context.Context, conv ContactID, id MessageID) (Message, error)
	// MessageBySeq returns one message by sequence number, or ErrNotFound.
	MessageBySeq(ctx context.Context, seq int64) (Message, error)
	// Messages returns a page of a conversation, oldest first.
	Messages(ctx context.Context, conv ContactID, before Cursor, n int) ([]Message, Cursor, error)
	// SetStatus moves a message's status forward.
	SetStatus(ctx context.Context, conv ContactID, id MessageID, st Status) (bool, error)
	// DeleteMessage deletes one message.
	DeleteMessage(ctx context.Context, seq int64) error
}

var _ MessageStore = (*Store)(nil)

// Cursor marks where a page of messages starts: the sequence number of its
// oldest message. The zero Cursor asks for the newest page.
type Cursor int64

// messageColumns selects a message with its timer, for scanMessage.
const messageColumns = `m.id, m.conversation, m.record, m.status, t.expires
	FROM messages m LEFT JOIN timers t ON t.message = m.id`

// scanMessage reads and opens one row selected with messageColumns.
func (s *Store) scanMessage(sc interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var rec, st, exp []byte
	if err := sc.Scan(&m.Seq, &m.Conversation, &rec, &st, &exp); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return m, ErrNotFound
		}
		return m, fmt.Errorf("store: reading message: %w", err)
	}
	pt, err := s.c.open(tableMessages, colRecord, m.Seq, rec)
	if err != nil {
		return m, err
	}
	if err := m.decodeRecord(pt); err != nil {
		return m, err
	}
	if pt, err = s.c.open(tableMessages, colStatus, m.Seq, st); err != nil {
		return m, err
	}
	if m.Status, m.StatusAt, m.Times, err = decodeStatus(pt); err != nil {
		return m, err
	}
	if exp != nil {
		if m.Expires, err = s.openExpiry(m.Seq, exp); err != nil {
			return m, err
		}
	}
	if !m.valid() {
		return m, ErrCorrupt
	}
	return m, nil
}

// Message returns the message with id in a conversation, or [ErrNotFound].
func (s *Store) Message(ctx context.Context, conv ContactID, id MessageID) (Message, error) {
	q, err := s.reader()
	if err != nil {
		return Message{}, err
	}
	return s.scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+`
		WHERE m.conversation = ? AND m.msgid_index = ?`, conv, s.messageIndex(conv, id)))
}

// Messages returns up to n messages of a conversation that come before
// the cursor, oldest first, and the cursor of the page before them (zero
// when there is none). The zero cursor gives the newest page. The query
// walks the (conversation, id) index backwards, so a page costs the same
// at a million messages as at ten.
func (s *Store) Messages(ctx context.Context, conv ContactID, before Cursor, n int) ([]Message, Cursor, error) {
	q, err := s.reader()
	if err != nil {
		return nil, 0, err
	}
	if n <= 0 {
		return nil, 0, ErrInvalidArgument
	}
	if before == 0 {
		before = math.MaxInt64
	}
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+`
		WHERE m.conversation = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?`, conv, before, n+1)
	if err != nil {
		return nil, 0, fmt.Errorf("store: reading messages: %w", err)
	}
	defer rows.Close()
	out := make([]Message, 0, n+1)
	for rows.Next() {
		m, err := s.scanMessage(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: reading messages: %w", err)
	}
	var next Cursor
	if len(out) > n {
		out = out[:n]
		next = Cursor(out[n-1].Seq)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, next, nil
}

// DeleteMessage deletes a message with its timer, outbox items and
// attachments (the foreign keys cascade).
func (s *Store) DeleteMessage(ctx context.Context, seq int64) error {
	return s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, seq)
		if err != nil {
			return fmt.Errorf("store: deleting message: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
