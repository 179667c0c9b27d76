package chat

import (
	"context"
	"errors"
	"fmt"

	"ratchat/session"
	"ratchat/store"
)

// Send writes a text message to a contact: it is encrypted, stored with
// the new session state and queued for delivery in one transaction, and
// delivered by the outbox (now, or when the contact's home is reachable).
func (m *Messenger) Send(ctx context.Context, id store.ContactID, text string) (store.Message, error) {
	c := &Content{Kind: KindText, Text: text}
	if err := m.stamp(c); err != nil {
		return store.Message{}, err
	}
	return m.sendMessage(ctx, id, c, func(msg *store.Message) { msg.Body = []byte(text) })
}

// sendMessage encrypts content c for contact id and commits it as a row of
// the history, which fill completes (its text, or its file). The commit
// goes through the send pipe: m.mu is held only while the message is
// sealed, and concurrent sends share transactions (see [sendPipe]).
func (m *Messenger) sendMessage(ctx context.Context, id store.ContactID, c *Content, fill func(*store.Message)) (store.Message, error) {
	msg := store.Message{
		Conversation: id, ID: c.ID, Direction: store.Outgoing,
		Sent: c.Sent, Received: c.Sent, Status: store.StatusQueued, StatusAt: c.Sent,
	}
	fill(&msg)
	if err := m.expiry(ctx, id, &msg); err != nil {
		return store.Message{}, err
	}
	m.mu.Lock()
	contact, err := m.st.Contact(ctx, id)
	if err != nil {
		m.mu.Unlock()
		return store.Message{}, err
	}
	if contact.GroupID != (store.GroupID{}) {
		m.mu.Unlock()
		g, err := m.loadState(ctx, contact)
		if err != nil {
			return store.Message{}, err
		}
		return m.sendGroupMessage(ctx, g, c, fill)
	}
	s, err := m.sendableAs(ctx, contact)
	if err == nil && !s.SPQR() {
		s, err = m.renewUnlocked(ctx, id)
	}
	if err != nil {
		m.mu.Unlock()
		return store.Message{}, err
	}
	payload, state, err := m.seal(contact, s, c)
	if err != nil {
		m.mu.Unlock()
		return store.Message{}, err
	}
	pending := m.pipe.add(ctx, store.Sent{Message: msg, Session: state, Payload: payload}, s)
	m.mu.Unlock()
	seq, err := pending.wait()
	if err != nil {
		return store.Message{}, err
	}
	msg.Seq = seq
	m.counters.sent()
	m.expiryStored(&msg)
	m.events.emit(MessageStored{Contact: id, Message: msg})
	m.wakeOutbox()
	return msg, nil
}

// renewUnlocked replaces a session that lacks SPQR before a send (see
// [Messenger.renewalFor]): it releases m.mu while it fetches a bundle,
// then takes it again and returns the session to send on, read afresh.
// The caller holds m.mu and still does on return.
func (m *Messenger) renewUnlocked(ctx context.Context, id store.ContactID) (*session.Session, error) {
	m.mu.Unlock()
	renewed := m.renewalFor(ctx, id)
	m.mu.Lock()
	contact, s, err := m.sendable(ctx, id)
	if err != nil {
		return nil, err
	}
	if contact.GroupID != (store.GroupID{}) {
		return nil, ErrNotAccepted // it cannot turn into a group; be safe
	}
	if renewed != nil && !s.SPQR() {
		// The old state stays, archived, to read what the contact still
		// sends on it; the next message starts the new session.
		s.Supersede(renewed)
	}
	return s, nil
}

// renewalFor returns a new session with contact id when the stored one
// lacks SPQR (an X3DH session, or a PQXDH session stored before ratchat
// spoke the triple ratchet), and nil otherwise. libsignal's clients do the
// same: a session that is not "usable" (SessionUsabilityRequirements::Spqr)
// is replaced by a new one from a fresh bundle before anything is sent.
// It fetches the bundle without holding m.mu. When the contact's home
// cannot be reached now, it returns nil and the message goes on the old
// session, which the contact still reads: nothing is held back or lost,
// and the next message tries again.
func (m *Messenger) renewalFor(ctx context.Context, id store.ContactID) *session.Session {
	c, err := m.st.Contact(ctx, id)
	if err != nil || c.Held || c.State != store.StateContact {
		return nil
	}
	m.lockSessions()
	var s session.Session
	err = m.loadSession(ctx, id, &s)
	m.mu.Unlock()
	if err != nil || !s.Established() || s.SPQR() {
		return nil
	}
	fresh, err := m.freshSession(ctx, c)
	if err != nil {
		m.log.Info("cannot renew a session without SPQR now; sending on it", "contact", id, "err", err)
		return nil
	}
	return fresh
}

