package incmlkem

import "errors"

var (
	// ErrHeaderSize is returned when a header is not [HeaderSize] bytes.
	ErrHeaderSize = errors.New("incmlkem: header must be 64 bytes")
	// ErrKeySize is returned when an encapsulation key is not
	// [EncapsulationKeySize] bytes or a decapsulation key is not
	// [DecapsulationKeySize] bytes.
	ErrKeySize = errors.New("incmlkem: key has the wrong size")
	// ErrStateSize is returned when an encapsulation state is not
	// [EncapsulationStateSize] bytes.
	ErrStateSize = errors.New("incmlkem: encapsulation state has the wrong size")
	// ErrCiphertextSize is returned when ct1 is not [Ciphertext1Size] bytes
	// or ct2 is not [Ciphertext2Size] bytes.
	ErrCiphertextSize = errors.New("incmlkem: ciphertext has the wrong size")
	// ErrKeyMismatch is returned by [Encaps2] when the encapsulation key does
	// not hash to the H(ek) of the header that [Encaps1] used: the peer sent
	// two parts of different keys.
	ErrKeyMismatch = errors.New("incmlkem: encapsulation key does not match the header")
	// ErrKeyModulus is returned by [Encaps2] when a coefficient of the
	// encapsulation key's t̂ vector is not below q (the modulus check of
	// FIPS 203 section 7.2).
	ErrKeyModulus = errors.New("incmlkem: encapsulation key fails the modulus check")
	// ErrRandom is returned, wrapping the reader's error, when the random
	// source cannot supply enough bytes.
	ErrRandom = errors.New("incmlkem: reading randomness failed")
)
