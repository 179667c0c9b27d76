package chat

import "errors"

// Errors of business mode's tokens and routing, beside errors.go so that
// issue 13's helpers merge without touching the shared catalogue.
var (
	// ErrBadToken is returned for an api token that is malformed, unknown
	// or revoked: the caller is not told which.
	ErrBadToken = errors.New("chat: invalid api token")
	// ErrBadRoute is returned by [ParseRouteRule] for a rule that does not
	// parse or breaks a bound.
	ErrBadRoute = errors.New("chat: invalid route rule")
	// ErrBadTokenSpec is returned when a token's role, name, skills or max
	// chats break a bound.
	ErrBadTokenSpec = errors.New("chat: invalid token")
	// ErrNotOpen is returned when closing a conversation that is not open.
	ErrNotOpen = errors.New("chat: the conversation is not open")
	// ErrNoAgent is returned when assigning to a token that is no live
	// agent token.
	ErrNoAgent = errors.New("chat: no such agent")
)
