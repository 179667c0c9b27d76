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
	// MaxReactions bounds the reactions on a message: one per person, in
	// a group of 1,024 members and us.
	MaxReactions = 1025
	// actionsVersion starts the actions part of a record. Version 2 adds
	// the row's sender and each reaction's member (groups); a record
	// without either keeps version 1 and its old bytes.
	actionsVersion      = 1
	actionsVersionGroup = 2
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
// quote, an edit, reactions, or (in a group) its sender.
func (m *Message) hasActions() bool {
	return m.Quote != (MessageID{}) || !m.Edited.IsZero() || len(m.Versions) > 0 || len(m.Reactions) > 0 ||
		m.Sender != 0
}

// groupActions reports whether the actions part needs version 2: the row
// has a sender, or a reaction has a member.
func (m *Message) groupActions() bool {
	if m.Sender != 0 {
		return true
	}
	for _, r := range m.Reactions {
		if r.Member != 0 {
			return true
		}
	}
	return false
}

// encodeActions appends the actions part of a record: a version, the
// quote (empty when none), the last edit's time, the earlier versions,
// (version 2) the sender, and the reactions (version 2: with their
// member).
func (m *Message) encodeActions(e *encoder) {
	group := m.groupActions()
	if group {
		e.uvarint(actionsVersionGroup)
	} else {
		e.uvarint(actionsVersion)
	}
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
	if group {
		e.uvarint(uint64(m.Sender))
	}
	e.uvarint(uint64(len(m.Reactions)))
	for _, r := range m.Reactions {
		e.uvarint(uint64(r.From))
		if group {
			e.uvarint(uint64(r.Member))
		}
		e.str(r.Emoji)
	}
}

// maxContactID bounds a contact id read from a record: a row id is
// positive and fits an int64.
const maxContactID = 1<<63 - 1

// decodeActions reads what encodeActions wrote, checking its bounds: at
// most MaxVersions versions, at most one reaction per person (version 1:
// the contact and us; version 2: each member and us, at most
// MaxReactions), each a short UTF-8 string.
func (m *Message) decodeActions(d *decoder) {
	fail := func(format string, args ...any) {
		d.d.Fail(fmt.Errorf("%w: %s", wire.ErrRange, fmt.Sprintf(format, args...)))
	}
	version := d.uvarint()
	if version != actionsVersion && version != actionsVersionGroup {
		fail("actions version %d", version)
		return
	}
	group := version == actionsVersionGroup
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
	if group {
		sender := d.uvarint()
		if sender > maxContactID {
			fail("sender %d", sender)
			return
		}
		m.Sender = ContactID(sender)
	}
	n = d.uvarint()
	if !group && n > 2 || n > MaxReactions {
		fail("%d reactions", n)
		return
	}
	var seen map[reactionKey]bool
	for range n {
		r := Reaction{From: Direction(d.uvarint())}
		if group {
			member := d.uvarint()
			if member > maxContactID {
				fail("reaction member %d", member)
				return
			}
			r.Member = ContactID(member)
		}
		r.Emoji = d.str()
		if d.d.Err() != nil {
			return
		}
		if !r.valid() || r.duplicateIn(m.Reactions, &seen) {
			fail("reaction")
			return
		}
		m.Reactions = append(m.Reactions, r)
	}
}

// reactionKey is whose a reaction is: one per person.
type reactionKey struct {
	from   Direction
	member ContactID
}

// valid reports whether r is a well-formed reaction: a direction, a
// member only on someone else's, a short UTF-8 emoji.
func (r Reaction) valid() bool {
	return (r.From == Incoming || r.From == Outgoing && r.Member == 0) && r.Member >= 0 &&
		r.Emoji != "" && len(r.Emoji) <= MaxEmojiSize && utf8.ValidString(r.Emoji)
}

// duplicateIn reports whether the person of r has a reaction in rs
// already. Up to two are compared directly; past that, seen (built on
// first use) keeps it linear.
func (r Reaction) duplicateIn(rs []Reaction, seen *map[reactionKey]bool) bool {
	k := reactionKey{r.From, r.Member}
	if len(rs) < 2 {
		for _, x := range rs {
			if (reactionKey{x.From, x.Member}) == k {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[reactionKey]bool, len(rs)+1)
		for _, x := range rs {
			(*seen)[reactionKey{x.From, x.Member}] = true
		}
	}
	if (*seen)[k] {
		return true
	}
	(*seen)[k] = true
	return false
}

// actionsValid reports whether m's actions are what a record can hold:
// at most MaxVersions versions, valid reactions, one per person, at most
// MaxReactions, and a sender that is a row id or 0.
func (m *Message) actionsValid() bool {
	if len(m.Versions) > MaxVersions || len(m.Reactions) > MaxReactions || m.Sender < 0 {
		return false
	}
	var seen map[reactionKey]bool
	for i, r := range m.Reactions {
		if !r.valid() || r.duplicateIn(m.Reactions[:i], &seen) {
			return false
		}
	}
	return true
}

// SetReaction sets the reaction from one side on m: emoji replaces what
// that side had, and an empty emoji removes it.
func (m *Message) SetReaction(from Direction, emoji string) {
	m.setReaction(Reaction{From: from, Emoji: emoji})
}

// SetMemberReaction sets the reaction of one person on a message of a
// group: ours (member 0) or a member's. emoji replaces what that person
// had, and an empty emoji removes it. It fails with [ErrInvalidArgument]
// for a malformed emoji, or when the message holds [MaxReactions]
// reactions already (members who left keep theirs).
func (m *Message) SetMemberReaction(member ContactID, emoji string) error {
	r := Reaction{From: Outgoing, Member: member, Emoji: emoji}
	if member != 0 {
		r.From = Incoming
	}
	if emoji != "" && !r.valid() || member < 0 {
		return fmt.Errorf("%w: reaction", ErrInvalidArgument)
	}
	var had bool
	for _, x := range m.Reactions {
		had = had || x.From == r.From && x.Member == r.Member
	}
	if emoji != "" && !had && len(m.Reactions) >= MaxReactions {
		return fmt.Errorf("%w: %d reactions", ErrInvalidArgument, len(m.Reactions))
	}
	m.setReaction(r)
	return nil
}

// setReaction replaces the reaction of r's person with r, or removes it
// when r.Emoji is empty.
func (m *Message) setReaction(r Reaction) {
	out := m.Reactions[:0:0]
	for _, x := range m.Reactions {
		if x.From != r.From || x.Member != r.Member {
			out = append(out, x)
		}
	}
	if r.Emoji != "" {
		out = append(out, r)
	}
	m.Reactions = out
}

// Clear makes m a deleted message: its kind is [KindDeleted], and its
// text, file, versions, quote and reactions are gone (its sender stays:
// a group shows whose message was deleted).
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
