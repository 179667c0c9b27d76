package keys

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
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
	badType := append([]byte(nil), kemGood...)
	badType[6] = 0x07 // Kyber-768
	v1 := append([]byte{1}, kemGood[1:6]...)
	v1 = append(v1, kemGood[7:]...)
	mlkem, _ := NewKEMPreKeyOfType(rand.Reader, TypeMLKEM1024, id.Private, 1, false)
	v1Damaged, _ := mlkem.MarshalBinary()
	v1Damaged = append(append([]byte{1}, v1Damaged[1:6]...), v1Damaged[7:]...)
	v1Damaged[10] ^= 1 // still parses: a seed makes a key whatever its bytes
	cases := map[string]func() error{
		"empty":                func() error { _, err := ParseSignedPreKey(nil); return err },
		"short":                func() error { _, err := ParseSignedPreKey(good[:len(good)-1]); return err },
		"version 2":            func() error { _, err := ParseSignedPreKey(append([]byte{2}, good[1:]...)); return err },
		"public mismatch":      func() error { _, err := ParseSignedPreKey(mismatched); return err },
		"signed as OTK":        func() error { _, err := ParseOneTimePreKey(good); return err },
		"KEM flag 2":           func() error { _, err := ParseKEMPreKey(badFlag); return err },
		"KEM with a byte more": func() error { _, err := ParseKEMPreKey(append(kemGood, 0)); return err },
		"KEM type 0x07":        func() error { _, err := ParseKEMPreKey(badType); return err },
		"KEM version 3":        func() error { _, err := ParseKEMPreKey(append([]byte{3}, kemGood[1:]...)); return err },
		"KEM version 0":        func() error { _, err := ParseKEMPreKey(append([]byte{0}, kemGood[1:]...)); return err },
		"KEM v1 of v2's size":  func() error { _, err := ParseKEMPreKey(append([]byte{1}, kemGood[1:]...)); return err },
		"KEM v2 of v1's size":  func() error { _, err := ParseKEMPreKey(append([]byte{2}, v1[1:]...)); return err },
		"KEM empty":            func() error { _, err := ParseKEMPreKey(nil); return err },
	}
	// A version-1 record of a Kyber key's bytes reads as an ML-KEM key: the
	// seed is kept, the KEM is what version 1 meant. Its signature (over
	// the Kyber key) no longer matches, which Verify would catch.
	if k, err := ParseKEMPreKey(v1); err != nil || k.Pair.Public.Type != TypeMLKEM1024 || k.Pair.Seed != kem.Pair.Seed {
		t.Errorf("version-1 record: %v", err)
	}
	if _, err := ParseKEMPreKey(v1Damaged); err != nil {
		t.Errorf("version-1 record with another seed: %v", err)
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
	mlkem, _ := NewKEMPreKeyOfType(rand.Reader, TypeMLKEM1024, id.Private, 2, true)
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{&spk, &otks[0], &kem, &mlkem} {
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	for _, v := range loadV1Records(f) {
		f.Add(v.record)
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
			if len(b) == kemRecordSizeV1 && b[0] == kemRecordVersionV1 {
				// A version-1 KEM record re-encodes as version 2, typed ML-KEM.
				b = append(append([]byte{kemRecordVersion}, b[1:6]...), append([]byte{byte(TypeMLKEM1024)}, b[6:]...)...)
			}
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

// v1Record is one entry of testdata/kem_prekey_records_v1.json: a KEM
// prekey record that ratchat wrote before it spoke Kyber (generated with
// that commit's code), and what it must decode to.
type v1Record struct {
	identity   PublicKey
	record     []byte
	id         uint32
	lastResort bool
	pubSHA256  string
}

func loadV1Records(tb testing.TB) []v1Record {
	tb.Helper()
	data, err := os.ReadFile("testdata/kem_prekey_records_v1.json")
	if err != nil {
		tb.Fatal(err)
	}
	var raw []struct {
		Identity, Record, PublicKeySHA256 string
		ID                                uint32
		LastResort                        bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil || len(raw) == 0 {
		tb.Fatalf("kem_prekey_records_v1.json: %v", err)
	}
	var out []v1Record
	for _, r := range raw {
		idb, err1 := hex.DecodeString(r.Identity)
		rec, err2 := hex.DecodeString(r.Record)
		id, err3 := ParsePublicKey(idb)
		if err := errors.Join(err1, err2, err3); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v1Record{id, rec, r.ID, r.LastResort, r.PublicKeySHA256})
	}
	return out
}

// TestKEMPreKeyRecordV1 decodes records written before ratchat spoke
// Kyber: they stay ML-KEM-1024 keys with the same public key, their
// signatures still verify, they still decapsulate, and re-encoding them
// writes version 2.
func TestKEMPreKeyRecordV1(t *testing.T) {
	for _, v := range loadV1Records(t) {
		k, err := ParseKEMPreKey(v.record)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(k.Pair.Public.Bytes())
		if k.ID != v.id || k.LastResort != v.lastResort || k.Pair.Public.Type != TypeMLKEM1024 || hex.EncodeToString(h[:]) != v.pubSHA256 {
			t.Fatalf("record %d: id %d, last resort %v, type %v, key hash %x", v.id, k.ID, k.LastResort, k.Pair.Public.Type, h)
		}
		if err := Verify(v.identity, k.Pair.Public.Bytes(), k.Signature[:]); err != nil {
			t.Fatalf("record %d: signature: %v", v.id, err)
		}
		secret, ct, err := k.Pair.Public.Encapsulate()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Pair.Decapsulate(ct); err != nil || got != secret {
			t.Fatalf("record %d: decapsulate: %v", v.id, err)
		}
		again, _ := k.MarshalBinary()
		if again[0] != kemRecordVersion || again[6] != byte(TypeMLKEM1024) || len(again) != kemRecordSize {
			t.Fatalf("record %d re-encoded as %x...", v.id, again[:8])
		}
		k2, err := ParseKEMPreKey(again)
		if err != nil || !k2.Pair.Equal(k.Pair) || k2.Signature != k.Signature {
			t.Fatalf("record %d: version 2 round trip: %v", v.id, err)
		}
	}
}
