package chat

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"ratchat/store"
)

// MaxContactName bounds the name the user gives a contact, in bytes.
const MaxContactName = 64

// StateRemoved is a contact removed with its history kept (see
// [Messenger.Remove]).
const StateRemoved = store.StateRemoved

// ContactRemoved reports that the user removed a contact: it is gone from
// the contact list. With KeptHistory its chat is still there (its row is
// in [StateRemoved]); without, the chat is gone too.
type ContactRemoved struct {
	Contact     store.Contact
	KeptHistory bool
}

func (ContactRemoved) isEvent() {}

// checkName trims a contact name and checks it: 1 to [MaxContactName]
// bytes, no control characters, valid UTF-8.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxContactName || strings.ContainsFunc(name, unicode.IsControl) ||
		!utf8.ValidString(name) {
		return "", ErrBadName
	}
	return name, nil
}

// Rename gives a contact (or a request) a local name: what the user
// calls it everywhere (contact list, chat, search, export). Only this
// profile sees it; the contact's own profile messages never overwrite a
// name it has. The name is trimmed; [ErrBadName] when it is empty, over
// [MaxContactName] bytes or has control characters.
func (m *Messenger) Rename(ctx context.Context, id store.ContactID, name string) (store.Contact, error) {
	name, err := checkName(name)
	if err != nil {
		return store.Contact{}, err
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return store.Contact{}, err
	}
	c.Name = name
	if err := m.st.UpdateContact(ctx, c); err != nil {
		return store.Contact{}, err
	}
	if c, err = m.st.Contact(ctx, id); err != nil {
		return store.Contact{}, err
	}
	m.events.emit(ContactChanged{Contact: c})
	return c, nil
}

// Remove removes a contact (or a request, or a blocked sender): the
// deposit tokens we gave it are revoked, as on [Messenger.Block], so that
// our home refuses what it sends from now on; its session and outbox go.
// Without keepHistory its row and whole history are deleted; with it, the
// chat stays, readable, searchable and exportable but listed nowhere
// ([StateRemoved]). Either way, if the same key writes to us again (it
// needs our invite for that), it arrives as a message request, never as
// a contact.
func (m *Messenger) Remove(ctx context.Context, id store.ContactID, keepHistory bool) error {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	// Revoke first: the revocation is kept (and reaches a home that is
	// away) whatever happens to the row.
	if err := m.RevokeToken(ctx, id); err != nil {
		return err
	}
	if err := m.removeRow(ctx, id, keepHistory); err != nil {
		return err
	}
	if !keepHistory {
		m.search.removeContact(id)
	}
	c.State = store.StateRemoved
	m.events.emit(ContactRemoved{Contact: c, KeptHistory: keepHistory})
	return nil
}

// removeRow forgets or deletes a contact's row, under the session lock.
func (m *Messenger) removeRow(ctx context.Context, id store.ContactID, keepHistory bool) error {
	m.lockSessions()
	defer m.mu.Unlock()
	if keepHistory {
		return m.st.Forget(ctx, id)
	}
	return m.st.DeleteContact(ctx, id)
}

// revive makes a removed contact that wrote to us again a message
// request, its kept history and all. The caller holds m.mu.
func (m *Messenger) revive(ctx context.Context, in *incoming) error {
	if in.contact.State != store.StateRemoved {
		return nil
	}
	if err := m.st.SetContactState(ctx, in.contact.ID, store.StateRequest); err != nil {
		return err
	}
	in.contact.State = store.StateRequest
	m.events.emit(ContactChanged{Contact: in.contact})
	return nil
}

// Blocked returns a summary of every blocked sender, the most recent
// first: the contact list shows them apart, with how to unblock them.
func (m *Messenger) Blocked(ctx context.Context) ([]Summary, error) {
	return m.summariesIn(ctx, store.StateBlocked)
}
