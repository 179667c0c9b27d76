package keys

import (
	"crypto/ecdh"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
)

// Sizes of X25519 keys, raw and in libsignal's serialization.
const (
	// KeySize is the length of a raw X25519 public or private key.
	KeySize = 32
	// SerializedKeySize is the length of a serialized public key: the type
	// byte [TypeDJB] followed by the 32-byte u-coordinate.
	SerializedKeySize = 1 + KeySize
	// TypeDJB is libsignal's type byte for an X25519 ("DJB") public key.
	TypeDJB byte = 0x05
)

// PublicKey is an X25519 public key: the little-endian u-coordinate of a
// point on Curve25519. Identity keys, prekeys and ratchet keys all have this
// type. The zero value is not a valid key.
type PublicKey [KeySize]byte

// PrivateKey is a clamped X25519 scalar. It prints as "redacted".
type PrivateKey [KeySize]byte

// KeyPair is an X25519 key pair. Once used, do not change its fields: it
// caches the standard library's form of the private key, whose
// construction costs a full scalar multiplication (crypto/ecdh computes
// the public key eagerly), so that each [KeyPair.Agree] costs one.
type KeyPair struct {
	Public  PublicKey
	Private PrivateKey

	dh *ecdh.PrivateKey // Private in crypto/ecdh's form, or nil
}

// GenerateKeyPair reads 32 bytes from rand and derives a key pair from them.
// It does not use [ecdh.Curve.GenerateKey], which ignores its reader since
// Go 1.26: reading the seed ourselves keeps tests reproducible.
func GenerateKeyPair(rand io.Reader) (KeyPair, error) {
	var seed PrivateKey
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return KeyPair{}, fmt.Errorf("keys: reading randomness: %w", err)
	}
	return NewKeyPair(seed)
}

// NewKeyPair returns the key pair whose private key is priv, clamped as
// RFC 7748 section 5 describes (libsignal stores private keys clamped).
func NewKeyPair(priv PrivateKey) (KeyPair, error) {
	priv = priv.clamped()
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return KeyPair{}, fmt.Errorf("keys: %w", err)
	}
	var pub PublicKey
	copy(pub[:], k.PublicKey().Bytes())
	return KeyPair{Public: pub, Private: priv, dh: k}, nil
}

// Agree computes the X25519 shared secret between kp's private key and
// pub, as [PrivateKey.Agree] does, reusing (or filling) kp's cache.
func (kp *KeyPair) Agree(pub PublicKey) ([KeySize]byte, error) {
	if kp.dh == nil || subtle.ConstantTimeCompare(kp.dh.Bytes(), kp.Private[:]) != 1 {
		k, err := ecdh.X25519().NewPrivateKey(kp.Private[:])
		if err != nil {
			return [KeySize]byte{}, fmt.Errorf("keys: %w", err)
		}
		kp.dh = k
	}
	return agree(kp.dh, pub)
}

// clamped returns k with the three low bits cleared, bit 255 cleared and bit
// 254 set, so that it is the scalar X25519 actually multiplies by.
func (k PrivateKey) clamped() PrivateKey {
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64
	return k
}

// Agree computes the X25519 shared secret between k and pub. It fails with
// [ErrLowOrderKey] when the result is all zeros, which happens exactly when
// pub has small order: such a "secret" is known to everyone.
func (k PrivateKey) Agree(pub PublicKey) ([KeySize]byte, error) {
	priv, err := ecdh.X25519().NewPrivateKey(k[:])
	if err != nil {
		return [KeySize]byte{}, fmt.Errorf("keys: %w", err)
	}
	return agree(priv, pub)
}

// agree runs X25519 between priv and pub, refusing the all-zero result.
func agree(priv *ecdh.PrivateKey, pub PublicKey) ([KeySize]byte, error) {
	var out [KeySize]byte
	peer, err := ecdh.X25519().NewPublicKey(pub[:])
	if err != nil {
		return out, fmt.Errorf("keys: %w", err)
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return out, ErrLowOrderKey
	}
	copy(out[:], secret)
	return out, nil
}

// String returns "redacted": private keys never reach a log.
func (k PrivateKey) String() string { return "redacted" }

// GoString returns "redacted", so that %#v does not print the key either.
func (k PrivateKey) GoString() string { return "redacted" }

// Format prints "redacted" for every verb, including %x and %v.
func (k PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, "redacted") }

// Bytes returns the key in libsignal's serialization: 0x05 || u.
func (p PublicKey) Bytes() []byte {
	out := make([]byte, SerializedKeySize)
	out[0] = TypeDJB
	copy(out[1:], p[:])
	return out
}

// String returns the serialized key in hex, for logs and tests.
func (p PublicKey) String() string { return hex.EncodeToString(p.Bytes()) }

// Equal reports whether p and q are the same key, in constant time.
func (p PublicKey) Equal(q PublicKey) bool {
	return subtle.ConstantTimeCompare(p[:], q[:]) == 1
}

// ParsePublicKey parses a serialized public key (0x05 || u). It rejects a
// wrong length or type byte, a u-coordinate that is not canonical, and the
// points of small order, whose key agreements give a secret anyone knows.
func ParsePublicKey(b []byte) (PublicKey, error) {
	var p PublicKey
	if len(b) != SerializedKeySize {
		return p, fmt.Errorf("%w: %d bytes, want %d", ErrKeyLength, len(b), SerializedKeySize)
	}
	if b[0] != TypeDJB {
		return p, fmt.Errorf("%w: 0x%02x", ErrKeyType, b[0])
	}
	return NewPublicKey(b[1:])
}

// NewPublicKey checks a raw 32-byte u-coordinate as [ParsePublicKey] does and
// returns it as a PublicKey.
func NewPublicKey(u []byte) (PublicKey, error) {
	var p PublicKey
	if len(u) != KeySize {
		return p, fmt.Errorf("%w: %d bytes, want %d", ErrKeyLength, len(u), KeySize)
	}
	copy(p[:], u)
	if !isCanonical(p) {
		return PublicKey{}, ErrNonCanonicalKey
	}
	for _, bad := range lowOrderPoints {
		if subtle.ConstantTimeCompare(p[:], bad[:]) == 1 {
			return PublicKey{}, ErrLowOrderKey
		}
	}
	return p, nil
}

// isCanonical reports whether u < 2^255 - 19, read little-endian.
func isCanonical(u PublicKey) bool {
	if u[31]&0x80 != 0 {
		return false
	}
	// u >= p only if u is in [2^255-19, 2^255-1]: 0x7f in the top byte, all
	// 0xff in between, and a low byte of at least 0xed.
	if u[31] != 0x7f {
		return true
	}
	for _, b := range u[1:31] {
		if b != 0xff {
			return true
		}
	}
	return u[0] < 0xed
}

// lowOrderPoints lists the canonical u-coordinates of the points of order 1,
// 2, 4 and 8 on Curve25519 and its twist: 0, 1, the two points of order 8,
// and p-1. keypair_test.go checks each against crypto/ecdh.
var lowOrderPoints = [...]PublicKey{
	{},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
		0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
		0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

// Equal reports whether kp and other hold the same keys, comparing the
// private halves in constant time. Use it rather than ==, which also
// compares the cache.
func (kp KeyPair) Equal(other KeyPair) bool {
	return kp.Public.Equal(other.Public) && subtle.ConstantTimeCompare(kp.Private[:], other.Private[:]) == 1
}
