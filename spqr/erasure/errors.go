package erasure

import "errors"

// Errors returned by this package. Callers check them with [errors.Is]; the
// returned errors may wrap them with more context.
var (
	// ErrMessageLength is returned by [NewEncoder] and [NewDecoder] for a
	// message length that is odd, negative or above [MaxMessageLen]: the
	// code works on 16-bit elements, and the bound keeps the decoder's
	// memory and its quadratic interpolation small.
	ErrMessageLength = errors.New("erasure: message length must be even and at most 8192 bytes")

	// ErrStateVersion is returned by [UnmarshalEncoder] and
	// [UnmarshalDecoder] for a saved state of an unknown format version or
	// of the other kind (an encoder's state given to UnmarshalDecoder).
	ErrStateVersion = errors.New("erasure: unknown state format")

	// ErrStateMalformed is returned by [UnmarshalEncoder] and
	// [UnmarshalDecoder] for a saved state that is truncated, has trailing
	// bytes, or holds values no encoder or decoder could have reached.
	ErrStateMalformed = errors.New("erasure: malformed state")
)
