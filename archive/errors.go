package archive

import (
	"errors"
	"fmt"
)

// Errors of the archive. Verification failures wrap one of the first six
// inside a [*VerifyError].
var (
	// ErrBroken is wrapped by every [*VerifyError], whatever the cause:
	// the archive does not verify.
	ErrBroken = errors.New("archive: archive does not verify")
	// ErrChanged is a record whose bytes changed: it fails to decrypt,
	// does not parse, or its chain hash differs from the head's.
	ErrChanged = errors.New("archive: record changed")
	// ErrRemoved is a record missing from the middle of the chain.
	ErrRemoved = errors.New("archive: record removed")
	// ErrReordered is a record out of its place (two records swapped).
	ErrReordered = errors.New("archive: records reordered")
	// ErrTruncated is an archive that ends before the head kept in the
	// profile store.
	ErrTruncated = errors.New("archive: tail truncated")
	// ErrSegmentMissing is a segment file missing at the start or in the
	// middle of the archive.
	ErrSegmentMissing = errors.New("archive: segment missing")
	// ErrAhead is an archive with records past the head kept in the
	// profile store: the store was rolled back, or an append was not yet
	// recorded there.
	ErrAhead = errors.New("archive: records past the stored head")
	// ErrMalformed is a record or segment that does not parse (returned
	// by [ParseRecord] and [ParseEntry]).
	ErrMalformed = errors.New("archive: malformed record")
	// ErrTooLarge is an entry over [MaxBody].
	ErrTooLarge = errors.New("archive: record too large")
	// ErrClosed is returned by every method after [Archive.Close].
	ErrClosed = errors.New("archive: closed")
)

// VerifyError says where verification failed and why (Err, one of the
// sentinels above).
type VerifyError struct {
	Seq     uint64 // the record's seq (the expected one where it is missing)
	Segment string // the segment file's name, if any
	Err     error
}

// Error describes the failure.
func (e *VerifyError) Error() string {
	if e.Segment == "" {
		return fmt.Sprintf("%v at record %d", e.Err, e.Seq)
	}
	return fmt.Sprintf("%v at record %d (segment %s)", e.Err, e.Seq, e.Segment)
}

// Unwrap returns [ErrBroken] and the cause.
func (e *VerifyError) Unwrap() []error { return []error{ErrBroken, e.Err} }
