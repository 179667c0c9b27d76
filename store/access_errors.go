package store

import "errors"

// Errors of the access tables (tokens and assignments). They sit in their
// own file, beside errors.go, so that the business-mode work of issue 13
// merges without touching the shared catalogue.
var (
	// ErrNoAgent is returned when a conversation is assigned to a token
	// that is no live agent token (unknown, revoked, or of another role).
	ErrNoAgent = errors.New("store: no such agent")
	// ErrNotAssignable is returned when a conversation cannot be assigned
	// to an agent: a group, or a row that is no contact.
	ErrNotAssignable = errors.New("store: only a 1:1 conversation is assigned to an agent")
)
