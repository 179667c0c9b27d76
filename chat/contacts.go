package chat

import (
	"context"
	"errors"
	"fmt"
	"io"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// AddContact adds the owner of an invite: it fetches a prekey bundle from
// the contact's home, starts a PQXDH session, and sends a first message
// carrying our display name and home address so that the contact can
// answer. name is what we call the contact until it tells us its own.
func (m *Messenger) AddContact(ctx context.Context, invite, name string) (store.Contact, error) {
	inv, err := transport.ParseInvite(invite)
	if err != nil {
		return store.Contact{}, err
	}
	if inv.Identity == m.identity.Public {
		return store.Contact{}, ErrSelf
	}
	if inv.Token.IsZero() {
		return store.Contact{}, ErrInviteWithoutToken
	}
	conn, err := m.pool.get(ctx, inv.Address)
	if err != nil {
		return store.Contact{}, err
	}
	reply, err := conn.FetchBundle(ctx, inv.Identity)
	if err != nil {
		m.pool.drop(inv.Address, conn)
		return store.Contact{}, err
	}
	// Between ratchat clients every session is post-quantum: FetchBundle
	// already refuses a bundle without a KEM prekey; say so here too.
	if reply.Bundle.KEMPreKey == nil {
		return store.Contact{}, fmt.Errorf("chat: %w: bundle without KEM prekey", session.ErrBadBundle)
	}
	s, err := session.Initiate(m.rand, m.local, &reply.Bundle)
	m.counters.initiated(err)
	if err != nil {
		return store.Contact{}, err
	}
	m.lockSessions()
	defer m.mu.Unlock()
	c, err := m.st.ContactByIdentity(ctx, inv.Identity)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = store.Contact{Identity: inv.Identity, Name: name, Address: inv.Address}
		if c.ID, err = m.st.AddContact(ctx, c); err != nil {
			return store.Contact{}, err
		}
	case err != nil:
		return store.Contact{}, err
	default: // known already: a new session, the invite's address, the name given
		c.Address = inv.Address
		if name != "" {
			c.Name = name
		}
		if err := m.st.UpdateContact(ctx, c); err != nil {
			return store.Contact{}, err
		}
		// Adding someone by their invite is consent: a request (or a
		// blocked sender) becomes a contact.
		if c.State != store.StateContact {
			if err := m.st.SetContactState(ctx, c.ID, store.StateContact); err != nil {
				return store.Contact{}, err
			}
			c.State = store.StateContact
		}
		// The session we had stays readable: the contact may be sending
		// on it (it added us at the same time, say).
		var had session.Session
		if err := m.loadSession(ctx, c.ID, &had); err != nil {
			return store.Contact{}, err
		}
		had.Supersede(s)
		s = &had
	}
	if err := m.keepInviteToken(ctx, c.ID, inv.Token); err != nil {
		return store.Contact{}, err
	}
	if err := m.sendProfile(ctx, c, s); err != nil {
		return store.Contact{}, err
	}
	m.events.emit(ContactChanged{Contact: c})
	return c, nil
}

// sendProfile sends our name and home address as the first message of a
// new session s with c (which replaces any session c had).
func (m *Messenger) sendProfile(ctx context.Context, c store.Contact, s *session.Session) error {
	content, err := m.profileContent(ctx)
	if err != nil {
		return err
	}
	err = m.sendControlWith(ctx, c, s, content)
	if err == nil {
		err = m.giveToken(ctx, c, s)
	}
	m.wakeOutbox()
	return err
}

// profileContent is our display name and home address, as the content
// that tells a contact who we are and where to answer.
func (m *Messenger) profileContent(ctx context.Context) (*Content, error) {
	name, err := m.st.DisplayName(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	content := &Content{Kind: KindProfile, Name: name, Home: m.home}
	return content, m.stamp(content)
}

// AcceptIdentity lets messages flow again to a contact whose identity key
// changed, after the user has seen the change.
func (m *Messenger) AcceptIdentity(ctx context.Context, id store.ContactID) error {
	m.lockSessions()
	defer m.mu.Unlock()
	if err := m.st.AcceptIdentity(ctx, id); err != nil {
		return err
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: c})
	m.wakeOutbox()
	return nil
}

// Contacts returns every contact row: contacts, requests and blocked
// senders (see [store.Contact.State]).
func (m *Messenger) Contacts(ctx context.Context) ([]store.Contact, error) {
	return m.st.Contacts(ctx)
}

// SafetyNumber returns the safety number of our identity and the
// contact's, to compare in person.
func (m *Messenger) SafetyNumber(ctx context.Context, id store.ContactID) (keys.SafetyNumber, error) {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return keys.SafetyNumber{}, err
	}
	return keys.NewSafetyNumber(m.identity.Public, c.Identity), nil
}

// stamp gives content a fresh random id and the current time.
func (m *Messenger) stamp(c *Content) error {
	if _, err := io.ReadFull(m.rand, c.ID[:]); err != nil {
		return err
	}
	c.Sent = m.now()
	return nil
}

// Held reports whether the contact's identity key changed and waits for
// [Messenger.AcceptIdentity].
func (m *Messenger) Held(ctx context.Context, id store.ContactID) (bool, error) {
	c, err := m.st.Contact(ctx, id)
	return c.Held, err
}
