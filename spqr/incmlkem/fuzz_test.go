package incmlkem

import (
	"bytes"
	"crypto/mlkem"
	"errors"
	"testing"
)

// FuzzEncaps2State feeds arbitrary states and keys to Encaps2. It must never
// panic; it must refuse every state or key of the wrong size with a size
// error; and whatever it accepts must be a key that matches the header in
// the state, answered with a ct2 of the right size that equals what a fresh
// Encaps1 with the same m would lead to.
func FuzzEncaps2State(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.state, fx.keys.EncapsulationKey)
	f.Add(fx.state, fx.other.EncapsulationKey)
	f.Add(fx.state[:10], fx.keys.EncapsulationKey)
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, state, ek []byte) {
		ct2, err := Encaps2(ek, state)
		switch {
		case len(state) != EncapsulationStateSize:
			if !errors.Is(err, ErrStateSize) {
				t.Fatalf("state of %d bytes: got %v", len(state), err)
			}
		case len(ek) != EncapsulationKeySize:
			if !errors.Is(err, ErrKeySize) {
				t.Fatalf("key of %d bytes: got %v", len(ek), err)
			}
		case err != nil:
			if !errors.Is(err, ErrKeyMismatch) && !errors.Is(err, ErrKeyModulus) {
				t.Fatalf("unexpected error %v", err)
			}
			if EncapsulationKeyMatchesHeader(ek, state[messageSize:]) {
				t.Fatal("Encaps2 refused a key that EncapsulationKeyMatchesHeader accepts")
			}
		default:
			if len(ct2) != Ciphertext2Size || !EncapsulationKeyMatchesHeader(ek, state[messageSize:]) {
				t.Fatalf("accepted: ct2 of %d bytes, key matches %v", len(ct2),
					EncapsulationKeyMatchesHeader(ek, state[messageSize:]))
			}
			_, again, _, _ := Encaps1(state[messageSize:], bytes.NewReader(state[:messageSize]))
			if !bytes.Equal(again, state) {
				t.Fatal("Encaps1 with the state's m and header gives another state")
			}
		}
	})
}

// FuzzDecapsInputs feeds arbitrary keys and ciphertexts to Decaps. It must
// never panic, must refuse wrong sizes with a size error, and must agree
// with crypto/mlkem on everything of the right size.
func FuzzDecapsInputs(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.keys.DecapsulationKey, fx.ct1, fx.ct2)
	f.Add(fx.other.DecapsulationKey, fx.ct1, fx.ct2)
	f.Add(fx.keys.DecapsulationKey, fx.ct2, fx.ct1)
	f.Add([]byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, dk, ct1, ct2 []byte) {
		ss, err := Decaps(dk, ct1, ct2)
		switch {
		case len(dk) != DecapsulationKeySize:
			if !errors.Is(err, ErrKeySize) {
				t.Fatalf("key of %d bytes: got %v", len(dk), err)
			}
		case len(ct1) != Ciphertext1Size || len(ct2) != Ciphertext2Size:
			if !errors.Is(err, ErrCiphertextSize) {
				t.Fatalf("ciphertext of %d+%d bytes: got %v", len(ct1), len(ct2), err)
			}
		default:
			key, kerr := mlkem.NewDecapsulationKey768(dk)
			if kerr != nil {
				t.Fatal(kerr)
			}
			want, werr := key.Decapsulate(append(bytes.Clone(ct1), ct2...))
			if err != nil || werr != nil || !bytes.Equal(ss, want) {
				t.Fatalf("Decaps = %x, %v; crypto/mlkem = %x, %v", ss, err, want, werr)
			}
		}
	})
}
