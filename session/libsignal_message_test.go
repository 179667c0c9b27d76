package session

import (
	"bytes"
	"fmt"
	"testing"

	"ratchat/keys"
)

// lsConversation drives a libsignal-client conversation between alice and
// bob (bob's bundle has all three prekeys) and returns every message in the
// order sent, each as libsignal described it at encryption. Each message is
// decrypted by its receiver before the next is sent.
func lsConversation(t *testing.T, d *libsignalDriver, turns []struct {
	from, to string
	n        int
}) []lsCiphertext {
	t.Helper()
	d.newIdentity("alice")
	d.newIdentity("bob")
	d.call("processBundle", map[string]any{"name": "alice", "peer": "bob", "bundle": d.fullBundle("bob")}, nil)
	var out []lsCiphertext
	for _, turn := range turns {
		for i := range turn.n {
			pt := []byte(fmt.Sprintf("%s to %s, %d", turn.from, turn.to, i))
			var c lsCiphertext
			d.call("encrypt", map[string]any{"name": turn.from, "to": turn.to, "plaintext": pt}, &c)
			var got struct {
				Plaintext []byte `json:"plaintext"`
			}
			d.call("decrypt", map[string]any{"name": turn.to, "from": turn.from, "type": c.Type, "body": c.Body}, &got)
			if !bytes.Equal(got.Plaintext, pt) {
				t.Fatalf("libsignal decrypted %q, want %q", got.Plaintext, pt)
			}
			out = append(out, c)
		}
	}
	return out
}

// TestLibsignalSignalMessagesParse checks that libsignal-client's
// SignalMessages (version 4, with the SPQR message in field 5) parse in
// ratchat with the fields libsignal reports: version, counter, ciphertext,
// and the serialization kept byte for byte; the ratchet key stays the same
// within a sending chain and changes with each turn, and the previous
// counter of a new chain is the counter of the sender's last message in its
// previous chain (libsignal's index - 1, not the chain's length, as ratchat
// writes it too).
//
// alice's first message, a PreKeySignalMessage, is TestLibsignalPreKeyMessageParses's.
// Decrypting them is libsignal_conversation_test.go's.
func TestLibsignalSignalMessagesParse(t *testing.T) {
	d := startLibsignal(t)
	msgs := lsConversation(t, d, []struct {
		from, to string
		n        int
	}{{"alice", "bob", 1}, {"bob", "alice", 3}, {"alice", "bob", 2}, {"bob", "alice", 2}})
	if msgs[0].Type != TypePreKey {
		t.Fatalf("alice's first message has type %d, want %d", msgs[0].Type, TypePreKey)
	}
	want := []struct {
		sender          string
		counter, prev   uint32
		sameRatchetAsUp bool // same chain as the message before
	}{
		{"bob", 0, 0, false}, {"bob", 1, 0, true}, {"bob", 2, 0, true},
		{"alice", 0, 0, false}, {"alice", 1, 0, true},
		{"bob", 0, 2, false}, {"bob", 1, 2, true},
	}
	var last keys.PublicKey
	for i, w := range want {
		c := msgs[i+1]
		if c.Type != TypeSignal {
			t.Fatalf("message %d has type %d, want %d", i+1, c.Type, TypeSignal)
		}
		m, err := ParseSignalMessage(c.Body)
		if err != nil {
			t.Fatalf("message %d (%s): %v", i+1, w.sender, err)
		}
		if m.Version != VersionPQXDH || m.Version != c.Version {
			t.Errorf("message %d: version %d, libsignal says %d", i+1, m.Version, c.Version)
		}
		if m.Counter != c.Counter || m.Counter != w.counter || m.PreviousCounter != w.prev {
			t.Errorf("message %d: counter %d previous %d, libsignal says counter %d, want %d and %d",
				i+1, m.Counter, m.PreviousCounter, c.Counter, w.counter, w.prev)
		}
		if !bytes.Equal(m.Ciphertext, c.Ciphertext) || !bytes.Equal(m.Bytes(), c.Body) {
			t.Errorf("message %d: ciphertext or serialization differs from libsignal's", i+1)
		}
		if len(c.PQRatchet) == 0 {
			t.Errorf("message %d: libsignal sent no SPQR message (field 5)", i+1)
		}
		if same := m.RatchetKey == last; same != w.sameRatchetAsUp {
			t.Errorf("message %d: ratchet key same as the previous message's: %v, want %v", i+1, same, w.sameRatchetAsUp)
		}
		last = m.RatchetKey
	}
}

