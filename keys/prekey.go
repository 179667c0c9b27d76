package keys

import (
	"fmt"
	"io"
	"math"
)

// SignedPreKey is a medium-term X25519 prekey signed by the identity key. In
// X3DH and PQXDH it is the responder's SPK, and it is also the responder's
// first ratchet key. Its private half prints as "redacted".
type SignedPreKey struct {
	ID        uint32
	Pair      KeyPair
	Signature [SignatureSize]byte
}

// OneTimePreKey is a single-use X25519 prekey (X3DH's OPK). It is deleted once
// a session has used it, which gives the first message forward secrecy even
// if the signed prekey later leaks.
type OneTimePreKey struct {
	ID   uint32
	Pair KeyPair
}

// KEMPreKey is a KEM prekey signed by the identity key (PQXDH's PQSPK or
// PQOPK): Kyber-1024 for the ones generated now, ML-KEM-1024 for older
// ones (Pair.Public.Type says which). A last-resort key is kept and reused
// when no one-time KEM prekey is left; any other one is deleted after one
// use.
type KEMPreKey struct {
	ID         uint32
	Pair       KEMKeyPair
	Signature  [SignatureSize]byte
	LastResort bool
}

// NewSignedPreKey generates a signed prekey with the given id. The signature
// is XEdDSA over the 33-byte serialization 0x05 || u, as libsignal signs it:
// signing the type byte too is what lets libsignal peers verify our bundles.
func NewSignedPreKey(rand io.Reader, identity PrivateKey, id uint32) (SignedPreKey, error) {
	pair, err := GenerateKeyPair(rand)
	if err != nil {
		return SignedPreKey{}, err
	}
	sig, err := Sign(rand, identity, pair.Public.Bytes())
	if err != nil {
		return SignedPreKey{}, err
	}
	return SignedPreKey{ID: id, Pair: pair, Signature: sig}, nil
}

// NewOneTimePreKeys generates n one-time prekeys with the ids firstID,
// firstID+1, ..., firstID+n-1. It fails with [ErrPreKeyCount] when n is
// negative or the ids would wrap around: a reused id would make a peer's
// message name the wrong key.
func NewOneTimePreKeys(rand io.Reader, firstID uint32, n int) ([]OneTimePreKey, error) {
	if n < 0 || uint64(n) > math.MaxUint32-uint64(firstID)+1 {
		return nil, fmt.Errorf("%w: %d keys from id %d", ErrPreKeyCount, n, firstID)
	}
	out := make([]OneTimePreKey, n)
	for i := range out {
		pair, err := GenerateKeyPair(rand)
		if err != nil {
			return nil, err
		}
		out[i] = OneTimePreKey{ID: firstID + uint32(i), Pair: pair}
	}
	return out, nil
}

// NewKEMPreKey generates a prekey of the default KEM ([DefaultKEMType],
// Kyber-1024) with the given id. See [NewKEMPreKeyOfType].
func NewKEMPreKey(rand io.Reader, identity PrivateKey, id uint32, lastResort bool) (KEMPreKey, error) {
	return NewKEMPreKeyOfType(rand, DefaultKEMType, identity, id, lastResort)
}

// NewKEMPreKeyOfType generates a KEM prekey of type t with the given id.
// The signature is XEdDSA over the serialized public key type || key, as
// libsignal signs Kyber prekeys, so the type byte (and with it the KEM) is
// authenticated along with the key and cannot be swapped for another.
func NewKEMPreKeyOfType(rand io.Reader, t KEMType, identity PrivateKey, id uint32, lastResort bool) (KEMPreKey, error) {
	pair, err := GenerateKEMKeyPair(rand, t)
	if err != nil {
		return KEMPreKey{}, err
	}
	sig, err := Sign(rand, identity, pair.Public.Bytes())
	if err != nil {
		return KEMPreKey{}, err
	}
	return KEMPreKey{ID: id, Pair: pair, Signature: sig, LastResort: lastResort}, nil
}
