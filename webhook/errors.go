package webhook

import (
	"errors"
	"fmt"
)

// Errors of the package.
var (
	// ErrBadSignature is returned by [Verify] when no v1 signature of the
	// header matches the body, or a header does not parse.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrStale is returned by [Verify] for a timestamp outside the
	// tolerance: a delivery recorded and sent again.
	ErrStale = errors.New("webhook: timestamp outside the tolerance")
	// ErrRejected is the cause of a [*StatusError]: the receiver answered
	// with a status other than 2xx.
	ErrRejected = errors.New("webhook: receiver refused the delivery")
	// ErrConfig is returned by [New] for a configuration without a
	// messenger or with bounds that make no sense.
	ErrConfig = errors.New("webhook: invalid configuration")
)

// StatusError is an attempt the receiver answered with a status other than
// 2xx (a redirect too: deliveries do not follow redirects).
type StatusError struct {
	Status int
}

// Error says which status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("webhook: receiver answered %d", e.Status)
}

// Unwrap returns [ErrRejected].
func (e *StatusError) Unwrap() error { return ErrRejected }
