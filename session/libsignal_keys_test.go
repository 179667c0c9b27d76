package session

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"

	"ratchat/keys"
)

// liveKeyPairs is how many identities each live key test makes on each
// side: XEdDSA carries the Edwards sign bit of the key in the signature,
// and a dozen keys see both values with near certainty (1 - 2^-11).
const liveKeyPairs = 12

// TestLibsignalXEdDSA checks XEdDSA both ways with libsignal-client's
// identity keys: libsignal verifies ratchat's signatures (over a ratchat
// signed prekey and over an arbitrary message) and ratchat verifies
// libsignal's; a changed message or signature is refused by both.
func TestLibsignalXEdDSA(t *testing.T) {
	d := startLibsignal(t)
	message := []byte("ratchat and libsignal agree on XEdDSA")
	verifyLS := func(key, msg, sig []byte) bool {
		t.Helper()
		var r struct {
			Valid bool `json:"valid"`
		}
		d.call("verify", map[string]any{"key": key, "message": msg, "signature": sig}, &r)
		return r.Valid
	}
	for i := range liveKeyPairs {
		t.Run(fmt.Sprintf("ratchat-signs-%d", i), func(t *testing.T) {
			id, err := keys.GenerateKeyPair(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			spk, err := keys.NewSignedPreKey(rand.Reader, id.Private, 7)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := keys.Sign(rand.Reader, id.Private, message)
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name      string
				msg, sig  []byte
				wantValid bool
			}{
				{"signed prekey", spk.Pair.Public.Bytes(), spk.Signature[:], true},
				{"message", message, sig[:], true},
				{"changed message", append(bytes.Clone(message), '!'), sig[:], false},
				{"changed R", message, flipBit(sig[:], 3), false},
				{"changed s", message, flipBit(sig[:], 40), false},
			}
			for _, c := range cases {
				if got := verifyLS(id.Public.Bytes(), c.msg, c.sig); got != c.wantValid {
					t.Errorf("%s: libsignal says valid=%v, want %v", c.name, got, c.wantValid)
				}
			}
		})
		t.Run(fmt.Sprintf("libsignal-signs-%d", i), func(t *testing.T) {
			name := fmt.Sprintf("signer-%d", i)
			idBytes := d.newIdentity(name)
			id, err := keys.ParsePublicKey(idBytes)
			if err != nil {
				t.Fatalf("libsignal's identity key does not parse: %v", err)
			}
			var spk lsPreKey
			d.call("signedPreKey", map[string]any{"name": name, "id": 1}, &spk)
			var sig struct {
				Signature []byte `json:"signature"`
			}
			d.call("sign", map[string]any{"name": name, "message": message}, &sig)
			cases := []struct {
				name      string
				msg, sig  []byte
				wantValid bool
			}{
				{"signed prekey", spk.PublicKey, spk.Signature, true},
				{"message", message, sig.Signature, true},
				{"changed message", append(bytes.Clone(message), '!'), sig.Signature, false},
				{"changed R", message, flipBit(sig.Signature, 3), false},
				{"changed s", message, flipBit(sig.Signature, 40), false},
			}
			for _, c := range cases {
				err := keys.Verify(id, c.msg, c.sig)
				if got := err == nil; got != c.wantValid {
					t.Errorf("%s: ratchat says %v, want valid=%v", c.name, err, c.wantValid)
				}
			}
		})
	}
}

