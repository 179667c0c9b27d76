package store

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"ratchat/internal/wire"
)

// Bounds of what message actions leave in a record. Decoding checks each.
const (
	// MaxVersions bounds the earlier versions an edited message keeps
	// (and so how often it can be edited).
	MaxVersions = 10
	// MaxEmojiSize bounds a reaction, in bytes of UTF-8: one emoji, even a
	// long sequence joined by zero-width joiners.
	MaxEmojiSize = 64
	// actionsVersion starts the actions part of a record.
	actionsVersion = 1
)

// Version is an earlier text of an edited message.
type Version struct {
	// Body is the text as it was; At is when it was written (the
	// message's Sent for the first version, else the edit's time).
	Body []byte
	At   time.Time
}

// Reaction is one person's emoji on a message. In a conversation of two,
// From tells whose: [Incoming] the contact's, [Outgoing] ours.
// In a group, Member is who reacted (0: us, From [Outgoing]).
type Reaction struct {
	From   Direction
	Member ContactID
	Emoji  string
}

// StatusTimes records when a message reached each status, for message
// info. A time is zero when the message skipped the status or reached it
// before these times were kept.
type StatusTimes struct {
	Sent, Delivered, Read time.Time
}

// mark records that the message reached st at t, unless it had already.
// Reaching a status implies the ones before it: a message read before its
// delivery receipt arrived was delivered by then at the latest.
func (t *StatusTimes) mark(st Status, at time.Time) {
	set := func(p *time.Time) {
		if p.IsZero() {
			*p = at
		}
	}
	switch st {
	case StatusRead:
		set(&t.Read)
		fallthrough
	case StatusDelivered:
		set(&t.Delivered)
		fallthrough
	case StatusSent:
		set(&t.Sent)
	}
}

// zero reports whether no time is set.
func (t StatusTimes) zero() bool {
	return t.Sent.IsZero() && t.Delivered.IsZero() && t.Read.IsZero()
}

// hasActions reports whether m carries anything of message actions: a
// quote, an edit or reactions.
func (m *Message) hasActions() bool {
	return m.Quote != (MessageID{}) || !m.Edited.IsZero() || len(m.Versions) > 0 || len(m.Reactions) > 0
}

// encodeActions appends the actions part of a record: a version, the
// quote (empty when none), the last edit's time, the earlier versions and
// the reactions.
func (m *Message) encodeActions(e *encoder) {
	e.uvarint(actionsVersion)
	if m.Quote != (MessageID{}) {
		e.bytes(m.Quote[:])
	} else {
		e.bytes(nil)
	}
	e.time(m.Edited)
	e.uvarint(uint64(len(m.Versions)))
	for _, v := range m.Versions {
		e.bytes(v.Body)
		e.time(v.At)
	}
	e.uvarint(uint64(len(m.Reactions)))
	for _, r := range m.Reactions {
		e.uvarint(uint64(r.From))
		e.str(r.Emoji)
	}
}

// decodeActions reads what encodeActions wrote, checking its bounds: at
// most MaxVersions versions, one reaction each from the contact and from
// us, each a short UTF-8 string.
func (m *Message) decodeActions(d *decoder) {
	fail := func(format string, args ...any) {
		d.d.Fail(fmt.Errorf("%w: %s", wire.ErrRange, fmt.Sprintf(format, args...)))
	}
	if v := d.uvarint(); v != actionsVersion {
		fail("actions version %d", v)
		return
	}
	if q := d.d.UvarintBytes(); len(q) == MessageIDSize {
		copy(m.Quote[:], q)
	} else if len(q) != 0 {
		fail("quote of %d bytes", len(q))
		return
	}
	m.Edited = d.time()
	n := d.uvarint()
	if n > MaxVersions {
		fail("%d versions", n)
		return
	}
	for range n {
		m.Versions = append(m.Versions, Version{Body: d.bytes(), At: d.time()})
	}
	n = d.uvarint()
	if n > 2 {
		fail("%d reactions", n)
		return
	}
	for range n {
		r := Reaction{From: Direction(d.uvarint()), Emoji: d.str()}
		if r.From != Incoming && r.From != Outgoing || r.Emoji == "" || len(r.Emoji) > MaxEmojiSize ||
			!utf8.ValidString(r.Emoji) || len(m.Reactions) == 1 && m.Reactions[0].From == r.From {
			fail("reaction")
			return
		}
		m.Reactions = append(m.Reactions, r)
	}
}

// SetReaction sets the reaction from one side on m: emoji replaces what
// that side had, and an empty emoji removes it.
func (m *Message) SetReaction(from Direction, emoji string) {
	out := m.Reactions[:0:0]
	for _, r := range m.Reactions {
		if r.From != from {
			out = append(out, r)
		}
	}
	if emoji != "" {
		out = append(out, Reaction{From: from, Emoji: emoji})
	}
	m.Reactions = out
}

// Clear makes m a deleted message: its kind is [KindDeleted], and its
// text, file, versions, quote and reactions are gone.
func (m *Message) Clear() {
	m.Kind, m.Body, m.File = KindDeleted, nil, nil
	m.Quote, m.Edited, m.Versions, m.Reactions = MessageID{}, time.Time{}, nil, nil
}

// UpdateMessage changes the message with id in a conversation: change is
// applied to it inside a write transaction, and the record is sealed and
// written again in place (same row, same sequence number). When change
// makes the row [KindDeleted], its attachments go too. With SQLite's
// secure_delete on (see dsn), the old record's bytes are overwritten in
// the database file, not merely freed. It returns the message as stored,
// [ErrNotFound] for an unknown one, or change's error, which writes
// nothing.
func (s *Store) UpdateMessage(ctx context.Context, conv ContactID, id MessageID, change func(*Message) error) (Message, error) {
	var m Message
	err := s.write(ctx, func(tx querier) error {
		var err error
		m, err = s.updateMessage(ctx, tx, conv, id, change)
		return err
	})
	return m, err
}

// UpdateMessageSent is [Store.UpdateMessage] and [Store.CommitControlSent]
// in one transaction: a change to a message (an edit, a deletion, a
// reaction) with the session state after encrypting the message that
// tells the contact, and the outbox item that delivers it. Either both
// sides' records move, or neither does.
func (s *Store) UpdateMessageSent(ctx context.Context, conv ContactID, id MessageID, change func(*Message) error, session, payload []byte) (Message, error) {
	var m Message
	err := s.write(ctx, func(tx querier) error {
		var err error
		if m, err = s.updateMessage(ctx, tx, conv, id, change); err != nil {
			return err
		}
		if err := s.putSession(ctx, tx, conv, session); err != nil {
			return err
		}
		_, err = s.enqueue(ctx, tx, OutboxItem{Contact: conv, Payload: payload})
		return err
	})
	return m, err
}

// updateMessage is UpdateMessage inside a transaction.
func (s *Store) updateMessage(ctx context.Context, tx querier, conv ContactID, id MessageID, change func(*Message) error) (Message, error) {
	m, err := s.scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+`
		WHERE m.conversation = ? AND m.msgid_index = ?`, conv, s.messageIndex(conv, id)))
	if err != nil {
		return m, err
	}
	if err := change(&m); err != nil {
		return m, err
	}
	if !m.valid() || m.ID != id || m.Conversation != conv {
		return m, ErrInvalidArgument
	}
	if err := s.rewriteRecord(ctx, tx, &m); err != nil {
		return m, err
	}
	if m.Kind == KindDeleted {
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE message = ?`, m.Seq); err != nil {
			return m, fmt.Errorf("store: deleting attachments: %w", err)
		}
	}
	return m, nil
}
