package braid

import "errors"

// The errors below are returned wrapped (check them with [errors.Is]). A
// peer's bad message is one of [ErrMalformedMessage], [ErrMessageVersion],
// [ErrEpochOutOfRange], [ErrMAC] or [ErrKeyMismatch]; the caller drops it and
// keeps its state, which Recv never modifies.
var (
	// ErrMessageVersion is returned by [ParseMessage] when the first byte is
	// not 1 (SPQR V1). The top level decides what other versions mean.
	ErrMessageVersion = errors.New("braid: not a V1 message")

	// ErrMalformedMessage is returned by [ParseMessage] for a message that
	// is truncated, has an epoch of 0, an unknown type, or a field out of
	// range.
	ErrMalformedMessage = errors.New("braid: malformed message")

	// ErrEpochOutOfRange is returned by [States.Recv] for a message from an
	// epoch the peer cannot have reached yet.
	ErrEpochOutOfRange = errors.New("braid: epoch out of range")

	// ErrMAC is returned by [States.Recv] when the authenticator refuses a
	// header or a ciphertext: the chunks were forged or corrupted.
	ErrMAC = errors.New("braid: MAC verification failed")

	// ErrKeyMismatch is returned by [States.Recv] when the encapsulation key
	// received does not match the authenticated header.
	ErrKeyMismatch = errors.New("braid: encapsulation key does not match header")

	// ErrState is returned by [UnmarshalStates] for bytes that are not a
	// state this package wrote, and by Send or Recv when a state's parts
	// are inconsistent (which only a corrupt stored state can cause).
	ErrState = errors.New("braid: invalid state")
)
