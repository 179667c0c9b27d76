package app

import (
	"context"

	"ratchat/chat"
	"ratchat/keys"
	"ratchat/store"
	"ratchat/ui"
)

// SafetyNumber returns the safety number of the user and a contact.
func (c *Core) SafetyNumber(contact int64) (keys.SafetyNumber, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.SafetyNumber(context.Background(), store.ContactID(contact))
}

// SetVerified sets or clears a contact's verified mark and writes a system
// line when it changed. Setting it also accepts a changed identity key:
// the user has just compared the numbers made with the new key.
func (c *Core) SetVerified(contact int64, verified bool) error {
	ctx := context.Background()
	id := store.ContactID(contact)
	c.mu.RLock()
	evs, err := c.setVerified(ctx, id, verified)
	c.mu.RUnlock()
	for _, ev := range evs {
		c.emit(ev)
	}
	return err
}

// setVerified is SetVerified under c.mu; it returns the events to emit.
func (c *Core) setVerified(ctx context.Context, id store.ContactID, verified bool) ([]any, error) {
	before, err := c.st.Contact(ctx, id)
	if err != nil {
		return nil, err
	}
	if verified {
		held, err := c.m.Held(ctx, id)
		if err != nil {
			return nil, err
		}
		if held {
			if err := c.m.AcceptIdentity(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	if err := c.m.SetVerified(ctx, id, verified); err != nil {
		return nil, err
	}
	if before.Verified == verified {
		return nil, nil
	}
	kind := ui.SystemUnverified
	if verified {
		kind = ui.SystemVerified
	}
	item, err := c.addSystem(ctx, id, kind, 0)
	if err != nil {
		return nil, err
	}
	return []any{ui.MessageEvent{Contact: int64(id), Message: item}}, nil
}

// AcceptIdentity accepts a contact's changed identity key, so that sending
// resumes.
func (c *Core) AcceptIdentity(contact int64) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.AcceptIdentity(context.Background(), store.ContactID(contact))
}

// VerifyCode compares a code the user pasted (the 60 digits, or the text
// of the QR code) with the contact's safety number and, if it matches,
// marks the contact verified. It fails with chat.ErrCodeMismatch otherwise.
func (c *Core) VerifyCode(contact int64, code string) error {
	sn, err := c.SafetyNumber(contact)
	if err != nil {
		return err
	}
	if parsed, err := keys.ParseQRPayload(code); err == nil {
		code = parsed.String()
	}
	if !sn.Matches(code) {
		return chat.ErrCodeMismatch
	}
	return c.SetVerified(contact, true)
}

// ScanQR decodes the QR code in an image file and returns its text.
func (c *Core) ScanQR(path string) (string, error) { return ScanQR(path) }
