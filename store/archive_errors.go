package store

import (
	"errors"
	"fmt"
)

// Errors of the archive's state and of the audit log (kept apart from
// errors.go, which other work edits at the same time).
var (
	// ErrAuditBroken is wrapped by an [*AuditError] when the audit
	// log's chain does not verify.
	ErrAuditBroken = errors.New("store: audit log does not verify")
)

// AuditError names the first audit entry that does not verify and why
// ("changed", "removed", "truncated", "ahead").
type AuditError struct {
	Seq    int64
	Reason string
}

// Error describes the failure.
func (e *AuditError) Error() string {
	return fmt.Sprintf("%v: entry %d %s", ErrAuditBroken, e.Seq, e.Reason)
}

// Unwrap returns [ErrAuditBroken].
func (e *AuditError) Unwrap() error { return ErrAuditBroken }
