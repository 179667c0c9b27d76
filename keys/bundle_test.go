package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math"
	"reflect"
	"testing"
)

// bundleShapes are the four kinds of bundle: with or without each optional part.
var bundleShapes = []struct {
	name     string
	otk, kem bool
}{
	{"X3DH without one-time prekey", false, false},
	{"X3DH with one-time prekey", true, false},
	{"PQXDH without one-time prekey", false, true},
	{"PQXDH with one-time prekey", true, true},
}

// testBundle makes a correctly signed bundle with the chosen optional parts.
func testBundle(t testing.TB, otk, kem bool) Bundle {
	t.Helper()
	return testBundleOfType(t, otk, kem, DefaultKEMType)
}

// testBundleOfType is testBundle with a KEM prekey of type typ.
func testBundleOfType(t testing.TB, otk, kem bool, typ KEMType) Bundle {
	t.Helper()
	identity := mustGenerate(t)
	spk, err := NewSignedPreKey(rand.Reader, identity.Private, 11)
	if err != nil {
		t.Fatal(err)
	}
	var otkp *OneTimePreKey
	if otk {
		otks, err := NewOneTimePreKeys(rand.Reader, 22, 1)
		if err != nil {
			t.Fatal(err)
		}
		otkp = &otks[0]
	}
	var kemp *KEMPreKey
	if kem {
		k, err := NewKEMPreKeyOfType(rand.Reader, typ, identity.Private, 33, true)
		if err != nil {
			t.Fatal(err)
		}
		kemp = &k
	}
	return NewBundle(4444, identity.Public, spk, otkp, kemp)
}

func TestNewBundle(t *testing.T) {
	identity := mustGenerate(t)
	spk, _ := NewSignedPreKey(rand.Reader, identity.Private, 1)
	otks, _ := NewOneTimePreKeys(rand.Reader, 2, 1)
	kem, _ := NewKEMPreKey(rand.Reader, identity.Private, 3, false)
	b := NewBundle(99, identity.Public, spk, &otks[0], &kem)
	want := Bundle{
		RegistrationID: 99, Identity: identity.Public,
		SignedPreKeyID: 1, SignedPreKey: spk.Pair.Public, SignedPreKeySignature: spk.Signature,
		OneTimePreKeyID: 2, OneTimePreKey: &otks[0].Pair.Public,
		KEMPreKeyID: 3, KEMPreKey: &kem.Pair.Public, KEMPreKeySignature: kem.Signature,
	}
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("NewBundle = %+v, want %+v", b, want)
	}
	// The bundle holds copies: changing it must not change the prekeys.
	b.OneTimePreKey[0] ^= 1
	b.KEMPreKey.Key[0] ^= 1
	if b.OneTimePreKey[0] == otks[0].Pair.Public[0] || b.KEMPreKey.Key[0] == kem.Pair.Public.Key[0] {
		t.Fatal("bundle aliases the prekeys it was made from")
	}
}

func TestBundleVerify(t *testing.T) {
	for _, shape := range bundleShapes {
		b := testBundle(t, shape.otk, shape.kem)
		if err := b.Verify(); err != nil {
			t.Errorf("%s: %v", shape.name, err)
		}
	}
}

// TestBundleVerifyTampered changes one thing in a good PQXDH bundle at a time.
func TestBundleVerifyTampered(t *testing.T) {
	stranger := mustGenerate(t)
	otherKEM, err := NewKEMPreKey(rand.Reader, stranger.Private, 33, true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tamper func(b *Bundle)
		want   error // nil: Verify must still pass
	}{
		{"signed prekey signature bit flipped", func(b *Bundle) { b.SignedPreKeySignature[5] ^= 1 }, ErrBadSignature},
		{"KEM prekey signature bit flipped", func(b *Bundle) { b.KEMPreKeySignature[40] ^= 0x10 }, ErrBadSignature},
		{"signed prekey swapped", func(b *Bundle) { b.SignedPreKey = mustGenerate(t).Public }, ErrBadSignature},
		{"identity swapped", func(b *Bundle) { b.Identity = stranger.Public }, ErrBadSignature},
		{"KEM prekey swapped", func(b *Bundle) { pub := otherKEM.Pair.Public; b.KEMPreKey = &pub }, ErrBadSignature},
		{"KEM prekey and signature from another identity", func(b *Bundle) {
			pub := otherKEM.Pair.Public
			b.KEMPreKey, b.KEMPreKeySignature = &pub, otherKEM.Signature
		}, ErrBadSignature},
		{"signatures exchanged", func(b *Bundle) {
			b.SignedPreKeySignature, b.KEMPreKeySignature = b.KEMPreKeySignature, b.SignedPreKeySignature
		}, ErrBadSignature},
		{"low-order identity", func(b *Bundle) { b.Identity = PublicKey{1} }, ErrLowOrderKey},
		{"low-order signed prekey", func(b *Bundle) { b.SignedPreKey = PublicKey{} }, ErrLowOrderKey},
		{"low-order one-time prekey", func(b *Bundle) { b.OneTimePreKey = &PublicKey{} }, ErrLowOrderKey},
		{"KEM key failing the modulus check", func(b *Bundle) {
			b.KEMPreKey = &KEMPublicKey{Type: TypeKyber1024, Key: [KEMPublicKeySize]byte{0xff, 0xff}}
		}, ErrBadKEMKey},
		{"KEM signature without KEM key", func(b *Bundle) { b.KEMPreKey, b.KEMPreKeyID = nil, 0 }, ErrBadBundle},
		{"one-time prekey id without key", func(b *Bundle) { b.OneTimePreKey = nil }, ErrBadBundle},
		// As in libsignal, the one-time prekey and the ids are not signed.
		{"unsigned one-time prekey replaced", func(b *Bundle) { pub := mustGenerate(t).Public; b.OneTimePreKey = &pub }, nil},
		// Nor is the presence of a KEM prekey: session/ must insist on PQXDH
		// between ratchat clients; Verify can only check what is there.
		{"KEM prekey removed whole", func(b *Bundle) {
			b.KEMPreKey, b.KEMPreKeyID, b.KEMPreKeySignature = nil, 0, [SignatureSize]byte{}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBundle(t, true, true)
			tt.tamper(&b)
			err := b.Verify()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrBadBundle) || !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want ErrBadBundle and %v", err, tt.want)
			}
		})
	}
}

