package keys

import (
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"io"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// SignatureSize is the length of an XEdDSA signature: R (32 bytes) || s (32
// bytes), with the Edwards sign bit of the signer's key in the top bit of s.
const SignatureSize = 64

// signNonceSize is the length of the random value Z mixed into the nonce
// (XEdDSA specification, section 2.5: 64 bytes).
const signNonceSize = 64

// hash1Prefix is the domain separator for the nonce hash: hash_1 in the
// XEdDSA specification (section 2.5) is SHA-512 of 2^256 - 1 - 1 encoded as
// 32 little-endian bytes, i.e. 0xFE followed by 31 bytes of 0xFF.
var hash1Prefix = [32]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff}

// Sign makes an XEdDSA signature of message with the X25519 private key k, as
// libsignal makes it: the Edwards public key A = aB keeps whatever sign its
// x-coordinate has, and that sign bit travels in bit 7 of signature byte 63
// (the spec's variant negates a instead; libsignal's verifiers expect this one).
// rand supplies the 64-byte Z that makes the nonce unpredictable even if the
// hash were weak.
func Sign(rand io.Reader, k PrivateKey, message []byte) ([SignatureSize]byte, error) {
	var sig [SignatureSize]byte
	var z [signNonceSize]byte
	if _, err := io.ReadFull(rand, z[:]); err != nil {
		return sig, fmt.Errorf("keys: reading randomness: %w", err)
	}
	scalarBytes := k.clamped()
	a, err := edwards25519.NewScalar().SetBytesWithClamping(scalarBytes[:])
	if err != nil {
		return sig, fmt.Errorf("keys: %w", err)
	}
	publicA := new(edwards25519.Point).ScalarBaseMult(a).Bytes()
	signBit := publicA[31] & 0x80

	// r = hash_1(a || M || Z) mod q (XEdDSA section 2.5); a is the clamped
	// scalar's 32-byte encoding, as libsignal hashes it.
	h := sha512.New()
	h.Write(hash1Prefix[:])
	h.Write(scalarBytes[:])
	h.Write(message)
	h.Write(z[:])
	r, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		return sig, fmt.Errorf("keys: %w", err)
	}
	publicR := new(edwards25519.Point).ScalarBaseMult(r).Bytes()

	// h = SHA-512(R || A || M) mod q; s = r + h·a mod q.
	challenge, err := challengeScalar(publicR, publicA, message)
	if err != nil {
		return sig, err
	}
	s := edwards25519.NewScalar().MultiplyAdd(challenge, a, r)

	copy(sig[:32], publicR)
	copy(sig[32:], s.Bytes())
	sig[63] = sig[63]&0x7f | signBit
	return sig, nil
}

// Verify checks an XEdDSA signature made by [Sign] (or by libsignal) over
// message with the X25519 public key pub. It rejects an s that is not fully
// reduced, so a valid signature cannot be altered into another valid one.
func Verify(pub PublicKey, message []byte, sig []byte) error {
	if len(sig) != SignatureSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(sig), SignatureSize)
	}
	signBit := sig[63] >> 7
	publicA, err := montgomeryToEdwards(pub, signBit)
	if err != nil {
		return ErrBadSignature
	}
	var sBytes [32]byte
	copy(sBytes[:], sig[32:])
	sBytes[31] &= 0x7f
	s, err := edwards25519.NewScalar().SetCanonicalBytes(sBytes[:])
	if err != nil {
		return ErrBadSignature
	}
	challenge, err := challengeScalar(sig[:32], publicA.Bytes(), message)
	if err != nil {
		return err
	}
	// R' = s·B - h·A; the signature is good when R' encodes to R.
	minusA := new(edwards25519.Point).Negate(publicA)
	check := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(challenge, minusA, s)
	if subtle.ConstantTimeCompare(check.Bytes(), sig[:32]) != 1 {
		return ErrBadSignature
	}
	return nil
}

// challengeScalar returns SHA-512(R || A || M) reduced mod q.
func challengeScalar(publicR, publicA, message []byte) (*edwards25519.Scalar, error) {
	h := sha512.New()
	h.Write(publicR)
	h.Write(publicA)
	h.Write(message)
	c, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return c, nil
}

// montgomeryToEdwards maps the Montgomery u-coordinate to the Edwards point
// with y = (u - 1) / (u + 1) and the given sign of x (XEdDSA section 2.3,
// RFC 7748 section 4.1 birational map).
func montgomeryToEdwards(pub PublicKey, signBit byte) (*edwards25519.Point, error) {
	u, err := new(field.Element).SetBytes(pub[:])
	if err != nil {
		return nil, err
	}
	one := new(field.Element).One()
	numerator := new(field.Element).Subtract(u, one)
	denominator := new(field.Element).Add(u, one)
	y := new(field.Element).Multiply(numerator, new(field.Element).Invert(denominator))
	encoded := y.Bytes()
	encoded[31] |= signBit << 7
	return new(edwards25519.Point).SetBytes(encoded)
}
