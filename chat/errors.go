package chat

import (
	"errors"

	"ratchat/store"
)

// Errors returned by this package, checked with [errors.Is].
var (
	// ErrBadContent is returned when the content inside a decrypted message
	// cannot be parsed or breaks a bound; the wrapping error says which.
	ErrBadContent = errors.New("chat: malformed content")
)

// More errors of this package.
var (
	// ErrNoSession is returned when sending to a contact with no session
	// yet (a reset after a restore is still under way).
	ErrNoSession = errors.New("chat: no session with this contact yet")
	// ErrSelf is returned when adding one's own invite.
	ErrSelf = errors.New("chat: that invite is your own")
	// ErrCodeMismatch is returned when a pasted or scanned safety number
	// does not match the contact's.
	ErrCodeMismatch = errors.New("chat: the safety numbers differ")
)

// IdentityChangedError is returned when sending to a contact whose
// identity key changed and has not been accepted yet.
type IdentityChangedError struct {
	Contact store.ContactID
}

func (e *IdentityChangedError) Error() string {
	return "chat: the contact's identity key changed; accept it before sending"
}
