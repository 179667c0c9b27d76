// Package keys holds ratchat's long-term key material and what is derived
// from it: X25519 key pairs in libsignal's serialization, XEdDSA signatures,
// KEM key pairs (round-3 Kyber-1024 and ML-KEM-1024), prekeys and prekey
// bundles, and safety numbers.
//
// # Keys
//
// [PublicKey] and [PrivateKey] are fixed-size X25519 keys; [KeyPair] holds
// both. Serialized public keys carry libsignal's type byte ([TypeDJB], 0x05);
// [ParsePublicKey] refuses non-canonical and small-order keys, and
// [PrivateKey.Agree] refuses an all-zero shared secret. A key offered to a
// session start must pass [PublicKey.CheckPrimeOrder] as well: canonical and
// torsion-free, so that no tampered copy of an honest key (the same key to
// X25519) can pass for another; [PublicKey.PrimeOrderPart] gives a key's
// canonical form. [KEMPublicKey] and [KEMKeyPair] are KEM keys that carry
// their [KEMType]: [TypeKyber1024] (0x08, what libsignal speaks and what
// ratchat generates) or [TypeMLKEM1024] (0x0A, what ratchat generated
// before, still accepted).
// Private keys print as "redacted".
//
// # Signatures
//
// [Sign] and [Verify] implement XEdDSA as libsignal does, with the Edwards
// sign bit in bit 7 of the signature's last byte, so that libsignal verifies
// our signatures and we verify its.
//
// # Prekeys and bundles
//
// [SignedPreKey], [OneTimePreKey] and [KEMPreKey] are what a profile
// publishes so that others can start sessions while it is offline; a
// [Bundle] is one handout of them, with [Bundle.Verify] checking its
// signatures and [ParseBundle] reading its encoding strictly.
//
// # Safety numbers
//
// [NewSafetyNumber] computes libsignal's 60-digit numeric fingerprint for a
// pair of identity keys; [QRPayload] and [ParseQRPayload] carry it in a QR
// code, and [SafetyNumber.Matches] compares a pasted one in constant time.
//
// Randomness is always passed in as an io.Reader. docs/PROTOCOL.md has the
// exact formats.
package keys
