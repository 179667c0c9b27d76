package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// This file is the retry receipt: a message that does not decrypt is
// answered with libsignal's DecryptionErrorMessage, and its sender re-sends
// what the receiver may have missed over a fresh session.
//
// Which messages: libsignal's sender finds the failed message by its sent
// timestamp, which Signal's envelope carries in the clear. A ratchat
// envelope carries no sent time (the content's Sent is inside the
// ciphertext, which the receiver could not read), and the sender keeps no
// ratchet key per message. So the receiver writes the time its home stored
// the envelope, and the sender re-sends every outgoing message the contact
// has not confirmed (queued or ✓, never ✓✓) written before that time (with
// maxClockSkew of slack): the failed message is among them, and the others
// cost nothing, since the receiver stores a message id once.
//
// The ratchet key decides whether to reset, as in libsignal: only an error
// naming the key our current session sends under (or none) says that
// session is broken; one naming an older key refers to a session since
// replaced, and its messages are re-sent over the current one.

const (
	// resetInterval is the least time between two resets a contact's
	// decryption errors cause. Why: the errors come from the contact, and a
	// hostile one must not make us fetch bundles and drop sessions in a loop.
	resetInterval = time.Minute
	// maxClockSkew is how far ahead of the receiver's home a message's sent
	// time may be and still be taken for one the home stored.
	maxClockSkew = 10 * time.Minute
	// resendScan bounds how many recent rows of a conversation are looked
	// at for unconfirmed messages, and maxResend how many one error
	// re-sends.
	resendScan = 500
	maxResend  = 100
)

// retries remembers, per contact, when a decryption error last caused a
// reset and which messages were re-sent when, so that a flood of errors
// neither resets in a loop nor re-sends a message more than once an
// interval.
type retries struct {
	mu       sync.Mutex
	contacts map[store.ContactID]*retryState
}

type retryState struct {
	reset  time.Time
	resent map[store.MessageID]time.Time
}

// state returns the contact's retry state, dropping re-sends older than
// the interval. The caller holds r.mu.
func (r *retries) state(id store.ContactID, now time.Time) *retryState {
	if r.contacts == nil {
		r.contacts = map[store.ContactID]*retryState{}
	}
	s := r.contacts[id]
	if s == nil {
		s = &retryState{resent: map[store.MessageID]time.Time{}}
		r.contacts[id] = s
	}
	for msg, at := range s.resent {
		if now.Sub(at) >= resetInterval {
			delete(s.resent, msg)
		}
	}
	return s
}

// queueDecryptionError answers a message from contact c that failed to
// decrypt: a DecryptionErrorMessage, sealed to the contact's identity
// outside any session (the session is what failed). received is when our
// home stored the envelope. The caller holds m.mu.
func (m *Messenger) queueDecryptionError(ctx context.Context, c store.Contact, opened *transport.OpenedEnvelope, received time.Time) error {
	if c.Held {
		return nil // nothing goes to an unaccepted identity
	}
	ts := uint64(max(received.UnixMilli(), 0))
	dem, err := session.NewDecryptionErrorMessage(session.MessageType(opened.Type), opened.Message, ts, session.DefaultDeviceID)
	if err != nil {
		// The message did not even parse: an error without a ratchet key
		// still makes the sender re-send.
		dem = &session.DecryptionErrorMessage{Timestamp: ts, DeviceID: session.DefaultDeviceID}
	}
	env, err := transport.SealEnvelope(m.rand, &m.identity, c.Identity, transport.TypePlaintext, session.NewPlaintextContent(dem))
	if err != nil {
		return err
	}
	if _, err := m.st.Enqueue(ctx, store.OutboxItem{Contact: c.ID, Payload: env}); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}

// receiveDecryptionError handles a decryption error from the sender of an
// envelope: it re-sends the messages the contact may have missed, over a
// fresh session when the error names our current one. An error from
// someone who is not a contact, or that does not parse, is undeliverable.
func (m *Messenger) receiveDecryptionError(ctx context.Context, opened *transport.OpenedEnvelope) error {
	dem, err := session.ParsePlaintextContent(opened.Message)
	if err != nil {
		return undeliverable(err)
	}
	c, err := m.st.ContactByIdentity(ctx, opened.Sender)
	if errors.Is(err, store.ErrNotFound) {
		return undeliverable(fmt.Errorf("chat: decryption error from a stranger"))
	}
	if err == nil && c.State == store.StateBlocked {
		return undeliverable(errBlocked)
	}
	if err != nil {
		return err
	}
	if c.Held {
		return nil
	}
	stored := time.UnixMilli(int64(min(dem.Timestamp, 1<<62)))
	if dem.Timestamp == 0 {
		stored = m.now() // a home that gave no time: anything unconfirmed
	}
	msgs, err := m.unconfirmed(ctx, c.ID, stored)
	if err != nil {
		return err
	}
	fresh, err := m.retrySession(ctx, c, dem)
	if err != nil {
		return err
	}
	return m.resend(ctx, c, fresh, msgs)
}