// flipBit returns a copy of b with one bit of byte i changed.
func flipBit(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

// TestLibsignalSafetyNumber checks ratchat's safety number and scannable
// fingerprint against libsignal's Fingerprint for the same identities.
//
// How the identifiers map: libsignal's Fingerprint takes a stable
// identifier per side beside the key; Signal passes the ACI's 16 UUID bytes
// (scannable version 2; version 1 used phone numbers). ratchat has neither,
// so [keys.NewSafetyNumber] and [keys.Scannable] use each side's serialized
// identity key (0x05 || 32 bytes) as its identifier, with 5200 iterations
// and scannable version 2, which is exactly libsignal's
// Fingerprint.new(5200, 2, localKey.serialize(), localKey, remoteKey.serialize(),
// remoteKey). [keys.Fingerprint] takes any identifiers, checked here with
// ACI-like 16-byte ones.
func TestLibsignalSafetyNumber(t *testing.T) {
	d := startLibsignal(t)
	fingerprint := func(iterations int, localID, localKey, remoteID, remoteKey []byte) lsFingerprint {
		t.Helper()
		var f lsFingerprint
		d.call("fingerprint", map[string]any{
			"iterations": iterations, "version": keys.ScannableVersion,
			"localId": localID, "localKey": localKey, "remoteId": remoteID, "remoteKey": remoteKey,
		}, &f)
		return f
	}
	for i := range liveKeyPairs / 2 {
		// One side's key is libsignal's, the other's ratchat's.
		lsKey, err := keys.ParsePublicKey(d.newIdentity(fmt.Sprintf("fp-%d", i)))
		if err != nil {
			t.Fatalf("libsignal's identity key does not parse: %v", err)
		}
		rc, err := keys.GenerateKeyPair(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range []struct {
			name          string
			local, remote keys.PublicKey
		}{{"libsignal local", lsKey, rc.Public}, {"ratchat local", rc.Public, lsKey}} {
			l, r := side.local.Bytes(), side.remote.Bytes()
			want := fingerprint(keys.FingerprintIterations, l, l, r, r)
			if got := keys.NewSafetyNumber(side.local, side.remote).String(); got != want.Display {
				t.Errorf("%d %s: safety number\n got %s\nwant %s", i, side.name, got, want.Display)
			}
			if got := keys.Scannable(side.local, side.remote); !bytes.Equal(got, want.Scannable) {
				t.Errorf("%d %s: scannable\n got %x\nwant %x", i, side.name, got, want.Scannable)
			}
			// Signal's own identifiers: 16-byte ACIs, fewer iterations too.
			aciL, aciR := bytes.Repeat([]byte{byte(i)}, 16), bytes.Repeat([]byte{0xa0 | byte(i)}, 16)
			want = fingerprint(1024, aciL, l, aciR, r)
			if got := keys.Fingerprint(l, aciL, r, aciR, 1024).String(); got != want.Display {
				t.Errorf("%d %s: fingerprint with ACIs\n got %s\nwant %s", i, side.name, got, want.Display)
			}
		}
	}
}

// TestLibsignalBundleKeysParse checks that the public keys of a
// libsignal-client bundle (identity, signed and one-time prekeys, and the
// Kyber-1024 prekey, in libsignal's serialization) parse in ratchat's keys
// package and serialize back to the same bytes, and that both prekey
// signatures verify under the identity key. TestRatchatAcceptsLibsignalBundle
// goes on to start a session from such a bundle.
func TestLibsignalBundleKeysParse(t *testing.T) {
	d := startLibsignal(t)
	d.newIdentity("bob")
	b := d.fullBundle("bob")
	if b.PreKeyID == nil {
		t.Fatal("libsignal's bundle has no one-time prekey")
	}
	parsed := map[string]keys.PublicKey{}
	for name, raw := range map[string][]byte{"identity": b.IdentityKey, "signed prekey": b.SignedPreKey, "one-time prekey": b.PreKey} {
		k, err := keys.ParsePublicKey(raw)
		if err != nil {
			t.Fatalf("%s %x: %v", name, raw, err)
		}
		if !bytes.Equal(k.Bytes(), raw) {
			t.Fatalf("%s: serializes as %x, libsignal wrote %x", name, k.Bytes(), raw)
		}
		parsed[name] = k
	}
	kem, err := keys.ParseKEMPublicKey(b.KyberPreKey)
	if err != nil {
		t.Fatalf("Kyber prekey: %v", err)
	}
	if kem.Type != keys.TypeKyber1024 || !bytes.Equal(kem.Bytes(), b.KyberPreKey) {
		t.Fatalf("Kyber prekey: type %v, serializes back equal: %v", kem.Type, bytes.Equal(kem.Bytes(), b.KyberPreKey))
	}
	if err := keys.Verify(parsed["identity"], b.SignedPreKey, b.SignedPreKeySignature); err != nil {
		t.Fatalf("signed prekey signature: %v", err)
	}
	// libsignal signs the Kyber prekey's serialization with the identity
	// key, as it does the signed prekey's; ratchat checks the same way.
	if err := keys.Verify(parsed["identity"], b.KyberPreKey, b.KyberPreKeySignature); err != nil {
		t.Fatalf("Kyber prekey signature: %v", err)
	}
	if b.SignedPreKeyID != 7 || b.KyberPreKeyID != 9 || *b.PreKeyID != 3 || b.DeviceID != 1 {
		t.Fatalf("bundle ids: signed %d kyber %d one-time %d device %d", b.SignedPreKeyID, b.KyberPreKeyID, *b.PreKeyID, b.DeviceID)
	}
}
