package keys

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	mathrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestNewSignedPreKey(t *testing.T) {
	identity, other := mustGenerate(t), mustGenerate(t)
	spk, err := NewSignedPreKey(rand.Reader, identity.Private, 42)
	if err != nil {
		t.Fatal(err)
	}
	if spk.ID != 42 {
		t.Errorf("id = %d, want 42", spk.ID)
	}
	if err := Verify(identity.Public, spk.Pair.Public.Bytes(), spk.Signature[:]); err != nil {
		t.Errorf("signature over 0x05 || u: %v", err)
	}
	// libsignal signs the serialized key: a signature over the raw 32 bytes
	// would not verify for libsignal peers.
	if err := Verify(identity.Public, spk.Pair.Public[:], spk.Signature[:]); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signature verified over the raw key: %v", err)
	}
	if err := Verify(other.Public, spk.Pair.Public.Bytes(), spk.Signature[:]); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signature verified under another identity: %v", err)
	}
	if _, err := spk.Pair.Private.Agree(other.Public); err != nil {
		t.Errorf("prekey pair cannot agree: %v", err)
	}
}

func TestNewKEMPreKey(t *testing.T) {
	identity, other := mustGenerate(t), mustGenerate(t)
	tests := []struct {
		typ        KEMType
		lastResort bool
	}{{TypeKyber1024, false}, {TypeKyber1024, true}, {TypeMLKEM1024, false}, {TypeMLKEM1024, true}}
	for _, tt := range tests {
		typ, lastResort := tt.typ, tt.lastResort
		kem, err := NewKEMPreKeyOfType(rand.Reader, typ, identity.Private, 7, lastResort)
		if err != nil {
			t.Fatal(err)
		}
		if kem.ID != 7 || kem.LastResort != lastResort || kem.Pair.Public.Type != typ {
			t.Errorf("id %d, last resort %v, type %v; want 7, %v, %v", kem.ID, kem.LastResort, kem.Pair.Public.Type, lastResort, typ)
		}
		if err := Verify(identity.Public, kem.Pair.Public.Bytes(), kem.Signature[:]); err != nil {
			t.Errorf("signature over type || key: %v", err)
		}
		if err := Verify(identity.Public, kem.Pair.Public.Key[:], kem.Signature[:]); !errors.Is(err, ErrBadSignature) {
			t.Errorf("signature verified over the raw key: %v", err)
		}
		if err := Verify(other.Public, kem.Pair.Public.Bytes(), kem.Signature[:]); !errors.Is(err, ErrBadSignature) {
			t.Errorf("signature verified under another identity: %v", err)
		}
		secret, ct, err := kem.Pair.Public.Encapsulate()
		if err != nil {
			t.Fatal(err)
		}
		if ct[0] != byte(typ) {
			t.Errorf("ciphertext type 0x%02x, want 0x%02x", ct[0], byte(typ))
		}
		got, err := kem.Pair.Decapsulate(ct)
		if err != nil || got != secret {
			t.Errorf("decapsulated %x (%v), want %x", got, err, secret)
		}
	}
	kem, err := NewKEMPreKey(rand.Reader, identity.Private, 1, false)
	if err != nil || kem.Pair.Public.Type != TypeKyber1024 {
		t.Errorf("NewKEMPreKey made a %v key (%v), want Kyber-1024 by default", kem.Pair.Public.Type, err)
	}
}

func TestNewOneTimePreKeys(t *testing.T) {
	tests := []struct {
		name    string
		first   uint32
		n       int
		wantErr bool
	}{
		{"a hundred", 1, 100, false},
		{"none", 5, 0, false},
		{"negative count", 1, -1, true},
		{"last id", math.MaxUint32, 1, false},
		{"past the last id", math.MaxUint32, 2, true},
		{"up to the last id", math.MaxUint32 - 9, 10, false},
		{"one past the last id", math.MaxUint32 - 9, 11, true},
		{"none from the last id", math.MaxUint32, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := NewOneTimePreKeys(rand.Reader, tt.first, tt.n)
			if tt.wantErr {
				if !errors.Is(err, ErrPreKeyCount) || keys != nil {
					t.Fatalf("got %d keys, err %v; want ErrPreKeyCount", len(keys), err)
				}
				return
			}
			if err != nil || len(keys) != tt.n {
				t.Fatalf("got %d keys, err %v; want %d", len(keys), err, tt.n)
			}
			seen := map[PublicKey]bool{}
			for i, k := range keys {
				if k.ID != tt.first+uint32(i) {
					t.Errorf("key %d has id %d, want %d", i, k.ID, tt.first+uint32(i))
				}
				if seen[k.Pair.Public] {
					t.Errorf("key %d repeats an earlier key", i)
				}
				seen[k.Pair.Public] = true
			}
		})
	}
}

// TestPreKeysDeterministic checks that all randomness comes from the reader:
// the same seed gives the same keys and signatures, a failing reader an error.
func TestPreKeysDeterministic(t *testing.T) {
	generate := func(r func() *mathrand.ChaCha8) (SignedPreKey, []OneTimePreKey, KEMPreKey) {
		identity, err := GenerateKeyPair(r())
		if err != nil {
			t.Fatal(err)
		}
		spk, err1 := NewSignedPreKey(r(), identity.Private, 1)
		otks, err2 := NewOneTimePreKeys(r(), 1, 3)
		kem, err3 := NewKEMPreKey(r(), identity.Private, 1, true)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		return spk, otks, kem
	}
	seeded := func() *mathrand.ChaCha8 { return mathrand.NewChaCha8([32]byte{1, 2, 3}) }
	spk1, otks1, kem1 := generate(seeded)
	spk2, otks2, kem2 := generate(seeded)
	sameKEM := func(a, b KEMPreKey) bool {
		return a.ID == b.ID && a.Pair.Equal(b.Pair) && a.Signature == b.Signature && a.LastResort == b.LastResort
	}
	sameOTK := func(a, b OneTimePreKey) bool { return a.ID == b.ID && a.Pair.Equal(b.Pair) }
	sameSPK := spk1.ID == spk2.ID && spk1.Pair.Equal(spk2.Pair) && spk1.Signature == spk2.Signature
	if !sameSPK || !slices.EqualFunc(otks1, otks2, sameOTK) || !sameKEM(kem1, kem2) {
		t.Error("same seed gave different prekeys")
	}

	broken := iotest.ErrReader(errors.New("no entropy"))
	identity := mustGenerate(t)
	if _, err := NewSignedPreKey(broken, identity.Private, 1); err == nil {
		t.Error("NewSignedPreKey ignored a failing reader")
	}
	if _, err := NewOneTimePreKeys(broken, 1, 1); err == nil {
		t.Error("NewOneTimePreKeys ignored a failing reader")
	}
	if _, err := NewKEMPreKey(broken, identity.Private, 1, false); err == nil {
		t.Error("NewKEMPreKey ignored a failing reader")
	}
}

func TestPreKeySecretsNeverPrint(t *testing.T) {
	identity := mustGenerate(t)
	spk, err := NewSignedPreKey(rand.Reader, identity.Private, 1)
	if err != nil {
		t.Fatal(err)
	}
	kem, err := NewKEMPreKey(rand.Reader, identity.Private, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{fmt.Sprintf("%x", spk.Pair.Private[:]), fmt.Sprintf("%x", kem.Pair.Seed[:])}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x"} {
		out := fmt.Sprintf(verb, spk) + fmt.Sprintf(verb, kem)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s printed a private key", verb)
			}
		}
	}
}
