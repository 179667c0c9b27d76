package chat

import (
	"context"
	"fmt"
	"time"

	"ratchat/store"
)

// DefaultAuditRetention is how long audit entries are kept by default:
// one year (365 days).
const DefaultAuditRetention = 365 * 24 * time.Hour

// MaxAuditField bounds each field of an audit entry, in bytes.
const MaxAuditField = 4096

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
// before it, in its own transaction. An entry without an action, or with
// a field over [MaxAuditField] bytes, is refused with [ErrAuditEntry].
func (m *Messenger) Audit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" || len(e.Actor) > MaxAuditField || len(e.Action) > MaxAuditField || len(e.Detail) > MaxAuditField {
		return fmt.Errorf("%w: action %q", ErrAuditEntry, truncate(e.Action, 40))
	}
	_, err := m.st.AppendAudit(ctx, store.AuditRow{At: m.now(), Actor: e.Actor, Action: e.Action, Detail: e.Detail})
	return err
}

// AuditLog returns the newest n entries of the audit log, oldest first
// (n at most [store.MaxAuditRows]; 0 or less: that many).
func (m *Messenger) AuditLog(ctx context.Context, n int) ([]AuditRecord, error) {
	rows, err := m.st.AuditRows(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]AuditRecord, len(rows))
	for i, r := range rows {
		out[i] = AuditRecord{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, Detail: r.Detail}
	}
	return out, nil
}

// VerifyAudit checks the audit log's hash chain from its anchor to its
// head, returning an error wrapping [store.ErrAuditBroken] (a
// [*store.AuditError] naming the entry) at the first entry that does not
// chain.
func (m *Messenger) VerifyAudit(ctx context.Context) error {
	return m.st.VerifyAudit(ctx)
}

// PruneAudit deletes audit entries older than keep ([DefaultAuditRetention]
// when 0), keeping the chain verifiable from the new anchor, and returns
// how many it deleted.
func (m *Messenger) PruneAudit(ctx context.Context, keep time.Duration) (int, error) {
	if keep <= 0 {
		keep = DefaultAuditRetention
	}
	return m.st.PruneAudit(ctx, m.now().Add(-keep))
}

// truncate cuts s to at most n bytes, for error messages.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
