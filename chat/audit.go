package chat

import (
	"context"
	"time"
)

// AuditEntry is one administrative action to record in the audit log:
// who did it (a token's name, "owner", "serve"...), what (a short
// dotted verb such as "token.create", "archive.hold"), and a detail
// line. None of it should be message content.
type AuditEntry struct {
	Actor  string
	Action string
	Detail string
}

// AuditRecord is one entry of the audit log as read back: its sequence
// number, when it was written and what it says.
type AuditRecord struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// Audit appends e to the profile's audit log, hash-chained to the entry
// before it, in its own transaction.
func (m *Messenger) Audit(ctx context.Context, e AuditEntry) error {
	// TODO(arc13): skeleton; the store's audit table follows.
	return nil
}

// AuditLog returns the newest n entries of the audit log, oldest first.
func (m *Messenger) AuditLog(ctx context.Context, n int) ([]AuditRecord, error) {
	return nil, nil
}

// VerifyAudit checks the audit log's hash chain from its anchor to its
// head, returning an error wrapping [store.ErrAuditBroken] at the first
// entry that does not chain.
func (m *Messenger) VerifyAudit(ctx context.Context) error {
	return nil
}
