package session

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"ratchat/keys"
)

// lsBundleOf writes a ratchat bundle with libsignal's field names and
// serializations, as the driver's processBundle takes it.
func lsBundleOf(b *keys.Bundle) lsBundle {
	out := lsBundle{
		RegistrationID:        b.RegistrationID,
		DeviceID:              1,
		IdentityKey:           b.Identity.Bytes(),
		SignedPreKeyID:        b.SignedPreKeyID,
		SignedPreKey:          b.SignedPreKey.Bytes(),
		SignedPreKeySignature: bytes.Clone(b.SignedPreKeySignature[:]),
		KyberPreKeyID:         b.KEMPreKeyID,
		KyberPreKey:           b.KEMPreKey.Bytes(),
		KyberPreKeySignature:  bytes.Clone(b.KEMPreKeySignature[:]),
	}
	if b.OneTimePreKey != nil {
		id := b.OneTimePreKeyID
		out.PreKeyID, out.PreKey = &id, b.OneTimePreKey.Bytes()
	}
	return out
}

// ratchatBundleOf reads a libsignal-client bundle into ratchat's type,
// parsing every key with the keys package.
func ratchatBundleOf(t *testing.T, ls lsBundle) *keys.Bundle {
	t.Helper()
	parse := func(name string, raw []byte) keys.PublicKey {
		t.Helper()
		k, err := keys.ParsePublicKey(raw)
		if err != nil {
			t.Fatalf("libsignal's %s: %v", name, err)
		}
		return k
	}
	kem, err := keys.ParseKEMPublicKey(ls.KyberPreKey)
	if err != nil {
		t.Fatalf("libsignal's Kyber prekey: %v", err)
	}
	b := &keys.Bundle{
		RegistrationID: ls.RegistrationID,
		Identity:       parse("identity key", ls.IdentityKey),
		SignedPreKeyID: ls.SignedPreKeyID,
		SignedPreKey:   parse("signed prekey", ls.SignedPreKey),
		KEMPreKeyID:    ls.KyberPreKeyID,
		KEMPreKey:      &kem,
	}
	copy(b.SignedPreKeySignature[:], ls.SignedPreKeySignature)
	copy(b.KEMPreKeySignature[:], ls.KyberPreKeySignature)
	if ls.PreKeyID != nil {
		otk := parse("one-time prekey", ls.PreKey)
		b.OneTimePreKeyID, b.OneTimePreKey = *ls.PreKeyID, &otk
	}
	return b
}

// TestLibsignalAcceptsRatchatBundle checks that libsignal-client's
// processPreKeyBundle accepts a ratchat bundle with a Kyber-1024 prekey
// (both signatures valid in libsignal's eyes), and refuses it when either
// signature or the Kyber key's type byte is changed.
func TestLibsignalAcceptsRatchatBundle(t *testing.T) {
	d := startLibsignal(t)
	bob := newParty(t, 2)
	good := lsBundleOf(bob.bundle(bundleOptions{oneTime: true, kem: true}))
	if good.KyberPreKey[0] != byte(keys.TypeKyber1024) {
		t.Fatalf("ratchat's bundle has a KEM prekey of type 0x%02x, want Kyber-1024", good.KyberPreKey[0])
	}
	cases := []struct {
		name   string
		change func(*lsBundle)
		ok     bool
	}{
		{"as published", func(*lsBundle) {}, true},
		{"without one-time prekey", func(b *lsBundle) { b.PreKeyID, b.PreKey = nil, nil }, true},
		{"signed prekey signature changed", func(b *lsBundle) { b.SignedPreKeySignature = flipBit(b.SignedPreKeySignature, 5) }, false},
		{"Kyber prekey signature changed", func(b *lsBundle) { b.KyberPreKeySignature = flipBit(b.KyberPreKeySignature, 5) }, false},
		{"Kyber prekey changed", func(b *lsBundle) { b.KyberPreKey = flipBit(b.KyberPreKey, 100) }, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := good
			c.change(&b)
			alice := "alice-" + string(rune('a'+i))
			d.newIdentity(alice)
			err := d.try("processBundle", map[string]any{"name": alice, "peer": "bob", "bundle": b}, nil)
			if c.ok && err != nil {
				t.Fatalf("libsignal refused: %v", err)
			}
			if !c.ok && !errors.Is(err, errLibsignal) {
				t.Fatalf("libsignal accepted it (%v)", err)
			}
		})
	}
}

