package transport

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/keys"
)

func TestSealOpen(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	for _, n := range []int{1, 100, 251, 252, 1000, 64 << 10, MaxSealedMessageSize} {
		msg := bytes.Repeat([]byte{0xab}, n)
		env, err := SealEnvelope(testRand(5), alice, bob.Public, TypePreKey, msg)
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		if err := ParseEnvelope(env); err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		got, err := OpenEnvelope(bob, env)
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		if got.Sender != alice.Public || got.Type != TypePreKey || !bytes.Equal(got.Message, msg) {
			t.Fatalf("%d: wrong contents", n)
		}
		if _, err := OpenEnvelope(alice, env); !errors.Is(err, ErrEnvelopeAuth) {
			t.Fatalf("%d: opened by the sender: %v", n, err)
		}
	}
}

// TestSealPadding checks that lengths fall into buckets: every short
// message gives the same size, and padding never adds more than 12%.
func TestSealPadding(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	size := func(n int) int {
		env, err := SealEnvelope(testRand(5), alice, bob.Public, TypeSignal, make([]byte, n))
		if err != nil {
			t.Fatal(err)
		}
		return len(env)
	}
	if size(1) != size(251) || size(1) != minEnvelopeSize {
		t.Fatalf("short messages differ: %d %d", size(1), size(251))
	}
	for n := 256; n < MaxSealedMessageSize; n = n*9/8 + 1 {
		p := paddedSize(n)
		if p < n || float64(p) > float64(n)*1.12+1 || paddedSize(p) != p {
			t.Fatalf("bucket of %d is %d", n, p)
		}
	}
	if paddedSize(maxPaddedSize+1) != 0 || paddedSize(maxPaddedSize) != maxPaddedSize {
		t.Fatal("top bucket")
	}
}

// TestSealTamper flips each byte of an envelope and expects a refusal.
func TestSealTamper(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	env := testEnvelope(t, alice, bob.Public, "attack at dawn")
	for i := range env {
		bad := bytes.Clone(env)
		bad[i] ^= 0x01
		if got, err := OpenEnvelope(bob, bad); err == nil {
			t.Fatalf("byte %d flipped: opened %+v", i, got)
		}
	}
}

// TestSealImpersonation: Mallory builds an envelope claiming Alice as its
// sender. She can seal the first layer (she picks E), but not derive the
// second without Alice's private key: Bob refuses it.
func TestSealImpersonation(t *testing.T) {
	alice, bob, mallory := testIdentity(t, 1), testIdentity(t, 2), testIdentity(t, 3)
	eph := testIdentity(t, 4)
	chain, key1, err := ephemeralKeys(eph, bob.Public, eph.Public, bob.Public)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{envelopeVersion}, eph.Public[:]...)
	out = gcmSeal(key1, out, alice.Public[:], out) // claims Alice
	key2, err := staticKey(mallory, bob.Public, chain, out[envelopeHeader:])
	if err != nil {
		t.Fatal(err)
	}
	content := make([]byte, minPaddedSize)
	content[0], content[4], content[5] = TypeSignal, 1, 'x'
	out = gcmSeal(key2, out, content, out)
	if _, err := OpenEnvelope(bob, out); !errors.Is(err, ErrEnvelopeAuth) {
		t.Fatalf("impersonation: %v", err)
	}
	// The same construction with Mallory's own identity opens: the test
	// builds envelopes correctly.
	out = append([]byte{envelopeVersion}, eph.Public[:]...)
	out = gcmSeal(key1, out, mallory.Public[:], out)
	key2, _ = staticKey(mallory, bob.Public, chain, out[envelopeHeader:])
	out = gcmSeal(key2, out, content, out)
	if got, err := OpenEnvelope(bob, out); err != nil || got.Sender != mallory.Public {
		t.Fatalf("control: %v", err)
	}
}

