package chat

import (
	"context"
	"errors"
	"fmt"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
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
// the history, which fill completes (its text, or its file).
func (m *Messenger) sendMessage(ctx context.Context, id store.ContactID, c *Content, fill func(*store.Message)) (store.Message, error) {
	if g, err := m.groupOf(ctx, id); err != nil {
		return store.Message{}, err
	} else if g != nil {
		return m.sendGroupMessage(ctx, g, c, fill)
	}
	renewed := m.renewalFor(ctx, id)
	m.mu.Lock()
	defer m.mu.Unlock()
	contact, s, err := m.sendable(ctx, id)
	if err != nil {
		return store.Message{}, err
	}
	if renewed != nil && !s.SPQR() {
		// The old state stays, archived, to read what the contact still
		// sends on it; the next message starts the new session.
		s.Supersede(renewed)
	}
	payload, state, err := m.seal(contact, s, c)
	if err != nil {
		return store.Message{}, err
	}
	msg := store.Message{
		Conversation: id, ID: c.ID, Direction: store.Outgoing,
		Sent: c.Sent, Received: c.Sent, Status: store.StatusQueued, StatusAt: c.Sent,
	}
	fill(&msg)
	if err := m.expiry(ctx, id, &msg); err != nil {
		return store.Message{}, err
	}
	seq, _, err := m.st.CommitSent(ctx, store.Sent{Message: msg, Session: state, Payload: payload})
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
	var s session.Session
	if err := m.loadSession(ctx, id, &s); err != nil || !s.Established() || s.SPQR() {
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
	if c.Held {
		return c, nil, &IdentityChangedError{Contact: id}
	}
	if c.State != store.StateContact {
		return c, nil, ErrNotAccepted
	}
	s := new(session.Session)
	if err := m.loadSession(ctx, id, s); err != nil {
		return c, nil, err
	}
	if !s.Established() {
		return c, nil, ErrNoSession
	}
	return c, s, nil
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
	envelope, err := transport.SealEnvelope(m.rand, &m.identity, c.Identity, uint8(typ), msg)
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
	m.mu.Lock()
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
