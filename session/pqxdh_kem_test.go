package session

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/keys"
)

// TestInitiateKEMTypes checks the initiator's side of the KEM choice: a
// bundle's KEM prekey of an unknown type is refused with a clear error,
// and one retyped to the other KEM fails its signature (which covers the
// type byte), so no one can make us encapsulate under a KEM its owner did
// not choose.
func TestInitiateKEMTypes(t *testing.T) {
	rows := []struct {
		name string
		from keys.KEMType
		to   keys.KEMType
		want []error
	}{
		{"Kyber key retyped 0x07", keys.TypeKyber1024, 0x07, []error{ErrBadBundle, keys.ErrKeyType}},
		{"ML-KEM key retyped 0x00", keys.TypeMLKEM1024, 0x00, []error{ErrBadBundle, keys.ErrKeyType}},
		{"Kyber key retyped ML-KEM", keys.TypeKyber1024, keys.TypeMLKEM1024, []error{ErrBadBundle, keys.ErrBadSignature}},
		{"ML-KEM key retyped Kyber", keys.TypeMLKEM1024, keys.TypeKyber1024, []error{ErrBadBundle, keys.ErrBadSignature}},
	}
	for i, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(801+10*i)), newParty(t, uint64(802+10*i))
			b := bob.bundle(bundleOptions{kem: true, kemType: r.from})
			b.KEMPreKey.Type = r.to
			_, err := Initiate(alice.rand, alice.local, b)
			for _, want := range r.want {
				if !errors.Is(err, want) {
					t.Errorf("Initiate = %v, want %v", err, want)
				}
			}
		})
	}
}

// TestRespondKEMMismatch checks the responder's side: a first message
// whose KEM ciphertext is typed for the other KEM than the prekey it
// names is malformed (keys.ErrKEMMismatch), and the session is unchanged;
// the untouched message then starts the session.
func TestRespondKEMMismatch(t *testing.T) {
	for i, typ := range []keys.KEMType{keys.TypeKyber1024, keys.TypeMLKEM1024} {
		t.Run(typ.String(), func(t *testing.T) {
			alice, bob := newParty(t, uint64(851+10*i)), newParty(t, uint64(852+10*i))
			startSession(t, alice, bob, bundleOptions{kem: true, kemType: typ})
			first := alice.send("hello")
			pm, err := ParsePreKeySignalMessage(first.body)
			if err != nil {
				t.Fatal(err)
			}
			other := keys.TypeMLKEM1024
			if typ == keys.TypeMLKEM1024 {
				other = keys.TypeKyber1024
			}
			// The type byte is the ciphertext's first byte, which appears
			// once in the message: swap it in place.
			at := bytes.Index(first.body, pm.KEMCiphertext)
			retyped := bytes.Clone(first.body)
			retyped[at] = byte(other)
			err = bob.mustRejectUnchanged(sent{first.typ, retyped, nil}, ErrMalformed)
			if !errors.Is(err, keys.ErrKEMMismatch) {
				t.Fatalf("decrypt = %v, want keys.ErrKEMMismatch", err)
			}
			bob.mustReceive(first)
			alice.mustReceive(bob.send("reply"))
			assertPQAuthKeysMatch(t, alice, bob, true)
		})
	}
}
