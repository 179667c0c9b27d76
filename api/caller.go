package api

import (
	"context"
	"fmt"

	"ratchat/chat"
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

// roleNames are the roles' names, as token.create and token.list spell
// them.
var roleNames = [...]string{RoleOwner: "owner", RoleAdmin: "admin", RoleAgent: "agent", RoleMetrics: "metrics"}

// String returns the role's name.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return "unknown"
	}
	return roleNames[r]
}

// ParseRole reads a token's role: admin, agent or metrics (never owner:
// the owner has the socket, not a token).
func ParseRole(s string) (Role, error) {
	for r, name := range roleNames {
		if name == s && Role(r) != RoleOwner {
			return Role(r), nil
		}
	}
	return 0, fmt.Errorf("%w: role is admin, agent or metrics", ErrInvalidParams)
}

// tokenRole is a role's store form; storeRole the reverse.
func tokenRole(r Role) store.TokenRole { return store.TokenRole(r) }

// roleOf is the api role of a stored token's role.
func roleOf(r store.TokenRole) Role { return Role(r) }

// CallerOf returns the caller a live token stands for. An agent sees the
// conversations assigned to it, and no other: the lookup runs on every
// check, so a reassignment takes effect at the next call.
func CallerOf(m *chat.Messenger, t store.AccessToken) Caller {
	c := Caller{Role: roleOf(t.Role), Token: t.ID}
	if c.Role == RoleAgent {
		c.Agent = t.Name
		c.Sees = func(id store.ContactID) bool {
			a, err := m.Assignment(context.Background(), id)
			return err == nil && a.Agent == t.ID
		}
	}
	return c
}

// actor names the caller in the audit log: "owner", or the token's role,
// id and name.
func (c Caller) actor() string {
	if c.Role == RoleOwner {
		return "owner"
	}
	return fmt.Sprintf("%s token %d", c.Role, c.Token)
}
