package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
)

// TestX25519Vector checks libsignal's test_agreement vector: both key pairs
// derive their listed public keys, and both agreements give the shared secret.
func TestX25519Vector(t *testing.T) {
	v := loadVector(t, "x25519.json", "alice_private", "alice_public", "bob_private", "bob_public", "shared_secret")
	alice := mustPair(t, v["alice_private"])
	bob := mustPair(t, v["bob_private"])
	if !bytes.Equal(alice.Public[:], v["alice_public"]) {
		t.Errorf("alice public = %x, want %x", alice.Public[:], v["alice_public"])
	}
	if !bytes.Equal(bob.Public[:], v["bob_public"]) {
		t.Errorf("bob public = %x, want %x", bob.Public[:], v["bob_public"])
	}
	ab, err := alice.Private.Agree(bob.Public)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := bob.Private.Agree(alice.Public)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ab[:], v["shared_secret"]) || !bytes.Equal(ba[:], v["shared_secret"]) {
		t.Errorf("shared secrets %x, %x; want %x", ab, ba, v["shared_secret"])
	}
}

func mustPair(t testing.TB, priv []byte) KeyPair {
	t.Helper()
	var k PrivateKey
	if copy(k[:], priv) != KeySize {
		t.Fatalf("private key of %d bytes", len(priv))
	}
	kp, err := NewKeyPair(k)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// TestLowOrderPointsAreLowOrder checks our block list against crypto/ecdh:
// every listed point must give the all-zero secret that ecdh refuses.
func TestLowOrderPointsAreLowOrder(t *testing.T) {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range lowOrderPoints {
		peer, err := ecdh.X25519().NewPublicKey(p[:])
		if err != nil {
			t.Fatalf("point %d: %v", i, err)
		}
		if _, err := priv.ECDH(peer); err == nil {
			t.Errorf("point %d (%x) gave a non-zero secret: not low order", i, p[:])
		}
		if _, err := ParsePublicKey(p.Bytes()); !errors.Is(err, ErrLowOrderKey) {
			t.Errorf("ParsePublicKey(point %d) = %v, want ErrLowOrderKey", i, err)
		}
	}
}

func TestParsePublicKey(t *testing.T) {
	good, err := GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := fromHex(t, "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed")
	reverse(p) // p = 2^255-19, little-endian
	highBit := append([]byte(nil), good.Public[:]...)
	highBit[31] |= 0x80
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"valid", good.Public.Bytes(), nil},
		{"empty", nil, ErrKeyLength},
		{"raw 32 bytes without type", good.Public[:], ErrKeyLength},
		{"trailing byte", append(good.Public.Bytes(), 0), ErrKeyLength},
		{"wrong type byte", append([]byte{0x06}, good.Public[:]...), ErrKeyType},
		{"u = p is non-canonical", append([]byte{TypeDJB}, p...), ErrNonCanonicalKey},
		{"bit 255 set", append([]byte{TypeDJB}, highBit...), ErrNonCanonicalKey},
		{"u = 0", append([]byte{TypeDJB}, make([]byte, 32)...), ErrLowOrderKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKey(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && got != good.Public {
				t.Fatalf("parsed %x, want %x", got[:], good.Public[:])
			}
		})
	}
}

func TestPrivateKeyNeverPrints(t *testing.T) {
	kp, err := GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secretHex := fmt.Sprintf("%x", [32]byte(kp.Private))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
		out := fmt.Sprintf(verb, kp)
		if bytes.Contains([]byte(out), []byte(secretHex)) || !bytes.Contains([]byte(out), []byte("redacted")) {
			t.Errorf("%s of a key pair printed %q", verb, out)
		}
	}
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}
