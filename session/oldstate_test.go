package session

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"ratchat/keys"
	"ratchat/spqr"
)

// oldFixture is testdata/state_format2.json: sessions, prekey records and
// messages that ratchat wrote before it spoke Kyber-1024 and kept the SPQR
// authentication key (generated with that commit's code).
type oldFixture struct {
	alice, bob                       Local
	spk                              keys.SignedPreKey
	kem                              keys.KEMPreKey
	alicePending                     []byte
	preKeyMessage                    []byte
	aliceEstablished, bobEstablished []byte
	signalMessage                    []byte
}

func loadOldFixture(t *testing.T) *oldFixture {
	t.Helper()
	data, err := os.ReadFile("testdata/state_format2.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	field := func(name string) []byte {
		s, _ := raw[name].(string)
		b, err := hex.DecodeString(s)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		return b
	}
	local := func(name string, reg float64) Local {
		pair, err := keys.NewKeyPair(keys.PrivateKey(field(name)))
		if err != nil {
			t.Fatal(err)
		}
		return Local{Identity: pair, RegistrationID: uint32(reg)}
	}
	fx := &oldFixture{
		alice:            local("aliceIdentity", raw["aliceRegistrationId"].(float64)),
		bob:              local("bobIdentity", raw["bobRegistrationId"].(float64)),
		alicePending:     field("alicePending"),
		preKeyMessage:    field("preKeyMessage"),
		aliceEstablished: field("aliceEstablished"),
		bobEstablished:   field("bobEstablished"),
		signalMessage:    field("signalMessage"),
	}
	if fx.spk, err = keys.ParseSignedPreKey(field("bobSignedPreKey")); err != nil {
		t.Fatal(err)
	}
	if fx.kem, err = keys.ParseKEMPreKey(field("bobKEMPreKey")); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *oldFixture) bobPreKeys() *memPreKeys {
	return &memPreKeys{
		signed:  map[uint32]keys.SignedPreKey{fx.spk.ID: fx.spk},
		oneTime: map[uint32]keys.OneTimePreKey{},
		kem:     map[uint32]keys.KEMPreKey{fx.kem.ID: fx.kem},
	}
}

func loadState(t *testing.T, b []byte) Session {
	t.Helper()
	if b[len(stateMagic)] != stateFormatV2 {
		t.Fatalf("fixture state of format %d, want 2", b[len(stateMagic)])
	}
	var s Session
	if err := s.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOldSessionsKeepWorking loads what a profile held before the change:
// an established session in format 2 decrypts a message sent across the
// upgrade and talks on both ways, with no SPQR authentication key and no
// SPQR (both sides V0); and a pending PQXDH session's first message
// (ML-KEM-1024 ciphertext, no SPQR message) is refused by a responder that
// now requires SPQR, with nothing kept, and a new session works.
func TestOldSessionsKeepWorking(t *testing.T) {
	fx := loadOldFixture(t)
	if fx.kem.Pair.Public.Type != keys.TypeMLKEM1024 {
		t.Fatalf("old KEM prekey read as %v", fx.kem.Pair.Public.Type)
	}
	t.Run("established", func(t *testing.T) {
		alice := &party{t: t, rand: seededRand(1), local: fx.alice, session: loadState(t, fx.aliceEstablished)}
		bob := &party{t: t, rand: seededRand(2), local: fx.bob, prekeys: fx.bobPreKeys(), session: loadState(t, fx.bobEstablished)}
		if alice.session.current.pqRatchetAuthKey != nil || bob.session.current.pqRatchetAuthKey != nil {
			t.Fatal("a format 2 state came with an SPQR authentication key")
		}
		d := bob.mustReceive(sent{TypeSignal, fx.signalMessage, []byte("in flight across the upgrade")})
		if string(d.Plaintext) != "in flight across the upgrade" {
			t.Fatalf("decrypted %q", d.Plaintext)
		}
		for range 3 {
			alice.mustReceive(bob.send("after the upgrade"))
			bob.mustReceive(alice.send("and back"))
			assertRootsMatch(t, alice, bob)
		}
		raw := bob.snapshot()
		if raw[len(stateMagic)] != stateFormat {
			t.Fatalf("re-saved in format %d", raw[len(stateMagic)])
		}
	})
	t.Run("pending", func(t *testing.T) {
		pm, err := ParsePreKeySignalMessage(fx.preKeyMessage)
		if err != nil || keys.KEMType(pm.KEMCiphertext[0]) != keys.TypeMLKEM1024 {
			t.Fatalf("old prekey message: %v", err)
		}
		alice := &party{t: t, rand: seededRand(3), local: fx.alice, session: loadState(t, fx.alicePending)}
		bob := &party{t: t, rand: seededRand(4), local: fx.bob, prekeys: fx.bobPreKeys()}
		// A first message written before ratchat spoke SPQR carries no
		// field 5: the responder, which now requires SPQR as libsignal
		// does, refuses it (its sender gets a decryption error and sends
		// again over a new session) and keeps no state from it.
		bob.mustRejectUnchanged(sent{TypePreKey, fx.preKeyMessage, nil}, ErrPQRatchet)
		_, err = bob.receive(sent{TypePreKey, fx.preKeyMessage, nil})
		if !errors.Is(err, spqr.ErrMinimumVersion) || bob.session.Established() {
			t.Fatalf("old first message: %v, established %v; want spqr's minimum version refused, no session", err, bob.session.Established())
		}
		if alice.session.SPQR() || !alice.session.Established() {
			t.Fatal("an old pending session loads with SPQR, or not at all")
		}
		// Started over, the session speaks SPQR both ways.
		startSession(t, alice, bob, bundleOptions{kem: true})
		bob.mustReceive(alice.send("again, over a new session"))
		alice.mustReceive(bob.send("reply"))
		if !alice.session.SPQR() || !bob.session.SPQR() {
			t.Fatal("new session without SPQR")
		}
		assertRootsMatch(t, alice, bob)
	})
}
