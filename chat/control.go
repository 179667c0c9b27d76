package chat

import (
	"context"
	"errors"

	"ratchat/store"
)

// applyControl acts on content that is not part of the history: receipts,
// profiles, timers, resets, file chunks and file answers. The session state was already
// committed; the caller does not hold m.mu.
func (m *Messenger) applyControl(ctx context.Context, in *incoming) error {
	c, contact := in.content, in.contact
	// A new session alone is no reset worth a line: it is the first one, or
	// both sides added each other at once, or the contact added us again.
	// A contact that lost its session (a restore) says so with KindReset.
	switch c.Kind {
	case KindReceipt:
		if c.GroupID != (store.GroupID{}) {
			return m.applyGroupReceipt(ctx, contact, c)
		}
		return m.applyReceipt(ctx, contact.ID, c)
	case KindGroupUpdate:
		return m.receiveGroupUpdate(ctx, contact, c)
	case KindSenderKey:
		return m.receiveSenderKey(ctx, contact, c)
	case KindGroupFetch:
		return m.receiveGroupFetch(ctx, contact, c)
	case KindProfile:
		if err := m.applyProfile(ctx, contact, c); err != nil {
			return err
		}
		if in.result.NewSession {
			if contact.State != store.StateContact {
				// A member we know only through a group learns who we
				// are, as the member learned it from its own profile.
				return m.answerMemberProfile(ctx, contact)
			}
			return m.answerProfile(ctx, contact)
		}
	case KindTimer:
		if err := m.setTimer(ctx, contact.ID, c.Timer); err != nil {
			return err
		}
		m.events.emit(TimerChanged{Contact: contact.ID, Timer: c.Timer})
		return m.systemLine(ctx, contact.ID, store.KindTimer, c.Timer)
	case KindReset:
		return m.sessionReset(ctx, contact.ID)
	case KindFileChunk:
		return m.receiveChunk(ctx, contact.ID, c)
	case KindFileDone:
		return m.applyFileDone(ctx, contact.ID, c)
	case KindFileCancel:
		return m.applyFileCancel(ctx, contact.ID, c)
	case KindFileResume:
		return m.applyFileResume(ctx, contact.ID, c)
	case KindToken:
		return m.applyToken(ctx, contact, c)
	case KindTyping:
		m.applyTyping(contact, c, in.received)
	case KindEdit, KindDelete, KindReaction:
		return m.applyAction(ctx, contact.ID, c)
	}
	return nil
}

// answerProfile answers a contact who just started a session with us with
// our own profile, so that it learns our name (it has our address from the
// invite). It goes out on the new session, which is not new to the
// contact, so the contact does not answer in turn.
func (m *Messenger) answerProfile(ctx context.Context, contact store.Contact) error {
	if contact.Held || contact.State != store.StateContact {
		return nil // a request learns who we are once accepted
	}
	m.lockSessions()
	defer m.mu.Unlock()
	content, err := m.profileContent(ctx)
	if err != nil {
		return err
	}
	if err := m.sendControl(ctx, contact, content); err != nil {
		if errors.Is(err, ErrNoSession) {
			return nil
		}
		return err
	}
	if err := m.giveToken(ctx, contact, nil); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}

// applyReceipt moves our messages to delivered or read. A status only
// moves forward, so a late delivery receipt does not undo a read one.
func (m *Messenger) applyReceipt(ctx context.Context, id store.ContactID, c *Content) error {
	status := store.StatusDelivered
	if c.Receipt == ReceiptRead {
		status = store.StatusRead
	}
	// Ids we do not have (a message since deleted) are skipped.
	changed, err := m.st.SetStatuses(ctx, id, c.Acked, status)
	for _, mid := range changed {
		m.events.emit(StatusChanged{Contact: id, ID: mid, Status: status})
	}
	return err
}

// applyProfile takes the contact's home address, and its display name
// unless we already named the contact ourselves.
func (m *Messenger) applyProfile(ctx context.Context, contact store.Contact, c *Content) error {
	changed := false
	if c.Home != "" && c.Home != contact.Address {
		contact.Address, changed = c.Home, true
	}
	if contact.Name == "" && c.Name != "" {
		contact.Name, changed = c.Name, true
	}
	if !changed {
		return nil
	}
	if err := m.st.UpdateContact(ctx, contact); err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: contact})
	return nil
}
