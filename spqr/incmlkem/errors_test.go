package incmlkem

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

// fixture is one key pair with a state and ciphertext made for it, and a
// second, unrelated key pair.
type fixture struct {
	keys, other Keys
	state       []byte
	ct1, ct2    []byte
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	r := testRand(9)
	keys, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Generate(r)
	if err != nil {
		t.Fatal(err)
	}
	ct1, state, _, err := Encaps1(keys.Header, r)
	if err != nil {
		t.Fatal(err)
	}
	ct2, err := Encaps2(keys.EncapsulationKey, state)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{keys: keys, other: other, state: state, ct1: ct1, ct2: ct2}
}

// unreducedKey returns an encapsulation key whose first coefficient is q
// (it fails the modulus check) and the header that announces exactly it, as
// a malicious peer could send them.
func unreducedKey(t *testing.T, ek, rho []byte) (badEK, header []byte) {
	t.Helper()
	badEK = bytes.Clone(ek)
	badEK[0] = byte(q & 0xff)
	badEK[1] = badEK[1]&0xf0 | byte(q>>8)
	header, err := HeaderFromKey(append(bytes.Clone(badEK), rho...))
	if err != nil {
		t.Fatal(err)
	}
	return badEK, header
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 1
	return b
}

func TestEncaps1Errors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		header []byte
		rand   []byte
		want   error
	}{
		{"empty header", nil, make([]byte, 32), ErrHeaderSize},
		{"header one byte short", f.keys.Header[:HeaderSize-1], make([]byte, 32), ErrHeaderSize},
		{"header one byte long", append(bytes.Clone(f.keys.Header), 0), make([]byte, 32), ErrHeaderSize},
		{"randomness runs out", f.keys.Header, make([]byte, 31), ErrRandom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct1, state, ss, err := Encaps1(tc.header, bytes.NewReader(tc.rand))
			if !errors.Is(err, tc.want) || ct1 != nil || state != nil || ss != nil {
				t.Fatalf("got %v, want %v and no output", err, tc.want)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name string
		rand []byte
	}{
		{"no randomness", nil},
		{"randomness one byte short", make([]byte, DecapsulationKeySize-1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(bytes.NewReader(tc.rand)); !errors.Is(err, ErrRandom) {
				t.Fatalf("got %v, want ErrRandom", err)
			}
		})
	}
	// The reader's own error is kept.
	boom := errors.New("boom")
	if _, err := Generate(iotest.ErrReader(boom)); !errors.Is(err, boom) || !errors.Is(err, ErrRandom) {
		t.Fatalf("got %v, want ErrRandom wrapping the reader's error", err)
	}
}

func TestEncaps2Errors(t *testing.T) {
	f := newFixture(t)
	badEK, badHeader := unreducedKey(t, f.keys.EncapsulationKey, f.keys.Header[:32])
	_, badState, _, err := Encaps1(badHeader, testRand(10))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		ek, state []byte
		want      error
	}{
		{"empty state", f.keys.EncapsulationKey, nil, ErrStateSize},
		{"state one byte short", f.keys.EncapsulationKey, f.state[:EncapsulationStateSize-1], ErrStateSize},
		{"state one byte long", f.keys.EncapsulationKey, append(bytes.Clone(f.state), 0), ErrStateSize},
		{"empty key", nil, f.state, ErrKeySize},
		{"key one byte short", f.keys.EncapsulationKey[:EncapsulationKeySize-1], f.state, ErrKeySize},
		{"full 1184-byte key instead of t̂", append(bytes.Clone(f.keys.EncapsulationKey), f.keys.Header[:32]...), f.state, ErrKeySize},
		{"another key's t̂", f.other.EncapsulationKey, f.state, ErrKeyMismatch},
		{"one bit of t̂ flipped", flip(f.keys.EncapsulationKey, 100), f.state, ErrKeyMismatch},
		{"one bit of ρ in the state flipped", f.keys.EncapsulationKey, flip(f.state, messageSize), ErrKeyMismatch},
		{"one bit of H(ek) in the state flipped", f.keys.EncapsulationKey, flip(f.state, messageSize+32), ErrKeyMismatch},
		{"coefficient q, announced by its header", badEK, badState, ErrKeyModulus},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct2, err := Encaps2(tc.ek, tc.state)
			if !errors.Is(err, tc.want) || ct2 != nil {
				t.Fatalf("got %v, want %v and no ciphertext", err, tc.want)
			}
		})
	}
}

