package chat

import (
	"context"
	"errors"
	"fmt"

	"ratchat/store"
)

// heldSetting names the setting that marks a contact whose identity key
// changed and has not been accepted: nothing is sent to it meanwhile.
func heldSetting(id store.ContactID) string { return fmt.Sprintf("held:%d", id) }

// isHeld reports whether sending to the contact waits for the user to
// accept its new identity key.
func (m *Messenger) isHeld(ctx context.Context, id store.ContactID) (bool, error) {
	_, err := m.st.Setting(ctx, heldSetting(id))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// setHeld marks or unmarks the contact as held.
func (m *Messenger) setHeld(ctx context.Context, id store.ContactID, held bool) error {
	if held {
		return m.st.SetSetting(ctx, heldSetting(id), "1")
	}
	return m.st.DeleteSetting(ctx, heldSetting(id))
}

// Held reports whether the contact's identity key changed and waits for
// [Messenger.AcceptIdentity].
func (m *Messenger) Held(ctx context.Context, id store.ContactID) (bool, error) {
	return m.isHeld(ctx, id)
}