// sendable loads a contact we may send to and its session.
func (m *Messenger) sendable(ctx context.Context, id store.ContactID) (store.Contact, *session.Session, error) {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return c, nil, err
	}
	s, err := m.sendableAs(ctx, c)
	return c, s, err
}

// sendableAs checks that we may send to contact c and returns its newest
// session: the send pipe's, while commits of it are queued, or the
// store's. The caller holds m.mu.
func (m *Messenger) sendableAs(ctx context.Context, c store.Contact) (*session.Session, error) {
	if c.Held {
		return nil, &IdentityChangedError{Contact: c.ID}
	}
	if c.State != store.StateContact {
		return nil, ErrNotAccepted
	}
	if s := m.pipe.session(c.ID); s != nil {
		return s, nil
	}
	s := new(session.Session)
	if err := m.loadSession(ctx, c.ID, s); err != nil {
		return nil, err
	}
	if !s.Established() {
		return nil, ErrNoSession
	}
	return s, nil
}

// seal encrypts content with the session and seals it for the contact's
// home, returning the envelope and the session state to store with it.
func (m *Messenger) seal(c store.Contact, s *session.Session, content *Content) ([]byte, []byte, error) {
	plaintext, err := content.Marshal()
	if err != nil {
		return nil, nil, err
	}
	typ, msg, err := s.Encrypt(m.rand, plaintext)
	if err != nil {
		return nil, nil, err
	}
	envelope, err := m.envelopeSealer().Seal(m.rand, c.Identity, uint8(typ), msg)
	if err != nil {
		return nil, nil, err
	}
	state, err := s.MarshalBinary()
	return envelope, state, err
}

// sendControl sends content that is not part of the history (receipts,
// profile, timer, reset) with the contact's stored session. The caller
// holds m.mu.
func (m *Messenger) sendControl(ctx context.Context, c store.Contact, content *Content) error {
	s := new(session.Session)
	if err := m.loadSession(ctx, c.ID, s); err != nil {
		return err
	}
	if !s.Established() {
		return ErrNoSession
	}
	return m.sendControlWith(ctx, c, s, content)
}

// sendControlWith is sendControl with a session in hand: the new state
// and the outbox item are stored in one transaction.
func (m *Messenger) sendControlWith(ctx context.Context, c store.Contact, s *session.Session, content *Content) error {
	if c.State != store.StateContact {
		return ErrNotAccepted // nothing goes to a request or a blocked sender
	}
	payload, state, err := m.seal(c, s, content)
	if err != nil {
		return err
	}
	_, err = m.st.CommitControlSent(ctx, c.ID, state, payload)
	return err
}

// queueReceipt acknowledges messages to their sender. The caller holds m.mu.
func (m *Messenger) queueReceipt(ctx context.Context, c store.Contact, t ReceiptType, ids ...store.MessageID) error {
	if c.Held || c.State != store.StateContact {
		return nil // nothing goes to an unaccepted identity or a request, receipts included
	}
	content := &Content{Kind: KindReceipt, Receipt: t, Acked: ids}
	if err := m.stamp(content); err != nil {
		return err
	}
	err := m.sendControl(ctx, c, content)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	m.wakeOutbox()
	return err
}

// readReceipts marks these incoming messages read and tells the contact,
// unless [Privacy.NoReadReceipts].
func (m *Messenger) readReceipts(ctx context.Context, id store.ContactID, ids []store.MessageID) error {
	if len(ids) == 0 {
		return nil
	}
	m.lockSessions()
	defer m.mu.Unlock()
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	if _, err := m.st.SetStatuses(ctx, id, ids, store.StatusRead); err != nil {
		return err
	}
	if m.Privacy().NoReadReceipts {
		return nil // read here, but the contact is not told
	}
	for len(ids) > 0 {
		n := min(len(ids), MaxReceiptIDs)
		if err := m.queueReceipt(ctx, c, ReceiptRead, ids[:n]...); err != nil {
			return fmt.Errorf("chat: read receipt: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}
