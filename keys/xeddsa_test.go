package keys

import (
	"crypto/rand"
	"errors"
	"testing"
)

// TestXEdDSAVector verifies libsignal's test_signature vector, and checks
// that flipping any one of the signature's 512 bits makes it fail.
func TestXEdDSAVector(t *testing.T) {
	v := loadVector(t, "xeddsa.json", "identity_private", "identity_public", "message", "signature")
	pair := mustPair(t, v["identity_private"])
	if string(pair.Public[:]) != string(v["identity_public"]) {
		t.Fatalf("public key = %x, want %x", pair.Public[:], v["identity_public"])
	}
	if err := Verify(pair.Public, v["message"], v["signature"]); err != nil {
		t.Fatalf("reference signature: %v", err)
	}
	for bit := 0; bit < SignatureSize*8; bit++ {
		sig := append([]byte(nil), v["signature"]...)
		sig[bit/8] ^= 1 << (bit % 8)
		if err := Verify(pair.Public, v["message"], sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("bit %d flipped: err = %v, want ErrBadSignature", bit, err)
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for i := 0; i < 50; i++ {
		pair, err := GenerateKeyPair(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		msg := make([]byte, i)
		rand.Read(msg)
		sig, err := Sign(rand.Reader, pair.Private, msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(pair.Public, msg, sig[:]); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		other, _ := GenerateKeyPair(rand.Reader)
		if err := Verify(other.Public, msg, sig[:]); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("round %d: verified under another key: %v", i, err)
		}
		if err := Verify(pair.Public, append(msg, 0), sig[:]); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("round %d: verified another message: %v", i, err)
		}
	}
}

// TestVerifyRejectsNonCanonicalS checks that s + q, a malleated copy of a
// valid signature that libsignal's own check (top three bits clear) would
// let through, is refused.
func TestVerifyRejectsNonCanonicalS(t *testing.T) {
	pair, _ := GenerateKeyPair(rand.Reader)
	msg := []byte("malleable?")
	for tries := 0; tries < 64; tries++ {
		sig, err := Sign(rand.Reader, pair.Private, msg)
		if err != nil {
			t.Fatal(err)
		}
		signBit := sig[63] & 0x80
		s := sig[32:]
		s[31] &= 0x7f
		if !addOrder(s) { // s + q overflowed 2^253: try another nonce
			continue
		}
		s[31] |= signBit
		if err := Verify(pair.Public, msg, sig[:]); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("s+q accepted: %v", err)
		}
		return
	}
	t.Fatal("no signature with s + q < 2^253 in 64 tries")
}

// addOrder adds the group order q to the little-endian s in place and
// reports whether the sum still fits below 2^253.
func addOrder(s []byte) bool {
	q := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	carry := 0
	for i := range s {
		sum := int(s[i]) + int(q[i]) + carry
		s[i] = byte(sum)
		carry = sum >> 8
	}
	return carry == 0 && s[31]&0xe0 == 0
}
