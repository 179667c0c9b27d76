package chat

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ratchat/keys"
	"ratchat/store"
)

// Summary is what a contact list shows of one contact: the contact, its
// unread count, its newest row, whether its home answers, and its
// disappearing-messages timer.
type Summary struct {
	// Contact is the contact (its Held flag: a changed key awaits
	// acceptance; its State: a contact, a message request or blocked).
	Contact store.Contact
	// Unread counts the contact's messages after the read marker; it stops
	// at [store.MaxUnreadScan].
	Unread int
	// Last is the chat's newest row; nil for an empty chat.
	Last *store.Message
	// Online says whether the contact's home answered recently.
	Online bool
	// Timer is the disappearing-messages timer, zero when off.
	Timer time.Duration
	// SameName is, for a message request, the contact whose name it
	// carries (ignoring case) with another key; 0 when none.
	SameName store.ContactID
	// Mark says so for the user: "not the same key as your contact X".
	Mark string
	// MutedUntil is until when the chat is muted ([Messenger.Mute]); zero
	// when it is not. [MuteForever] for always.
	MutedUntil time.Time
	// GroupOnly says that the row is a member we know only through a
	// group: a request with no row in its own chat. It is listed nowhere
	// (not in [Messenger.Requests]) until it writes to us 1:1.
	GroupOnly bool
	// LastSender is, for a group, the name of who wrote its newest row
	// ([DisplayName]); the interface shows it before the row's text, and
	// the member may be a row the lists hide (a [Summary.GroupOnly] one).
	LastSender string
}

// Muted reports whether the chat was muted when the summary was made.
func (s Summary) Muted() bool { return !s.MutedUntil.IsZero() }

// LastAt is when the chat last changed: its newest row's time, zero for an
// empty chat.
func (s Summary) LastAt() time.Time {
	if s.Last == nil {
		return time.Time{}
	}
	return s.Last.Received
}

// Summaries returns a summary of every contact (not the message
// requests, see [Messenger.Requests], nor blocked senders) and of every
// group we are in or left (a group we left is in [store.StateRemoved]),
// the most recent conversation first.
func (m *Messenger) Summaries(ctx context.Context) ([]Summary, error) {
	return m.summariesIn(ctx, store.StateContact)
}

// Summary returns the summary of one contact, request or group.
func (m *Messenger) Summary(ctx context.Context, id store.ContactID) (Summary, error) {
	all, err := m.rows(ctx)
	if err != nil {
		return Summary{}, err
	}
	for _, c := range all {
		if c.ID == id {
			s, err := m.summary(ctx, c)
			s.markSameName(all)
			return s, err
		}
	}
	return Summary{}, fmt.Errorf("%w: %d", store.ErrNotFound, id)
}

// rows returns the people and then the groups: every row a summary is
// made of.
func (m *Messenger) rows(ctx context.Context) ([]store.Contact, error) {
	people, err := m.st.Contacts(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := m.st.Groups(ctx)
	if err != nil {
		return nil, err
	}
	return append(people, groups...), nil
}

func (m *Messenger) summary(ctx context.Context, c store.Contact) (Summary, error) {
	s := Summary{Contact: c, Online: m.Online(c.ID)}
	last, _, err := m.st.Messages(ctx, c.ID, 0, 1)
	if err != nil {
		return s, err
	}
	if len(last) == 1 {
		s.Last = &last[0]
	}
	if s.Unread, err = m.st.Unread(ctx, c.ID); err != nil {
		return s, err
	}
	if s.Timer, err = m.Timer(ctx, c.ID); err != nil {
		return s, err
	}
	if s.MutedUntil, err = m.MutedUntil(ctx, c.ID); err != nil {
		return s, err
	}
	if s.Last == nil && c.State == store.StateRequest && !c.IsGroup() {
		s.GroupOnly, err = m.inAGroup(ctx, c)
	}
	if err == nil && c.IsGroup() && s.Last != nil && s.Last.Sender != 0 {
		sender, serr := m.st.Contact(ctx, s.Last.Sender)
		if serr != nil && !errors.Is(serr, store.ErrNotFound) {
			return s, serr
		}
		sender.ID = s.Last.Sender // a member since deleted keeps its stand-in
		s.LastSender = DisplayName(sender)
	}
	return s, err
}

// inAGroup reports whether c is a member of a group we have.
func (m *Messenger) inAGroup(ctx context.Context, c store.Contact) (bool, error) {
	groups, err := m.st.Groups(ctx)
	if err != nil {
		return false, err
	}
	for _, gc := range groups {
		g, err := m.loadState(ctx, gc)
		if errors.Is(err, store.ErrNotFound) {
			continue // no state saved yet
		}
		if err != nil {
			return false, err
		}
		for _, sm := range g.state.Members {
			if sm.Identity == c.Identity {
				return true, nil
			}
		}
	}
	return false, nil
}

// DisplayName is the name a contact is shown under: the one it has, or a
// stand-in until it tells us one. A person we know only by key (a group
// member we learnt from the group's state, until its profile comes) is
// shown by the start of that key ("key 3f2a91bc"): unlike its row number,
// it tells two such members apart the same way on every member's screen.
// "contact 3" is left for a row without a key.
func DisplayName(c store.Contact) string {
	if c.Name != "" {
		return c.Name
	}
	if c.Identity != (keys.PublicKey{}) {
		return "key " + hex.EncodeToString(c.Identity[:unnamedKeyBytes])
	}
	return "contact " + strconv.FormatInt(int64(c.ID), 10)
}

// unnamedKeyBytes is how much of a key names a person without a name:
// 8 hex digits, enough to tell a group's members apart at a glance (it is
// a label, not a check: safety numbers verify a key).
const unnamedKeyBytes = 4

// FindContact finds a contact by its id or by its display name (ignoring
// case). It fails with [ErrNoContact], or [ErrAmbiguous] when several
// contacts have the name.
//
// An id is looked up alone first: an api that names its contacts by id
// (a business's send path, with thousands of customers) must not read and
// decrypt every contact on each call.
func (m *Messenger) FindContact(ctx context.Context, nameOrID string) (store.Contact, error) {
	if n, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		if c, err := m.st.Contact(ctx, store.ContactID(n)); err == nil && !c.IsGroup() {
			return c, nil
		}
	}
	all, err := m.st.Contacts(ctx)
	if err != nil {
		return store.Contact{}, err
	}
	if n, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		for _, c := range all {
			if int64(c.ID) == n {
				return c, nil
			}
		}
	}
	var found []store.Contact
	for _, c := range all {
		// By name, only contacts: a request named "Alice" must not be
		// what "send Alice" reaches. Requests are found by id.
		if c.State == store.StateContact && strings.EqualFold(DisplayName(c), nameOrID) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return store.Contact{}, fmt.Errorf("%w: %q", ErrNoContact, nameOrID)
	case 1:
		return found[0], nil
	}
	return store.Contact{}, fmt.Errorf("%w (%q)", ErrAmbiguous, nameOrID)
}