// TestRatchatAcceptsLibsignalBundle checks that a libsignal-client bundle
// (Kyber-1024 prekey included) parses in ratchat's keys package, verifies,
// and starts a ratchat PQXDH session whose first message names libsignal's
// prekeys.
func TestRatchatAcceptsLibsignalBundle(t *testing.T) {
	d := startLibsignal(t)
	d.newIdentity("bob")
	b := ratchatBundleOf(t, d.fullBundle("bob"))
	if err := b.Verify(); err != nil {
		t.Fatalf("libsignal's bundle does not verify in ratchat: %v", err)
	}
	if b.KEMPreKey.Type != keys.TypeKyber1024 {
		t.Fatalf("libsignal's KEM prekey has type %v, want Kyber-1024", b.KEMPreKey.Type)
	}
	alice := newParty(t, 1)
	s, err := Initiate(rand.Reader, alice.local, b)
	if err != nil {
		t.Fatalf("ratchat's session start refused libsignal's bundle: %v", err)
	}
	typ, body, err := s.Encrypt(rand.Reader, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParsePreKeySignalMessage(body)
	if typ != TypePreKey || err != nil {
		t.Fatalf("first message: type %d, %v", typ, err)
	}
	if m.Version != VersionPQXDH || m.SignedPreKeyID != 7 || !m.HasPreKeyID || m.PreKeyID != 3 || m.KEMPreKeyID != 9 ||
		m.KEMCiphertext[0] != byte(keys.TypeKyber1024) {
		t.Fatalf("first message: version %d, prekeys %d/%d/%d, KEM ciphertext type 0x%02x",
			m.Version, m.SignedPreKeyID, m.PreKeyID, m.KEMPreKeyID, m.KEMCiphertext[0])
	}
	// libsignal reads it too (and decrypts it: libsignal_conversation_test.go).
	var c lsCiphertext
	d.call("parse", map[string]any{"type": typ, "body": body}, &c)
	if c.Version != VersionPQXDH || c.SignedPreKeyID != 7 || c.PreKeyID == nil || *c.PreKeyID != 3 {
		t.Fatalf("libsignal reads ratchat's first message as %+v", c)
	}
}

// TestLibsignalPreKeyMessageParses checks that libsignal-client's first
// message (a PreKeySignalMessage with a Kyber-1024 ciphertext), whether to
// a libsignal bundle or to a ratchat one, parses in ratchat's session
// package with the fields libsignal reports and the keys it used.
func TestLibsignalPreKeyMessageParses(t *testing.T) {
	d := startLibsignal(t)
	const aliceRegistration = 4321
	var alice lsIdentity
	d.call("newIdentity", map[string]any{"name": "alice", "registrationId": aliceRegistration}, &alice)
	rbob := newParty(t, 2)
	d.newIdentity("bob")
	bundles := map[string]lsBundle{
		"libsignal bob": d.fullBundle("bob"),
		"ratchat bob":   lsBundleOf(rbob.bundle(bundleOptions{oneTime: true, kem: true})),
	}
	for name, bundle := range bundles {
		t.Run(name, func(t *testing.T) {
			peer := "bob"
			if name == "ratchat bob" {
				peer = "rbob"
			}
			d.call("processBundle", map[string]any{"name": "alice", "peer": peer, "bundle": bundle}, nil)
			var c lsCiphertext
			d.call("encrypt", map[string]any{"name": "alice", "to": peer, "plaintext": []byte("hello")}, &c)
			if c.Type != TypePreKey {
				t.Fatalf("type %d, want %d", c.Type, TypePreKey)
			}
			m, err := ParsePreKeySignalMessage(c.Body)
			if err != nil {
				t.Fatalf("ratchat does not parse libsignal's first message: %v", err)
			}
			if m.Version != c.Version || m.Version != VersionPQXDH || m.RegistrationID != aliceRegistration ||
				!m.HasPreKeyID || m.PreKeyID != *bundle.PreKeyID || m.SignedPreKeyID != bundle.SignedPreKeyID ||
				m.KEMPreKeyID != bundle.KyberPreKeyID {
				t.Fatalf("ratchat reads version %d registration %d prekeys %d/%d/%d; libsignal sent %+v to bundle %d/%d/%d",
					m.Version, m.RegistrationID, m.PreKeyID, m.SignedPreKeyID, m.KEMPreKeyID,
					c, *bundle.PreKeyID, bundle.SignedPreKeyID, bundle.KyberPreKeyID)
			}
			if !bytes.Equal(m.Identity.Bytes(), alice.IdentityKey) || m.KEMCiphertext[0] != byte(keys.TypeKyber1024) {
				t.Fatalf("identity %x (want %x), KEM ciphertext type 0x%02x", m.Identity.Bytes(), alice.IdentityKey, m.KEMCiphertext[0])
			}
			if m.Message.Version != VersionPQXDH || m.Message.Counter != 0 || !bytes.Equal(m.Bytes(), c.Body) {
				t.Fatalf("inner message: version %d counter %d", m.Message.Version, m.Message.Counter)
			}
		})
	}
}
