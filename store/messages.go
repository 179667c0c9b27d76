package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
)

// Table and column names of messages and timers.
const (
	tableMessages = "messages"
	colStatus     = "status"
	tableTimers   = "timers"
	colExpires    = "expires"
)

// MessageIDSize is the length of a message id.
const MessageIDSize = 16

// MessageID is the sender's id of a message, unique within a conversation;
// a redelivered message carries the same id and is stored once.
type MessageID [MessageIDSize]byte

// Direction says who wrote a message.
type Direction uint8

// The two directions.
const (
	// Incoming is a message the contact wrote.
	Incoming Direction = 1
	// Outgoing is a message the profile wrote.
	Outgoing Direction = 2
	// Local is a line the messenger wrote into the chat (a system line):
	// it was neither sent nor received.
	Local Direction = 3
)

// String names the direction as the api and exports spell it: "in",
// "out" or "local".
func (d Direction) String() string {
	switch d {
	case Incoming:
		return "in"
	case Outgoing:
		return "out"
	}
	return "local"
}

// Status is where a message is on its way.
type Status uint8

// The statuses, in the order a message normally goes through them.
const (
	// StatusQueued is an outgoing message not yet accepted by the peer's home.
	StatusQueued Status = 1
	// StatusSent is a message the peer's home accepted.
	StatusSent Status = 2
	// StatusDelivered is a message the peer's device acknowledged.
	StatusDelivered Status = 3
	// StatusRead is a message read by its recipient.
	StatusRead Status = 4
	// StatusFailed is an outgoing message given up on.
	StatusFailed Status = 5
)

// String names the status as the api and exports spell it: "queued",
// "sent", "delivered", "read" or "failed".
func (s Status) String() string {
	switch s {
	case StatusQueued:
		return "queued"
	case StatusSent:
		return "sent"
	case StatusDelivered:
		return "delivered"
	case StatusRead:
		return "read"
	}
	return "failed"
}

// Message is one message of a conversation.
type Message struct {
	// Seq is the local sequence number, assigned on insert: the order of
	// messages in a conversation.
	Seq int64
	// Conversation is the contact the message was exchanged with.
	Conversation ContactID
	// ID is the sender's message id.
	ID MessageID
	// Direction says who wrote the message.
	Direction Direction
	// Body is the message's content.
	Body []byte
	// Sent is the sender's time of sending.
	Sent time.Time
	// Received is the local time of receipt (or of writing, outgoing).
	Received time.Time
	// Status is the delivery status; StatusAt when it last changed.
	Status   Status
	StatusAt time.Time
	// Expires, if set, is when the message disappears.
	Expires time.Time
	// Kind says what the row is; the zero value is a text message.
	Kind Kind
	// Timer is the new disappearing-messages timer of a [KindTimer] line.
	Timer time.Duration
	// File describes the file of a [KindFile] row, nil otherwise.
	File *FileInfo
	// Quote is, for a reply, the id of the message of the same
	// conversation it quotes; zero when it quotes none.
	Quote MessageID
	// Edited is when the message was last edited (zero: never); Versions
	// are its earlier texts, oldest first.
	Edited   time.Time
	Versions []Version
	// Reactions are the emoji on the message, at most one per person.
	Reactions []Reaction
	// Times are when the message reached each status (kept with Status).
	Times StatusTimes
	// Sender is, for an incoming row of a group conversation, the member
	// who wrote it; 0 otherwise.
	Sender ContactID
}

// valid reports whether the enumerations hold known values.
func (m *Message) valid() bool {
	return m.Direction >= Incoming && m.Direction <= Local &&
		m.Status >= StatusQueued && m.Status <= StatusFailed &&
		m.Kind <= lastKind && (m.Kind == KindFile) == (m.File != nil) && m.actionsValid()
}

// encodeRecord is the plaintext of the record column.
func (m *Message) encodeRecord() []byte {
	e := encoder{b: make([]byte, 0, 40+len(m.Body))}
	e.bytes(m.ID[:])
	e.uvarint(uint64(m.Direction))
	e.time(m.Sent)
	e.time(m.Received)
	e.bytes(m.Body)
	m.encodeExtra(&e)
	return e.b
}

