package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// typingDeposit bounds the deposit of one typing indicator: it is worth
// nothing late.
const typingDeposit = 2 * time.Second

// SetTyping tells a contact that the user started (typing true) or stopped
// typing to it. Front ends pace it ([TypingRefresh], [TypingIdle]).
//
// A typing indicator is never history and never waits: it is not stored,
// not queued in the outbox, and it goes only to a contact whose home
// answers ([Messenger.Online]); a deposit that fails is dropped. Why: a
// "typing…" that arrives minutes later says something false, and a queue
// of them would only delay the messages behind it. With [Privacy.NoTyping]
// it does nothing.
func (m *Messenger) SetTyping(ctx context.Context, id store.ContactID, typing bool) error {
	if m.Privacy().NoTyping || !m.Online(id) {
		return nil
	}
	content := &Content{Kind: KindTyping, Typing: typing}
	if err := m.stamp(content); err != nil {
		return err
	}
	contact, payload, err := m.sealEphemeral(ctx, id, content)
	if err != nil {
		return err
	}
	token, err := m.depositToken(ctx, contact)
	if err != nil {
		return fmt.Errorf("chat: typing: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, typingDeposit)
	defer cancel()
	conn, err := m.pool.get(dctx, contact.Address)
	if err != nil {
		return fmt.Errorf("chat: typing: %w", err)
	}
	if _, err := conn.Deposit(dctx, contact.Identity, token, payload); err != nil {
		var refused *transport.RefusedError
		if !errors.As(err, &refused) {
			m.pool.drop(contact.Address, conn)
		}
		return fmt.Errorf("chat: typing: %w", err)
	}
	return nil
}

// sealEphemeral encrypts content for a contact and stores only the new
// session state: the envelope is the caller's to deliver at once or drop.
// The state must be stored even when the envelope is dropped, so that no
// message key is ever used twice; the contact skips the lost message.
func (m *Messenger) sealEphemeral(ctx context.Context, id store.ContactID, content *Content) (store.Contact, []byte, error) {
	m.lockSessions()
	defer m.mu.Unlock()
	contact, s, err := m.sendable(ctx, id)
	if err != nil {
		return contact, nil, err
	}
	payload, state, err := m.seal(contact, s, content)
	if err != nil {
		return contact, nil, err
	}
	if _, err := m.st.CommitControl(ctx, id, state, nil, nil); err != nil {
		return contact, nil, err
	}
	return contact, payload, nil
}

// applyTyping reports a contact's typing indicator, unless it arrived too
// late to mean anything (it waited at our home while we were away) or
// comes from someone who is not a contact.
func (m *Messenger) applyTyping(contact store.Contact, c *Content, received time.Time) {
	if contact.State != store.StateContact {
		return
	}
	if !received.IsZero() && m.now().Sub(received) > TypingExpiry {
		return
	}
	m.events.emit(TypingChanged{Contact: contact.ID, Typing: c.Typing})
}

// Privacy returns what the messenger tells contacts ([Config.Privacy],
// or what [Messenger.SetPrivacy] set since).
func (m *Messenger) Privacy() Privacy {
	m.privacyMu.Lock()
	defer m.privacyMu.Unlock()
	return m.cfg.Privacy
}

// SetPrivacy changes what the messenger tells contacts from now on.
func (m *Messenger) SetPrivacy(p Privacy) {
	m.privacyMu.Lock()
	defer m.privacyMu.Unlock()
	m.cfg.Privacy = p
}
