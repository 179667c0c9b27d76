package chat

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"ratchat/keys"
	"ratchat/store"
)

// addIncomingContact records someone new who started a session with us
// as a message request: a contact row in [store.StateRequest], named as
// their profile says. Nothing links them to an existing contact: a
// contact is its identity key, and a display name or a home address
// (every profile on a relay shares the relay's) is a label anyone can
// claim. A request named like a contact is only marked (see
// [Summary.SameName]); the contact is never touched.
func (m *Messenger) addIncomingContact(ctx context.Context, in *incoming) error {
	c := store.Contact{Identity: in.sender, State: store.StateRequest}
	if in.content.Kind == KindProfile {
		c.Name, c.Address = in.content.Name, in.content.Home
	}
	id, err := m.st.AddContact(ctx, c)
	if err != nil {
		return err
	}
	c.ID = id
	in.contact, in.known = c, true
	m.events.emit(ContactChanged{Contact: c})
	return nil
}

// Requests returns a summary of every message request, the most recent
// first: the people who wrote to us 1:1 and are not accepted yet, and the
// groups we were added to by someone who is not an accepted contact. A
// member we know only through a group (no row in its own chat) is no
// request until it writes to us. A request whose name is a contact's
// (ignoring case) carries [Summary.SameName] and [Summary.Mark].
func (m *Messenger) Requests(ctx context.Context) ([]Summary, error) {
	return m.summariesIn(ctx, store.StateRequest)
}

// summariesIn summarises the rows in state (for contacts, also the
// groups we left), the most recent first.
func (m *Messenger) summariesIn(ctx context.Context, state store.ContactState) ([]Summary, error) {
	all, err := m.rows(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(all))
	for _, c := range all {
		left := state == store.StateContact && c.IsGroup() && c.State == store.StateRemoved
		if c.State != state && !left {
			continue
		}
		s, err := m.summary(ctx, c)
		if err != nil {
			return nil, err
		}
		if s.GroupOnly {
			continue
		}
		s.markSameName(all)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].LastAt(), out[j].LastAt(); !a.Equal(b) {
			return a.After(b)
		}
		return out[i].Contact.ID > out[j].Contact.ID
	})
	return out, nil
}

// markSameName sets SameName and Mark when s is a request named like one
// of the contacts in all. Computed, never stored: renaming the contact
// updates the mark.
func (s *Summary) markSameName(all []store.Contact) {
	if s.Contact.State != store.StateRequest || s.Contact.IsGroup() || s.Contact.Name == "" {
		return
	}
	for _, c := range all {
		if c.State == store.StateContact && !c.IsGroup() && c.ID != s.Contact.ID && strings.EqualFold(c.Name, s.Contact.Name) {
			s.SameName = c.ID
			s.Mark = fmt.Sprintf("not the same key as your contact %s", DisplayName(c))
			return
		}
	}
}

// Accept makes message request id a contact: from now on its messages
// are acknowledged, it learns our name, and we may write to it. The
// messages it sent while a request get their delivery receipts now.
//
// Accepting a request named like an existing contact makes a second
// contact; it never replaces the first one's key.
func (m *Messenger) Accept(ctx context.Context, id store.ContactID) error {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	if c.State != store.StateRequest {
		return fmt.Errorf("%w: %s", ErrNotRequest, DisplayName(c))
	}
	if err := m.st.SetContactState(ctx, id, store.StateContact); err != nil {
		return err
	}
	c.State = store.StateContact
	m.events.emit(ContactChanged{Contact: c})
	if c.GroupID != (store.GroupID{}) {
		return m.acceptGroup(ctx, c)
	}
	if err := m.answerProfile(ctx, c); err != nil {
		return err
	}
	if err := m.acknowledgeAll(ctx, c.ID); err != nil {
		return err
	}
	return m.askPendingResumes(ctx, c.ID)
}

// acknowledgeAll queues the receipts a request was not sent: delivered for
// every incoming message, and read for those the user saw already (up to
// the read marker).
func (m *Messenger) acknowledgeAll(ctx context.Context, id store.ContactID) error {
	delivered, read, err := m.requestReceipts(ctx, id)
	if err != nil {
		return err
	}
	for _, msgID := range delivered {
		m.deliveryReceipt(id, msgID)
	}
	return m.readReceipts(ctx, id, read)
}

