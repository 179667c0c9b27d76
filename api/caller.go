package api

import (
	"context"

	"ratchat/store"
)

// Role is what a caller of the api may do.
type Role int

// The roles. The socket's caller is the profile's owner (whoever can open
// the socket can read the profile's files too); HTTP callers hold a token
// of one of the other roles.
const (
	RoleOwner   Role = iota // the Unix socket and in-process calls: everything
	RoleAdmin               // an admin token: everything but the owner's secrets
	RoleAgent               // an agent token: its own conversations only
	RoleMetrics             // a metrics token: /metrics only
)

// Caller is who makes a call: its role and, for a token, which token.
type Caller struct {
	Role Role
	// Token is the token's id (0 for the owner).
	Token int64
	// Agent is the agent's name, for an agent token.
	Agent string
	// Sees reports whether the caller may see a conversation; nil means
	// every conversation.
	Sees func(store.ContactID) bool
}

// callerKey keys the caller in a context.
type callerKey struct{}

// WithCaller returns ctx carrying the caller.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller that ctx carries, or the owner.
func CallerFrom(ctx context.Context) Caller {
	if c, ok := ctx.Value(callerKey{}).(Caller); ok {
		return c
	}
	return Caller{Role: RoleOwner}
}

// SeesContact reports whether the caller may see conversation id.
func (c Caller) SeesContact(id store.ContactID) bool {
	return c.Sees == nil || c.Sees(id)
}