func TestEncapsulationKeyMatchesHeader(t *testing.T) {
	f := newFixture(t)
	badEK, badHeader := unreducedKey(t, f.keys.EncapsulationKey, f.keys.Header[:32])
	tests := []struct {
		name       string
		ek, header []byte
		want       bool
	}{
		{"its own header", f.keys.EncapsulationKey, f.keys.Header, true},
		{"another key's header", f.keys.EncapsulationKey, f.other.Header, false},
		{"one bit of ρ flipped", f.keys.EncapsulationKey, flip(f.keys.Header, 0), false},
		{"one bit of H(ek) flipped", f.keys.EncapsulationKey, flip(f.keys.Header, 63), false},
		{"one bit of t̂ flipped", flip(f.keys.EncapsulationKey, 0), f.keys.Header, false},
		{"short key", f.keys.EncapsulationKey[:100], f.keys.Header, false},
		{"short header", f.keys.EncapsulationKey, f.keys.Header[:32], false},
		{"nothing", nil, nil, false},
		{"unreduced key with a matching hash", badEK, badHeader, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EncapsulationKeyMatchesHeader(tc.ek, tc.header); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecapsErrors(t *testing.T) {
	f := newFixture(t)
	dk := f.keys.DecapsulationKey
	tests := []struct {
		name         string
		dk, ct1, ct2 []byte
		want         error
	}{
		{"empty key", nil, f.ct1, f.ct2, ErrKeySize},
		{"key one byte short", dk[:DecapsulationKeySize-1], f.ct1, f.ct2, ErrKeySize},
		{"key one byte long", append(bytes.Clone(dk), 0), f.ct1, f.ct2, ErrKeySize},
		{"ct1 one byte short", dk, f.ct1[:Ciphertext1Size-1], f.ct2, ErrCiphertextSize},
		{"ct2 one byte long", dk, f.ct1, append(bytes.Clone(f.ct2), 0), ErrCiphertextSize},
		{"whole ciphertext as ct1", dk, append(bytes.Clone(f.ct1), f.ct2...), nil, ErrCiphertextSize},
		{"ct1 and ct2 swapped", dk, f.ct2, f.ct1, ErrCiphertextSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ss, err := Decaps(tc.dk, tc.ct1, tc.ct2)
			if !errors.Is(err, tc.want) || ss != nil {
				t.Fatalf("got %v, want %v and no secret", err, tc.want)
			}
		})
	}
}

// TestHeaderFromKeyErrors checks that only a full 1,184-byte key is taken.
func TestHeaderFromKeyErrors(t *testing.T) {
	for _, size := range []int{0, EncapsulationKeySize, fullKeySize - 1, fullKeySize + 1} {
		if _, err := HeaderFromKey(make([]byte, size)); !errors.Is(err, ErrKeySize) {
			t.Errorf("size %d: got %v, want ErrKeySize", size, err)
		}
	}
}

// TestDecapsWrongKey checks implicit rejection: a ciphertext for one key,
// decapsulated with another, gives a secret unrelated to the sender's.
func TestDecapsWrongKey(t *testing.T) {
	f := newFixture(t)
	ss, err := Decaps(f.keys.DecapsulationKey, f.ct1, f.ct2)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := Decaps(f.other.DecapsulationKey, f.ct1, f.ct2)
	if err != nil || len(wrong) != SharedKeySize || bytes.Equal(ss, wrong) {
		t.Fatalf("wrong key: %x, %v", wrong, err)
	}
	tampered, err := Decaps(f.keys.DecapsulationKey, f.ct1, flip(f.ct2, 0))
	if err != nil || bytes.Equal(ss, tampered) {
		t.Fatalf("tampered ct2: %x, %v", tampered, err)
	}
}
