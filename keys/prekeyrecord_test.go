package keys

import (
	"crypto/rand"
	"errors"
	"testing"
)

func TestPreKeyRecordsRoundTrip(t *testing.T) {
	id := mustGenerate(t)
	spk, err := NewSignedPreKey(rand.Reader, id.Private, 7)
	if err != nil {
		t.Fatal(err)
	}
	otks, err := NewOneTimePreKeys(rand.Reader, 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	kem, err := NewKEMPreKey(rand.Reader, id.Private, 11, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := spk.MarshalBinary()
	spk2, err := ParseSignedPreKey(b)
	if err != nil || spk2.ID != 7 || !spk2.Pair.Equal(spk.Pair) || spk2.Signature != spk.Signature {
		t.Fatalf("signed prekey round trip: %v", err)
	}
	b, _ = otks[0].MarshalBinary()
	otk2, err := ParseOneTimePreKey(b)
	if err != nil || otk2.ID != 9 || !otk2.Pair.Equal(otks[0].Pair) {
		t.Fatalf("one-time prekey round trip: %v", err)
	}
	b, _ = kem.MarshalBinary()
	kem2, err := ParseKEMPreKey(b)
	if err != nil || kem2.ID != 11 || !kem2.LastResort || !kem2.Pair.Equal(kem.Pair) || kem2.Signature != kem.Signature {
		t.Fatalf("KEM prekey round trip: %v", err)
	}
}

func TestPreKeyRecordsReject(t *testing.T) {
	id := mustGenerate(t)
	spk, _ := NewSignedPreKey(rand.Reader, id.Private, 7)
	good, _ := spk.MarshalBinary()
	mismatched := append([]byte(nil), good...)
	mismatched[1+4+KeySize] ^= 1 // a bit of the stored public key
	kem, _ := NewKEMPreKey(rand.Reader, id.Private, 1, false)
	kemGood, _ := kem.MarshalBinary()
	badFlag := append([]byte(nil), kemGood...)
	badFlag[5] = 2
	cases := map[string]func() error{
		"empty":                func() error { _, err := ParseSignedPreKey(nil); return err },
		"short":                func() error { _, err := ParseSignedPreKey(good[:len(good)-1]); return err },
		"version 2":            func() error { _, err := ParseSignedPreKey(append([]byte{2}, good[1:]...)); return err },
		"public mismatch":      func() error { _, err := ParseSignedPreKey(mismatched); return err },
		"signed as OTK":        func() error { _, err := ParseOneTimePreKey(good); return err },
		"KEM flag 2":           func() error { _, err := ParseKEMPreKey(badFlag); return err },
		"KEM with a byte more": func() error { _, err := ParseKEMPreKey(append(kemGood, 0)); return err },
	}
	for name, parse := range cases {
		if err := parse(); !errors.Is(err, ErrPreKeyRecord) {
			t.Errorf("%s: err = %v, want ErrPreKeyRecord", name, err)
		}
	}
}

// FuzzParsePreKeyRecords feeds arbitrary bytes to the three record
// parsers: no panic, typed errors, and what parses re-encodes to the input.
func FuzzParsePreKeyRecords(f *testing.F) {
	id, _ := GenerateKeyPair(rand.Reader)
	spk, _ := NewSignedPreKey(rand.Reader, id.Private, 1)
	otks, _ := NewOneTimePreKeys(rand.Reader, 1, 1)
	kem, _ := NewKEMPreKey(rand.Reader, id.Private, 1, false)
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{&spk, &otks[0], &kem} {
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(m interface{ MarshalBinary() ([]byte, error) }, err error) {
			if err != nil {
				if !errors.Is(err, ErrPreKeyRecord) {
					t.Fatalf("untyped error %v", err)
				}
				return
			}
			again, _ := m.MarshalBinary()
			if string(again) != string(b) {
				t.Fatal("accepted record does not re-encode to itself")
			}
		}
		s, err := ParseSignedPreKey(b)
		check(&s, err)
		o, err := ParseOneTimePreKey(b)
		check(&o, err)
		k, err := ParseKEMPreKey(b)
		check(&k, err)
	})
}