// unconfirmed lists the contact's outgoing text messages not yet
// confirmed, written before the home stored the failed one, oldest first.
func (m *Messenger) unconfirmed(ctx context.Context, id store.ContactID, stored time.Time) ([]store.Message, error) {
	rows, _, err := m.st.Messages(ctx, id, 0, resendScan)
	if err != nil {
		return nil, err
	}
	var out []store.Message
	for _, r := range rows {
		if r.Direction != store.Outgoing || r.Kind != store.KindText || len(out) == maxResend {
			continue
		}
		if r.Status != store.StatusQueued && r.Status != store.StatusSent {
			continue
		}
		if r.Sent.After(stored.Add(maxClockSkew)) || m.now().Sub(r.Sent) > giveUpAfter {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// retrySession decides whether the error calls for a fresh session and, if
// so and the interval allows, starts one (sending the reset as
// [Messenger.resetSession] does). It returns the fresh session, or nil
// when the messages go over the stored one.
func (m *Messenger) retrySession(ctx context.Context, c store.Contact, dem *session.DecryptionErrorMessage) (*session.Session, error) {
	m.lockSessions()
	s := new(session.Session)
	err := m.loadSession(ctx, c.ID, s)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	current, ok := s.SenderRatchetKey()
	if ok && dem.HasRatchetKey && dem.RatchetKey != current {
		return nil, nil // an older session failed; ours is already another
	}
	m.retry.mu.Lock()
	st := m.retry.state(c.ID, m.now())
	allowed := st.reset.IsZero() || m.now().Sub(st.reset) >= resetInterval
	if allowed {
		st.reset = m.now() // claimed before the fetch, so one error of a flood wins
	}
	m.retry.mu.Unlock()
	if !allowed {
		return nil, nil
	}
	fresh, err := m.freshSession(ctx, c)
	if err != nil {
		m.retry.mu.Lock()
		st.reset = time.Time{} // it did not happen: the next error may try
		m.retry.mu.Unlock()
		return nil, err
	}
	return fresh, nil
}

// freshSession fetches the contact's bundle and starts a session.
func (m *Messenger) freshSession(ctx context.Context, c store.Contact) (*session.Session, error) {
	conn, err := m.pool.get(ctx, c.Address)
	if err != nil {
		return nil, err
	}
	reply, err := conn.FetchBundle(ctx, c.Identity)
	if err != nil {
		m.pool.drop(c.Address, conn)
		return nil, err
	}
	s, err := session.Initiate(m.rand, m.local, &reply.Bundle)
	m.counters.initiated(err)
	if err != nil {
		return nil, fmt.Errorf("chat: retry: %w", err)
	}
	return s, nil
}

// resend seals msgs again with their ids and sent times, over fresh if it
// is set (after a reset message) or else the stored session, skipping
// messages already re-sent within the interval.
func (m *Messenger) resend(ctx context.Context, c store.Contact, fresh *session.Session, msgs []store.Message) error {
	m.lockSessions()
	defer m.mu.Unlock()
	s := fresh
	if s != nil {
		reset := &Content{Kind: KindReset}
		if err := m.stamp(reset); err != nil {
			return err
		}
		if err := m.sendControlWith(ctx, c, s, reset); err != nil {
			return err
		}
		if err := m.sessionReset(ctx, c.ID); err != nil {
			return err
		}
	} else {
		s = new(session.Session)
		if err := m.loadSession(ctx, c.ID, s); err != nil {
			return err
		}
		if !s.Established() {
			return nil // no session to send on: the next error may reset
		}
	}
	m.retry.mu.Lock()
	st := m.retry.state(c.ID, m.now())
	var due []store.Message
	for _, msg := range msgs {
		if _, done := st.resent[msg.ID]; !done || fresh != nil {
			st.resent[msg.ID] = m.now()
			due = append(due, msg)
		}
	}
	m.retry.mu.Unlock()
	for _, msg := range due {
		content := &Content{Kind: KindText, ID: msg.ID, Sent: msg.Sent, Text: string(msg.Body)}
		if err := m.sendControlWith(ctx, c, s, content); err != nil {
			return err
		}
	}
	m.wakeOutbox()
	return nil
}