func TestSealErrors(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	if _, err := SealEnvelope(testRand(1), alice, bob.Public, 1, []byte("x")); !errors.Is(err, ErrMessageType) {
		t.Fatal(err)
	}
	if _, err := SealEnvelope(testRand(1), alice, bob.Public, TypeSignal, nil); !errors.Is(err, ErrMessageSize) {
		t.Fatal(err)
	}
	if _, err := SealEnvelope(testRand(1), alice, bob.Public, TypeSignal, make([]byte, MaxSealedMessageSize+1)); !errors.Is(err, ErrMessageSize) {
		t.Fatal(err)
	}
	if _, err := SealEnvelope(testRand(1), alice, keys.PublicKey{}, TypeSignal, []byte("x")); err == nil {
		t.Fatal("sealed to the zero key")
	}
	env := testEnvelope(t, alice, bob.Public, "x")
	env[0] = 2
	if _, err := OpenEnvelope(bob, env); !errors.Is(err, ErrEnvelope) {
		t.Fatalf("version: %v", err)
	}
	if _, err := OpenEnvelope(bob, env[:minEnvelopeSize-1]); !errors.Is(err, ErrEnvelope) {
		t.Fatalf("short: %v", err)
	}
}

// FuzzOpenEnvelope: whatever the input, opening never panics; what opens
// was sealed by the test's sender, and re-sealing it opens to the same.
func FuzzOpenEnvelope(f *testing.F) {
	alice, bob := testIdentity(f, 1), testIdentity(f, 2)
	f.Add(testEnvelope(f, alice, bob.Public, "hi"))
	f.Add(make([]byte, minEnvelopeSize))
	f.Fuzz(func(t *testing.T, env []byte) {
		got, err := OpenEnvelope(bob, env)
		if err != nil {
			if !errors.Is(err, ErrEnvelope) && !errors.Is(err, ErrEnvelopeAuth) && !errors.Is(err, ErrMessageType) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if got.Sender != alice.Public {
			t.Fatal("opened an envelope from an unknown sender")
		}
		again, err := SealEnvelope(testRand(1), alice, bob.Public, got.Type, got.Message)
		if err != nil || len(again) != len(env) {
			t.Fatalf("re-seal: %d vs %d bytes, %v", len(again), len(env), err)
		}
	})
}

// TestSealPlaintext checks the plaintext-content type: it seals and opens
// like the others, up to its own small bound, on both sides.
func TestSealPlaintext(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	tests := []struct {
		name    string
		n       int
		wantErr error
	}{
		{"small", 13, nil},
		{"at bound", MaxPlaintextMessageSize, nil},
		{"over bound", MaxPlaintextMessageSize + 1, ErrMessageSize},
		{"empty", 0, ErrMessageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := bytes.Repeat([]byte{0xc0}, tt.n)
			env, err := SealEnvelope(testRand(3), alice, bob.Public, TypePlaintext, msg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("seal: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got, err := OpenEnvelope(bob, env)
			if err != nil || got.Type != TypePlaintext || got.Sender != alice.Public || !bytes.Equal(got.Message, msg) {
				t.Fatalf("open: %+v, %v", got, err)
			}
		})
	}
	// A peer that seals a longer plaintext content by hand is refused on
	// opening.
	n := MaxPlaintextMessageSize + 1
	content := make([]byte, paddedSize(contentHeader+n))
	content[0], content[3], content[4] = TypePlaintext, byte(n>>8), byte(n)
	if _, err := unpad(alice.Public, content); !errors.Is(err, ErrEnvelope) {
		t.Fatalf("oversized plaintext content opened: %v", err)
	}
}

// TestSealSenderKey: a group message (type 7) seals and opens like any
// message, and must be longer than its group id.
func TestSealSenderKey(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	msg := append(bytes.Repeat([]byte{7}, GroupIDSize), 0x33, 1, 2, 3)
	env, err := SealEnvelope(testRand(3), alice, bob.Public, TypeSenderKey, msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenEnvelope(bob, env)
	if err != nil || got.Type != TypeSenderKey || !bytes.Equal(got.Message, msg) || got.Sender != alice.Public {
		t.Fatalf("opened %+v, %v", got, err)
	}
	for _, n := range []int{1, GroupIDSize} {
		if _, err := SealEnvelope(testRand(3), alice, bob.Public, TypeSenderKey, make([]byte, n)); !errors.Is(err, ErrMessageSize) {
			t.Fatalf("%d bytes: %v", n, err)
		}
	}
}
