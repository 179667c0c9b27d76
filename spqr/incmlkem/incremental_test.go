package incmlkem

import (
	"bytes"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/rand"
	mrand "math/rand/v2"
	"testing"
)

// testRand returns a reproducible random stream for one test.
func testRand(seed uint64) *mrand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return mrand.NewChaCha8(s)
}

// encapsulate runs Encaps1 and Encaps2 with the message m and returns
// ct1 ‖ ct2 and the shared secret, failing the test on any error.
func encapsulate(t testing.TB, header, ek, m []byte) (ct, ss []byte) {
	t.Helper()
	ct1, state, ss, err := Encaps1(header, bytes.NewReader(m))
	if err != nil {
		t.Fatalf("Encaps1: %v", err)
	}
	ct2, err := Encaps2(ek, state)
	if err != nil {
		t.Fatalf("Encaps2: %v", err)
	}
	if len(ct1) != Ciphertext1Size || len(ct2) != Ciphertext2Size || len(ss) != SharedKeySize ||
		len(state) != EncapsulationStateSize {
		t.Fatalf("sizes: ct1 %d, ct2 %d, ss %d, state %d", len(ct1), len(ct2), len(ss), len(state))
	}
	return append(ct1, ct2...), ss
}

// TestStdlibAgreesOnRandomKeys is the FIPS 203 cross-check: for thousands of
// random keys and messages, ct1 ‖ ct2 is byte for byte the ciphertext that
// crypto/mlkem's derandomized encapsulation makes with the same m, and
// crypto/mlkem decapsulates it to the same shared secret.
func TestStdlibAgreesOnRandomKeys(t *testing.T) {
	rounds := 2000
	if testing.Short() {
		rounds = 100
	}
	r := testRand(1)
	for i := range rounds {
		keys, err := Generate(r)
		if err != nil {
			t.Fatal(err)
		}
		dk, err := mlkem.NewDecapsulationKey768(keys.DecapsulationKey)
		if err != nil {
			t.Fatal(err)
		}
		ekFull := dk.EncapsulationKey().Bytes()
		if !bytes.Equal(ekFull, append(bytes.Clone(keys.EncapsulationKey), keys.Header[:32]...)) {
			t.Fatalf("key %d: EncapsulationKey ‖ ρ is not crypto/mlkem's encapsulation key", i)
		}
		m := make([]byte, messageSize)
		r.Read(m)
		ct, ss := encapsulate(t, keys.Header, keys.EncapsulationKey, m)

		wantSS, wantCT, err := mlkemtest.Encapsulate768(dk.EncapsulationKey(), m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ct, wantCT) || !bytes.Equal(ss, wantSS) {
			t.Fatalf("key %d: ciphertext or secret differs from crypto/mlkem's with the same m", i)
		}
		got, err := dk.Decapsulate(ct)
		if err != nil || !bytes.Equal(got, ss) {
			t.Fatalf("key %d: crypto/mlkem decapsulates to %x (%v), want %x", i, got, err, ss)
		}
		got, err = Decaps(keys.DecapsulationKey, ct[:Ciphertext1Size], ct[Ciphertext1Size:])
		if err != nil || !bytes.Equal(got, ss) {
			t.Fatalf("key %d: Decaps = %x (%v), want %x", i, got, err, ss)
		}
	}
}

// TestStdlibGeneratedKeys encapsulates to keys that crypto/mlkem made itself,
// with the header built from their encapsulation key bytes and real
// randomness.
func TestStdlibGeneratedKeys(t *testing.T) {
	for range 50 {
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			t.Fatal(err)
		}
		ekFull := dk.EncapsulationKey().Bytes()
		header, err := HeaderFromKey(ekFull)
		if err != nil {
			t.Fatal(err)
		}
		ek := ekFull[:EncapsulationKeySize]
		if !EncapsulationKeyMatchesHeader(ek, header) {
			t.Fatal("a crypto/mlkem key does not match its own header")
		}
		ct1, state, ss, err := Encaps1(header, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ct2, err := Encaps2(ek, state)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dk.Decapsulate(append(ct1, ct2...))
		if err != nil || !bytes.Equal(got, ss) {
			t.Fatalf("crypto/mlkem decapsulates to %x (%v), want %x", got, err, ss)
		}
		got, err = Decaps(dk.Bytes(), ct1, ct2)
		if err != nil || !bytes.Equal(got, ss) {
			t.Fatalf("Decaps = %x (%v), want %x", got, err, ss)
		}
	}
}

// TestDeterministic checks that the same random stream gives the same keys,
// ciphertexts and secret, and a different stream different ones.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64) [][]byte {
		r := testRand(seed)
		keys, err := Generate(r)
		if err != nil {
			t.Fatal(err)
		}
		ct1, state, ss, err := Encaps1(keys.Header, r)
		if err != nil {
			t.Fatal(err)
		}
		ct2, err := Encaps2(keys.EncapsulationKey, state)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{keys.Header, keys.EncapsulationKey, keys.DecapsulationKey, ct1, state, ss, ct2}
	}
	a, b, c := run(7), run(7), run(8)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("output %d differs for the same stream", i)
		}
		if bytes.Equal(a[i], c[i]) {
			t.Errorf("output %d equal for different streams", i)
		}
	}
}

// TestEncaps2IsRepeatable checks that the state is not consumed: Encaps2 on
// the same state and key gives the same ct2, and leaves the state unchanged.
func TestEncaps2IsRepeatable(t *testing.T) {
	keys, err := Generate(testRand(3))
	if err != nil {
		t.Fatal(err)
	}
	_, state, _, err := Encaps1(keys.Header, testRand(4))
	if err != nil {
		t.Fatal(err)
	}
	saved := bytes.Clone(state)
	a, errA := Encaps2(keys.EncapsulationKey, state)
	b, errB := Encaps2(keys.EncapsulationKey, state)
	if errA != nil || errB != nil || !bytes.Equal(a, b) || !bytes.Equal(state, saved) {
		t.Fatalf("Encaps2 not repeatable: %v %v", errA, errB)
	}
}
