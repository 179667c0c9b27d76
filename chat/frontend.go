package chat

import (
	"context"
	"errors"

	"ratchat/store"
)

// ErrWrongPassphrase is returned by [Open] when the passphrase does not
// open the profile: the store's error, named here for the front ends.
var ErrWrongPassphrase = store.ErrWrongPassphrase

// ErrOtherIdentity is returned by [Messenger.Restore] and [RestoreProfile]
// for a backup of another identity than the profile's, leaving the
// profile as it was; [ForceRestore] restores it anyway. The error is an
// [*OtherIdentityError] naming both keys.
var ErrOtherIdentity = store.ErrOtherIdentity

// OtherIdentityError names the profile's and the backup's identity keys
// of a refused restore: the store's error, named here for the front ends.
type OtherIdentityError = store.OtherIdentityError

// ParseRecoveryKey reads a recovery key as the user typed it: 64 digits,
// with any spaces, tabs, newlines or dashes between them.
func ParseRecoveryKey(s string) (RecoveryKey, error) {
	return store.ParseRecoveryKey(s)
}

// Name returns the profile's display name ("" when it has none).
func (m *Messenger) Name(ctx context.Context) (string, error) {
	name, err := m.st.DisplayName(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return name, err
}