// decodeRecord parses the record column into m.
func (m *Message) decodeRecord(b []byte) error {
	d := newDecoder(b)
	d.fixed(m.ID[:])
	m.Direction = Direction(d.uvarint())
	m.Sent = d.time()
	m.Received = d.time()
	m.Body = d.bytes()
	m.decodeExtra(d)
	return d.done()
}

// encodeStatus is the plaintext of the status column: the status, when it
// was set, and when the message reached each status (written only once
// one is known, so a queued message's status keeps its old bytes).
func encodeStatus(st Status, at time.Time, times StatusTimes) []byte {
	var e encoder
	e.uvarint(uint64(st))
	e.time(at)
	times.mark(st, at)
	if !times.zero() {
		e.time(times.Sent)
		e.time(times.Delivered)
		e.time(times.Read)
	}
	return e.b
}

// decodeStatus parses the status column.
func decodeStatus(b []byte) (Status, time.Time, StatusTimes, error) {
	d := newDecoder(b)
	st := Status(d.uvarint())
	at := d.time()
	var times StatusTimes
	if d.d.Err() == nil && d.d.Len() > 0 {
		times = StatusTimes{Sent: d.time(), Delivered: d.time(), Read: d.time()}
	}
	return st, at, times, d.done()
}

// messageIndex is the blind index of a message id within a conversation.
// The conversation is part of the input, so the same id in two
// conversations gives unrelated indexes.
func (s *Store) messageIndex(conv ContactID, id MessageID) []byte {
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], uint64(conv))
	return s.c.blind(s.keys.blindMessage, c[:], id[:])
}

// InsertMessage stores m unless its conversation already has a message with
// the same id. It returns the message's sequence number (the existing
// one for a duplicate) and whether it was inserted.
func (s *Store) InsertMessage(ctx context.Context, m Message) (int64, bool, error) {
	var seq int64
	var inserted bool
	err := s.write(ctx, func(tx querier) error {
		row, err := nextID(ctx, tx, tableMessages)
		if err != nil {
			return err
		}
		seq, inserted, err = s.insertMessage(ctx, tx, m, row)
		return err
	})
	return seq, inserted, err
}

// InsertMessages stores several messages in one transaction, each as
// [Store.InsertMessage] would, and returns their sequence numbers.
func (s *Store) InsertMessages(ctx context.Context, ms []Message) ([]int64, error) {
	seqs := make([]int64, len(ms))
	err := s.write(ctx, func(tx querier) error {
		row, err := nextID(ctx, tx, tableMessages)
		if err != nil {
			return err
		}
		for i, m := range ms {
			seq, _, err := s.insertMessage(ctx, tx, m, row)
			if err != nil {
				return err
			}
			// An id is used up even by a duplicate: SQLite advances
			// the AUTOINCREMENT counter before the conflict check.
			row++
			seqs[i] = seq
		}
		return nil
	})
	return seqs, err
}

// sealMessage returns the blind index and the sealed record and status of
// m stored as row.
func (s *Store) sealMessage(m *Message, row int64) (idx, rec, st []byte, err error) {
	idx = s.messageIndex(m.Conversation, m.ID)
	if rec, err = s.c.seal(tableMessages, colRecord, row, m.encodeRecord()); err != nil {
		return nil, nil, nil, err
	}
	st, err = s.c.seal(tableMessages, colStatus, row, encodeStatus(m.Status, m.StatusAt, m.Times))
	return idx, rec, st, err
}

// insertMessage inserts m as row, the next free id, inside a transaction.
func (s *Store) insertMessage(ctx context.Context, tx querier, m Message, row int64) (int64, bool, error) {
	if !m.valid() {
		return 0, false, ErrInvalidArgument
	}
	idx, rec, st, err := s.sealMessage(&m, row)
	if err != nil {
		return 0, false, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO messages (id, conversation, msgid_index, record, status)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (conversation, msgid_index) DO NOTHING`,
		row, m.Conversation, idx, rec, st)
	if err != nil {
		return 0, false, fmt.Errorf("store: inserting message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var seq int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE conversation = ? AND msgid_index = ?`,
			m.Conversation, idx).Scan(&seq)
		if err != nil {
			return 0, false, fmt.Errorf("store: finding duplicate message: %w", err)
		}
		return seq, false, nil
	}
	if !m.Expires.IsZero() {
		if err := s.setExpiry(ctx, tx, row, m.Expires); err != nil {
			return 0, false, err
		}
	}
	return row, true, nil
}