// TestRatchatMessagesParseInLibsignal checks the other way: the
// PreKeySignalMessage and SignalMessages of a ratchat PQXDH session
// deserialize in libsignal-client, which reads the same version, ids,
// counters and ciphertexts, and the same SPQR message (field 5).
func TestRatchatMessagesParseInLibsignal(t *testing.T) {
	d := startLibsignal(t)
	alice, bob := newParty(t, 1), newParty(t, 2)
	startSession(t, alice, bob, bundleOptions{oneTime: true, kem: true})
	parse := func(m sent) lsCiphertext {
		t.Helper()
		var c lsCiphertext
		d.call("parse", map[string]any{"type": m.typ, "body": m.body}, &c)
		return c
	}

	first := alice.send("hello")
	bob.mustReceive(first)
	pk, err := ParsePreKeySignalMessage(first.body)
	if err != nil {
		t.Fatal(err)
	}
	c := parse(first)
	if c.Version != pk.Version || c.RegistrationID != alice.local.RegistrationID ||
		c.PreKeyID == nil || *c.PreKeyID != pk.PreKeyID || c.SignedPreKeyID != pk.SignedPreKeyID {
		t.Fatalf("libsignal reads the prekey message as %+v, ratchat wrote version %d registration %d prekeys %d/%d",
			c, pk.Version, alice.local.RegistrationID, pk.PreKeyID, pk.SignedPreKeyID)
	}

	for i, from := range []*party{bob, bob, alice, bob} {
		to := alice
		if from == alice {
			to = bob
		}
		m := from.send(fmt.Sprintf("message %d", i))
		to.mustReceive(m)
		sm, err := ParseSignalMessage(m.body)
		if err != nil {
			t.Fatal(err)
		}
		c := parse(m)
		if c.Version != sm.Version || c.Counter != sm.Counter || !bytes.Equal(c.Ciphertext, sm.Ciphertext) ||
			len(sm.PQRatchet) == 0 || !bytes.Equal(c.PQRatchet, sm.PQRatchet) {
			t.Errorf("message %d: libsignal reads version %d counter %d, ratchat wrote %d and %d (or the ciphertexts or SPQR messages differ)",
				i, c.Version, c.Counter, sm.Version, sm.Counter)
		}
	}
}

// TestLibsignalSessionSaveLoad checks the driver's saveSession and
// loadSession, which the live conversation tests use to save and load
// sessions mid-conversation: a record saved before a message and loaded
// after it takes the session back, so the next message reuses the counter.
func TestLibsignalSessionSaveLoad(t *testing.T) {
	d := startLibsignal(t)
	lsConversation(t, d, []struct {
		from, to string
		n        int
	}{{"alice", "bob", 1}, {"bob", "alice", 2}})
	var saved struct {
		Record []byte `json:"record"`
	}
	d.call("saveSession", map[string]any{"name": "bob", "peer": "alice"}, &saved)
	if len(saved.Record) == 0 {
		t.Fatal("empty session record")
	}
	send := func() lsCiphertext {
		t.Helper()
		var c lsCiphertext
		d.call("encrypt", map[string]any{"name": "bob", "to": "alice", "plaintext": []byte("again")}, &c)
		return c
	}
	before := send()
	if before.Counter != 2 {
		t.Fatalf("bob's third message has counter %d, want 2", before.Counter)
	}
	d.call("loadSession", map[string]any{"name": "bob", "peer": "alice", "record": saved.Record}, nil)
	if after := send(); after.Counter != before.Counter {
		t.Fatalf("after loading the saved session: counter %d, want %d again", after.Counter, before.Counter)
	}
	if err := d.try("saveSession", map[string]any{"name": "bob", "peer": "carol"}, nil); err == nil {
		t.Fatal("saveSession of a session that does not exist succeeded")
	}
}
