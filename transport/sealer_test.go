package transport

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/keys"
)

// TestSealerSameBytes checks that a Sealer makes the very envelope
// SealEnvelope makes from the same randomness, the first time (the
// agreement computed) and the next (remembered), to several recipients,
// and that each opens to its sender and message.
func TestSealerSameBytes(t *testing.T) {
	alice := testIdentity(t, 1)
	s := NewSealer(alice)
	for _, tc := range []struct {
		to   byte
		seed byte
		msg  string
	}{
		{2, 5, "first to bob"},
		{2, 6, "again to bob: the agreement remembered"},
		{3, 7, "to carol"},
		{2, 8, "bob once more, after carol"},
	} {
		to := testIdentity(t, tc.to)
		want, err := SealEnvelope(testRand(tc.seed), alice, to.Public, TypeSenderKey, []byte(tc.msg+" padded past the group id of 32 bytes"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Seal(testRand(tc.seed), to.Public, TypeSenderKey, []byte(tc.msg+" padded past the group id of 32 bytes"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the Sealer's envelope differs from SealEnvelope's", tc.msg)
		}
		opened, err := OpenEnvelope(to, got)
		if err != nil || opened.Sender != alice.Public || !bytes.HasPrefix(opened.Message, []byte(tc.msg)) {
			t.Fatalf("%s: opened %+v, %v", tc.msg, opened, err)
		}
	}
}

// TestSealerErrors checks that a Sealer refuses what SealEnvelope
// refuses, and that a key of small order fails every time (it is never
// remembered).
func TestSealerErrors(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	s := NewSealer(alice)
	for _, tc := range []struct {
		name string
		to   keys.PublicKey
		typ  uint8
		msg  []byte
		want error
	}{
		{"unknown type", bob.Public, 1, []byte("x"), ErrMessageType},
		{"empty", bob.Public, TypeSignal, nil, ErrMessageSize},
		{"too long", bob.Public, TypeSignal, make([]byte, MaxSealedMessageSize+1), ErrMessageSize},
		{"zero key", keys.PublicKey{}, TypeSignal, []byte("x"), keys.ErrLowOrderKey},
		{"zero key again", keys.PublicKey{}, TypeSignal, []byte("x"), keys.ErrLowOrderKey},
	} {
		if _, err := s.Seal(testRand(1), tc.to, tc.typ, tc.msg); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if len(s.static) != 0 {
		t.Fatalf("%d agreements remembered after failures only", len(s.static))
	}
}

// TestSealerBound checks that the remembered agreements never pass
// maxSealerKeys and that sealing still works past it.
func TestSealerBound(t *testing.T) {
	alice := testIdentity(t, 1)
	s := NewSealer(alice)
	for i := range maxSealerKeys + 1 {
		var k keys.PublicKey
		k[0], k[1], k[31] = byte(i), byte(i>>8), 0x11
		if _, err := s.agreement(k); err != nil {
			continue // a u of small order: refused and not remembered
		}
		if len(s.static) > maxSealerKeys {
			t.Fatalf("%d agreements remembered", len(s.static))
		}
	}
	bob := testIdentity(t, 2)
	env, err := s.Seal(testRand(3), bob.Public, TypeSignal, []byte("after the bound"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenEnvelope(bob, env); err != nil || string(got.Message) != "after the bound" {
		t.Fatalf("opened %+v, %v", got, err)
	}
}

// TestSealerConcurrent: goroutines sealing to the same recipients at once
// each get an envelope that opens (run with -race for the locking).
func TestSealerConcurrent(t *testing.T) {
	alice := testIdentity(t, 1)
	s := NewSealer(alice)
	to := []*keys.KeyPair{testIdentity(t, 2), testIdentity(t, 3)}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			r := to[g%len(to)]
			env, err := s.Seal(testRand(byte(g)), r.Public, TypeSignal, []byte("at once"))
			if err == nil {
				_, err = OpenEnvelope(r, env)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(s.static) != len(to) {
		t.Fatalf("%d agreements remembered, want %d", len(s.static), len(to))
	}
}
