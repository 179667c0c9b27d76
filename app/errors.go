package app

import (
	"errors"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/ui"
)

// Errors of this package, checked with errors.Is.
var (
	// ErrNoContact is returned when no contact has the name or id given.
	ErrNoContact = errors.New("app: no such contact")
	// ErrAmbiguous is returned when several contacts have the name given.
	ErrAmbiguous = errors.New("app: several contacts have that name; use the id")
	// ErrNoQR is returned by [ScanQR] when no QR code could be read.
	ErrNoQR = errors.New("app: no QR code found in the image")
	// ErrImageTooLarge is returned by [ScanQR] for an image too large to
	// decode safely.
	ErrImageTooLarge = errors.New("app: image too large")
	// ErrTimeout is returned when a message was not sent in time.
	ErrTimeout = errors.New("app: timed out")
	// ErrAutoBackupSettings is returned by [Core.EnableAutoBackup] for
	// settings it cannot run with: no folder, an interval under a
	// minute, or a negative number of backups to keep.
	ErrAutoBackupSettings = errors.New("app: automatic backups need a folder, an interval of a minute or more, and a number kept of 0 or more")
)

// mapped is an error of the core that the interface must tell apart: it
// reads as the core's error and matches both it and the interface's
// sentinel.
type mapped struct {
	sentinel, cause error
}

func (e *mapped) Error() string   { return e.cause.Error() }
func (e *mapped) Unwrap() []error { return []error{e.sentinel, e.cause} }

// mapErr wraps the core's errors with the interface's sentinels:
// store.ErrWrongPassphrase as ui.ErrWrongPassphrase and a
// chat.IdentityChangedError as ui.ErrKeyNotAccepted.
func mapErr(err error) error {
	var changed *chat.IdentityChangedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrWrongPassphrase):
		return &mapped{ui.ErrWrongPassphrase, err}
	case errors.As(err, &changed):
		return &mapped{ui.ErrKeyNotAccepted, err}
	}
	return err
}