func TestBundleRoundTrip(t *testing.T) {
	for _, shape := range bundleShapes {
		t.Run(shape.name, func(t *testing.T) {
			b := testBundle(t, shape.otk, shape.kem)
			enc, err := b.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			checkBytes(t, "encoding", enc, encodeWire(1, bundleWireFields(&b)))
			got, err := ParseBundle(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, b) {
				t.Fatalf("parsed %+v, want %+v", *got, b)
			}
			if err := got.Verify(); err != nil {
				t.Fatalf("parsed bundle does not verify: %v", err)
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding differs (%v)", err)
			}
		})
	}
}

// TestMaxBundleSize checks the largest possible bundle (every part, every id
// at its widest) against the documented 1,834 bytes and MaxBundleSize.
func TestMaxBundleSize(t *testing.T) {
	b := testBundle(t, true, true)
	b.RegistrationID, b.SignedPreKeyID, b.OneTimePreKeyID, b.KEMPreKeyID = math.MaxUint32, math.MaxUint32, math.MaxUint32, math.MaxUint32
	enc, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != 1834 || len(enc) > MaxBundleSize {
		t.Fatalf("largest bundle is %d bytes, want 1834 <= MaxBundleSize (%d)", len(enc), MaxBundleSize)
	}
	if _, err := ParseBundle(enc); err != nil {
		t.Fatal(err)
	}
}

// TestMarshalRejects checks that MarshalBinary refuses what ParseBundle
// would refuse, so that every encoding it writes can be read back.
func TestMarshalRejects(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(b *Bundle)
		want   error
	}{
		{"one-time prekey id without key", func(b *Bundle) { b.OneTimePreKey = nil }, ErrMalformedBundle},
		{"KEM prekey id without key", func(b *Bundle) { b.KEMPreKey = nil; b.KEMPreKeySignature = [64]byte{} }, ErrMalformedBundle},
		{"KEM signature without key", func(b *Bundle) { b.KEMPreKey = nil; b.KEMPreKeyID = 0 }, ErrMalformedBundle},
		{"low-order identity", func(b *Bundle) { b.Identity = PublicKey{} }, ErrLowOrderKey},
		{"non-canonical signed prekey", func(b *Bundle) { b.SignedPreKey[31] |= 0x80 }, ErrNonCanonicalKey},
		{"bad KEM key", func(b *Bundle) {
			b.KEMPreKey = &KEMPublicKey{Type: TypeKyber1024, Key: [KEMPublicKeySize]byte{0xff, 0xff}}
		}, ErrBadKEMKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBundle(t, true, true)
			tt.tamper(&b)
			enc, err := b.MarshalBinary()
			if enc != nil || !errors.Is(err, ErrMalformedBundle) || !errors.Is(err, tt.want) {
				t.Fatalf("MarshalBinary = %d bytes, %v; want ErrMalformedBundle and %v", len(enc), err, tt.want)
			}
		})
	}
}

// TestBundleKEMTypes checks bundles of both KEMs: a Kyber-1024 bundle (what
// ratchat publishes) and an ML-KEM-1024 one (what it published before)
// round-trip and verify, each keeping its type; a bundle whose KEM key
// was retyped fails its signature, which covers the type byte.
func TestBundleKEMTypes(t *testing.T) {
	for _, typ := range []KEMType{TypeKyber1024, TypeMLKEM1024} {
		t.Run(typ.String(), func(t *testing.T) {
			b := testBundleOfType(t, true, true, typ)
			enc, err := b.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseBundle(enc)
			if err != nil || got.KEMPreKey.Type != typ {
				t.Fatalf("ParseBundle: %v, type %v", err, got.KEMPreKey.Type)
			}
			if err := got.Verify(); err != nil {
				t.Fatal(err)
			}
			other := TypeKyber1024
			if typ == TypeKyber1024 {
				other = TypeMLKEM1024
			}
			got.KEMPreKey.Type = other
			if err := got.Verify(); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("retyped KEM key: Verify = %v, want ErrBadSignature", err)
			}
		})
	}
}
