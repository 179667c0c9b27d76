package mailbox

import "errors"

// Errors returned by this package, checked with [errors.Is].
var (
	// ErrUnknownMailbox is returned for an owner that has no mailbox
	// here (it never registered).
	ErrUnknownMailbox = errors.New("mailbox: no mailbox for this owner")

	// ErrQuota is returned when a deposit would exceed the mailbox's
	// envelope count or byte quota, or an upload the prekey limit.
	ErrQuota = errors.New("mailbox: quota exceeded")

	// ErrNoPreKeys is returned by [Store.TakePreKeys] when the owner has
	// not uploaded a signed prekey and a last-resort KEM prekey.
	ErrNoPreKeys = errors.New("mailbox: no prekeys uploaded")

	// ErrClosed is returned for any call after [Store.Close].
	ErrClosed = errors.New("mailbox: store closed")

	// ErrSchema is returned by [Open] for a database written by a newer
	// version, or one that is not a mailbox database.
	ErrSchema = errors.New("mailbox: unknown database schema")
)
