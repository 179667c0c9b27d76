package session

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"ratchat/keys"
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
// upgrade and talks on both ways, with no SPQR authentication key; and a
// pending PQXDH session's first message (ML-KEM-1024 ciphertext) starts a
// session on a responder whose KEM prekey is a version-1 record.
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
		d := bob.mustReceive(sent{TypePreKey, fx.preKeyMessage, []byte("first, before the upgrade")})
		if !d.NewSession || !d.UsedKEMPreKey || d.KEMPreKeyID != fx.kem.ID {
			t.Fatalf("decrypted %+v", d)
		}
		// The responder derives the key now; the initiator, stored before,
		// has none. Both keep talking: the Double Ratchet does not use it.
		if bob.session.current.pqRatchetAuthKey == nil || alice.session.current.pqRatchetAuthKey != nil {
			t.Fatal("SPQR authentication keys: want the responder's only")
		}
		alice.mustReceive(bob.send("reply"))
		bob.mustReceive(alice.send("and on"))
		assertRootsMatch(t, alice, bob)
	})
}
