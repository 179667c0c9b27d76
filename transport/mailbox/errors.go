package mailbox

import (
	"errors"
	"fmt"
)

// Errors returned by this package, checked with [errors.Is].
var (
	// ErrUnknownMailbox is returned for an owner that has no mailbox
	// here (it never registered).
	ErrUnknownMailbox = errors.New("mailbox: no mailbox for this owner")

	// ErrQuota is returned when a deposit would exceed the mailbox's
	// envelope count or byte quota, or an upload the prekey limit.
	ErrQuota = errors.New("mailbox: quota exceeded")

	// ErrUnknownToken is returned for a token deposit with a token the
	// owner never registered, or revoked.
	ErrUnknownToken = errors.New("mailbox: unknown deposit token")

	// ErrTokenQuota is returned when a deposit would exceed its contact
	// token's quota. It wraps [ErrQuota].
	ErrTokenQuota = fmt.Errorf("%w: the token's quota is full", ErrQuota)

	// ErrRequestQuota is returned when a deposit would exceed the quota
	// that the mailbox's request tokens share. It wraps [ErrQuota].
	ErrRequestQuota = fmt.Errorf("%w: the request quota is full", ErrQuota)

	// ErrFull is returned when a deposit would take the envelopes of all
	// mailboxes together past [Options.MaxTotalBytes], or a registration
	// the number of mailboxes past [Options.MaxMailboxes]. Nothing stored
	// is ever dropped to make room.
	ErrFull = errors.New("mailbox: home full")

	// ErrNoPreKeys is returned by [Store.TakePreKeys] when the owner has
	// not uploaded a signed prekey and a last-resort KEM prekey.
	ErrNoPreKeys = errors.New("mailbox: no prekeys uploaded")

	// ErrUnavailable is returned by a backend that cannot serve the
	// request now but may shortly, with nothing changed (transport/jetstream:
	// no front end holds the mailbox's partition, or it did not answer in
	// time). A home answers it as busy: the client tries again later.
	ErrUnavailable = errors.New("mailbox: store unavailable for now")

	// ErrClosed is returned for any call after [Store.Close].
	ErrClosed = errors.New("mailbox: store closed")

	// ErrLocked is returned by [Open] (as a [*LockedError]) when another
	// store, in this process or another, has the data folder open.
	ErrLocked = errors.New("mailbox: data folder in use by another home")

	// ErrSchema is returned by [Open] for a database written by a newer
	// version, or one that is not a mailbox database.
	ErrSchema = errors.New("mailbox: unknown database schema")
)

// LockedError is returned by [Open] when another store holds the data
// folder's lock: two homes writing one database would each trust their
// own quota counts and envelope ids. It wraps [ErrLocked].
type LockedError struct {
	Dir string // the data folder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("mailbox: data folder %s is in use by another home", e.Dir)
}

// Unwrap returns [ErrLocked].
func (e *LockedError) Unwrap() error { return ErrLocked }
