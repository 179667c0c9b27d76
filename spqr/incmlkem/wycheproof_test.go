package incmlkem

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/internal/vectortest"
)

// TestWycheproofEncaps runs Wycheproof's ML-KEM-768 encapsulation vectors
// (FIPS 203 known answers with a fixed m, and C2SP's modulus-overflow keys)
// through Encaps1 and Encaps2: a valid case must give exactly c = ct1 ‖ ct2
// and K; an invalid one must be refused with the size or modulus error.
func TestWycheproofEncaps(t *testing.T) {
	var valid, invalid int
	for _, c := range vectortest.Wycheproof(t, "mlkem_768_encaps_test.json") {
		ekFull, m := c.Hex(t, "ek"), c.Hex(t, "m")
		switch c.Result {
		case "valid":
			valid++
			header, err := HeaderFromKey(ekFull)
			if err != nil {
				t.Fatalf("tcId %d: %v", c.ID, err)
			}
			ct, ss := encapsulate(t, header, ekFull[:EncapsulationKeySize], m)
			if !bytes.Equal(ct, c.Hex(t, "c")) || !bytes.Equal(ss, c.Hex(t, "K")) {
				t.Errorf("tcId %d: wrong ciphertext or shared secret", c.ID)
			}
		case "invalid":
			invalid++
			// Every invalid key of the right length has a coefficient ≥ q.
			want := ErrKeyModulus
			if len(ekFull) != fullKeySize {
				want = ErrKeySize
			}
			if err := encapsulateInvalid(ekFull, m); !errors.Is(err, want) {
				t.Errorf("tcId %d (%v): got %v, want %v", c.ID, c.Flags, err, want)
			}
		default:
			t.Fatalf("tcId %d: unexpected result %q", c.ID, c.Result)
		}
	}
	if valid == 0 || invalid == 0 {
		t.Fatalf("%d valid and %d invalid cases", valid, invalid)
	}
}

// encapsulateInvalid runs both steps on a key that Wycheproof calls invalid,
// built into a header and a t̂ part the way a peer could send them.
func encapsulateInvalid(ekFull, m []byte) error {
	header, err := HeaderFromKey(ekFull)
	if err != nil {
		return err
	}
	ek := ekFull[:EncapsulationKeySize]
	if EncapsulationKeyMatchesHeader(ek, header) {
		return errors.New("EncapsulationKeyMatchesHeader accepted the key")
	}
	_, state, _, err := Encaps1(header, bytes.NewReader(m))
	if err != nil {
		return err
	}
	_, err = Encaps2(ek, state)
	return err
}

// TestWycheproofKeygen checks Generate against Wycheproof's ML-KEM-768 key
// generation vectors: the seed d ‖ z read from rand gives the known
// encapsulation key, split into header and t̂.
func TestWycheproofKeygen(t *testing.T) {
	for _, c := range vectortest.Wycheproof(t, "mlkem_768_keygen_seed_test.json") {
		if c.Result != "valid" {
			t.Fatalf("tcId %d: unexpected result %q", c.ID, c.Result)
		}
		seed, ekFull := c.Hex(t, "seed"), c.Hex(t, "ek")
		keys, err := Generate(bytes.NewReader(seed))
		if err != nil {
			t.Fatalf("tcId %d: %v", c.ID, err)
		}
		header, err := HeaderFromKey(ekFull)
		if err != nil {
			t.Fatalf("tcId %d: %v", c.ID, err)
		}
		if !bytes.Equal(keys.EncapsulationKey, ekFull[:EncapsulationKeySize]) ||
			!bytes.Equal(keys.Header, header) || !bytes.Equal(keys.DecapsulationKey, seed) {
			t.Errorf("tcId %d: keys differ from the vector", c.ID)
		}
	}
}

// TestWycheproofDecaps runs Wycheproof's ML-KEM-768 decapsulation vectors
// (seed, ciphertext, K, including implicit rejection of altered
// ciphertexts) through Decaps; invalid cases have a seed or ciphertext of
// the wrong length and must be refused with a size error.
func TestWycheproofDecaps(t *testing.T) {
	for _, c := range vectortest.Wycheproof(t, "mlkem_768_test.json") {
		seed, ct := c.Hex(t, "seed"), c.Hex(t, "c")
		split := min(len(ct), Ciphertext1Size)
		ss, err := Decaps(seed, ct[:split], ct[split:])
		switch c.Result {
		case "valid":
			if err != nil || !bytes.Equal(ss, c.Hex(t, "K")) {
				t.Errorf("tcId %d: Decaps = %x, %v", c.ID, ss, err)
			}
		case "invalid":
			if !errors.Is(err, ErrKeySize) && !errors.Is(err, ErrCiphertextSize) {
				t.Errorf("tcId %d: got %v, want a size error", c.ID, err)
			}
		default:
			t.Fatalf("tcId %d: unexpected result %q", c.ID, c.Result)
		}
	}
}