// Block blocks a contact or a request: its history, outbox and session
// are deleted, and its later envelopes are dropped unread and in silence.
// The row stays (under its key) so that it is recognised.
func (m *Messenger) Block(ctx context.Context, id store.ContactID) error {
	if err := m.block(ctx, id); err != nil {
		return err
	}
	// The home refuses its deposits from now on (the token it holds from
	// us is revoked there): a blocked sender does not even fill our mailbox.
	return m.RevokeToken(ctx, id)
}

// block marks a contact blocked and deletes its history, under the session lock.
func (m *Messenger) block(ctx context.Context, id store.ContactID) error {
	m.lockSessions()
	defer m.mu.Unlock()
	if err := m.st.Block(ctx, id); err != nil {
		return err
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: c})
	return nil
}

// Unblock lifts a block: the sender's next messages arrive again, as a
// message request (its history is gone, and it has to be accepted anew).
func (m *Messenger) Unblock(ctx context.Context, id store.ContactID) error {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	if c.State != store.StateBlocked {
		return fmt.Errorf("%w: %s", ErrNotBlocked, DisplayName(c))
	}
	if err := m.st.SetContactState(ctx, id, store.StateRequest); err != nil {
		return err
	}
	c.State = store.StateRequest
	m.events.emit(ContactChanged{Contact: c})
	return nil
}

// AcceptAsKeyChange accepts message request as contact on a new key: the
// user says the request is the contact after a reinstall, and proves it
// by comparing safety numbers made with the request's key (code: the 60
// digits or the QR text, as for [Messenger.VerifyCode]).
//
// It fails with [ErrMalformedCode] for text that is no safety number,
// with [ErrCodeMismatch] when the number is not the one made with the
// request's key, and with [ErrNotRequest] when request is no request; in
// each case nothing changes. Otherwise the request's messages move into
// the contact's chat, the contact takes the request's key and session and
// is verified, the request disappears, and the chat gets a key-changed
// and a verified line. The request's messages get their delivery receipts,
// as on [Messenger.Accept].
func (m *Messenger) AcceptAsKeyChange(ctx context.Context, request, contact store.ContactID, code string) error {
	if err := CheckCode(code); err != nil {
		return err
	}
	req, err := m.st.Contact(ctx, request)
	if err != nil {
		return err
	}
	if req.State != store.StateRequest {
		return fmt.Errorf("%w: %s", ErrNotRequest, DisplayName(req))
	}
	c, err := m.st.Contact(ctx, contact)
	if err != nil {
		return err
	}
	if !keys.NewSafetyNumber(m.identity.Public, req.Identity).Matches(code) {
		return ErrCodeMismatch
	}
	delivered, read, err := m.requestReceipts(ctx, request)
	if err != nil {
		return err
	}
	if err := m.merge(ctx, request, contact, req.Identity); err != nil {
		return err
	}
	if err := m.repointFiles(ctx, request, contact); err != nil {
		return err
	}
	merged, err := m.st.Contact(ctx, contact)
	if err != nil {
		return err
	}
	if err := m.rekeyMember(ctx, merged, c.Identity); err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: req, MergedInto: contact})
	m.events.emit(ContactChanged{Contact: merged})
	if err := m.systemLine(ctx, contact, store.KindKeyChanged, 0); err != nil {
		return err
	}
	if !c.Verified {
		if err := m.systemLine(ctx, contact, store.KindVerified, 0); err != nil {
			return err
		}
	}
	m.wakeOutbox()
	if err := m.answerProfile(ctx, merged); err != nil {
		return err
	}
	for _, id := range delivered {
		m.deliveryReceipt(contact, id)
	}
	return m.readReceipts(ctx, contact, read)
}

// merge is [store.Store.MergeRequestInto] under the session lock.
func (m *Messenger) merge(ctx context.Context, request, contact store.ContactID, key keys.PublicKey) error {
	m.lockSessions()
	defer m.mu.Unlock()
	return m.st.MergeRequestInto(ctx, request, contact, key)
}

// requestReceipts lists the ids of a request's incoming messages, and of
// those the user read already: the receipts a request was not sent.
func (m *Messenger) requestReceipts(ctx context.Context, id store.ContactID) (delivered, read []store.MessageID, err error) {
	marker, err := m.st.ReadMarker(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var before store.Cursor
	for {
		page, next, err := m.st.Messages(ctx, id, before, 500)
		if err != nil {
			return nil, nil, err
		}
		for _, msg := range page {
			if msg.Direction == store.Incoming && !msg.Kind.System() {
				delivered = append(delivered, msg.ID)
				if msg.Seq <= marker {
					read = append(read, msg.ID)
				}
			}
		}
		if next == 0 {
			return delivered, read, nil
		}
		before = next
	}
}
