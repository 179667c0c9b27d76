package keys

import "errors"

// Errors returned by this package. Callers check them with [errors.Is]; the
// returned errors may wrap them with more context.
var (
	// ErrKeyLength is returned when a serialized key has the wrong length.
	ErrKeyLength = errors.New("keys: wrong key length")

	// ErrKeyType is returned when a serialized key does not start with the
	// expected type byte (0x05 for X25519; 0x08 for Kyber-1024 or 0x0A for
	// ML-KEM-1024).
	ErrKeyType = errors.New("keys: unknown key type")

	// ErrNonCanonicalKey is returned for an X25519 public key whose
	// u-coordinate is not fully reduced (u >= 2^255-19, or bit 255 set).
	ErrNonCanonicalKey = errors.New("keys: non-canonical public key")

	// ErrLowOrderKey is returned for an X25519 public key of small order,
	// and when a key agreement produces the all-zero shared secret.
	ErrLowOrderKey = errors.New("keys: low-order public key")

	// ErrTorsionKey is returned by [PublicKey.CheckPrimeOrder] for an X25519
	// public key outside the prime-order subgroup: a point with a
	// small-order component (an honest key plus one of the 8-torsion
	// points), or a u-coordinate on the quadratic twist. Plain key
	// agreement accepts such keys; a session start refuses them.
	ErrTorsionKey = errors.New("keys: public key not in the prime-order subgroup")

	// ErrBadSignature is returned when an XEdDSA signature does not verify.
	ErrBadSignature = errors.New("keys: bad signature")
)

// ErrBadKEMKey is returned for a Kyber-1024 or ML-KEM-1024 public key that
// fails the modulus check of FIPS 203 section 7.2 (see [ParseKEMPublicKey]).
var ErrBadKEMKey = errors.New("keys: invalid KEM public key")

// ErrKEMMismatch is returned by [KEMKeyPair.Decapsulate] for a ciphertext
// whose type byte names another KEM than the key pair's.
var ErrKEMMismatch = errors.New("keys: KEM ciphertext of another type than the key")

// Errors about prekeys, bundles and safety numbers.
var (
	// ErrPreKeyCount is returned by [NewOneTimePreKeys] for a negative count,
	// or one whose ids would run past the largest uint32.
	ErrPreKeyCount = errors.New("keys: invalid one-time prekey count")

	// ErrBadBundle is returned by [Bundle.Verify] when a prekey signature
	// does not verify under the bundle's identity key (the error also wraps
	// [ErrBadSignature]), or when a key in the bundle is unusable.
	ErrBadBundle = errors.New("keys: bad prekey bundle")

	// ErrMalformedBundle is returned by [ParseBundle] for any input that is
	// not exactly a canonical bundle encoding, and by [Bundle.MarshalBinary]
	// for a bundle that could not be parsed back. A key that fails its own
	// checks also wraps the key error ([ErrKeyType], [ErrLowOrderKey], ...).
	ErrMalformedBundle = errors.New("keys: malformed prekey bundle")

	// ErrBundleVersion is returned by [ParseBundle] (wrapped together with
	// [ErrMalformedBundle]) when the leading version byte is not one this
	// package knows.
	ErrBundleVersion = errors.New("keys: unsupported bundle version")

	// ErrQRPayload is returned by [ParseQRPayload] for any text that is not
	// exactly a ratchat safety number payload.
	ErrQRPayload = errors.New("keys: not a ratchat safety number payload")
)

// ErrPreKeyRecord is returned when a stored prekey record cannot be
// parsed or its keys do not belong together.
var ErrPreKeyRecord = errors.New("keys: damaged prekey record")
