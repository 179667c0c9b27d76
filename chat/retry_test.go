package chat

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// waitTexts waits until each text arrived, failing if one arrives twice.
func (p *profile) waitTexts(texts ...string) {
	p.t.Helper()
	want := map[string]int{}
	for _, s := range texts {
		want[s] = 0
	}
	left := len(texts)
	p.waitFor(fmt.Sprintf("messages %q", texts), 20*time.Second, func(e Event) bool {
		r, ok := e.(MessageReceived)
		if !ok {
			return false
		}
		n, wanted := want[string(r.Message.Body)]
		if !wanted {
			return false
		}
		if n > 0 {
			p.t.Fatalf("%s: %q received twice", p.name, r.Message.Body)
		}
		want[string(r.Message.Body)]++
		left--
		return left == 0
	})
}

// waitDelivered waits until each message is delivered (✓✓).
func (p *profile) waitDelivered(ids ...store.MessageID) {
	p.t.Helper()
	left := map[store.MessageID]bool{}
	for _, id := range ids {
		left[id] = true
	}
	p.waitFor("delivered", 20*time.Second, func(e Event) bool {
		s, ok := e.(StatusChanged)
		if ok && s.Status >= store.StatusDelivered && s.Status != store.StatusFailed {
			delete(left, s.ID)
		}
		return len(left) == 0
	})
}

// countTexts counts the rows of a conversation holding text.
func countTexts(t *testing.T, st *store.Store, id store.ContactID, text string) int {
	t.Helper()
	rows, _, err := st.Messages(context.Background(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if string(r.Body) == text {
			n++
		}
	}
	return n
}

// TestRetryAfterRestore: bob restores a backup, so his sessions start
// anew; what alice sent on the old session meanwhile fails to decrypt,
// bob answers with decryption errors, and alice re-sends: each message
// arrives once, and alice sees each delivered.
func TestRetryAfterRestore(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	if _, err := bob.m.Send(ctx, ba.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hello")
	backup, key := bob.backup()

	texts := []string{"while you were away 1", "while you were away 2", "while you were away 3"}
	var ids []store.MessageID
	for _, s := range texts {
		msg, err := alice.m.Send(ctx, ab.ID, s)
		if err != nil {
			t.Fatal(err)
		}
		alice.waitStatus(msg.ID, store.StatusSent) // at bob's home, on the old session
		ids = append(ids, msg.ID)
	}

	bob2 := restoreProfile(t, "bob", backup, key, relay.addr, "")
	st := bob2.st

	bob2.waitTexts(texts...)
	alice.waitDelivered(ids...)
	for _, s := range texts {
		if n := countTexts(t, st, ba.ID, s); n != 1 {
			t.Fatalf("%q stored %d times", s, n)
		}
	}
}

// sendTamperedRow is Send with the ratchet message's last byte (its MAC)
// flipped before sealing: the envelope is alice's, the message fails.
func sendTamperedRow(t *testing.T, p *profile, id store.ContactID, text string) store.MessageID {
	t.Helper()
	ctx, m := context.Background(), p.m
	c := &Content{Kind: KindText, Text: text}
	if err := m.stamp(c); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	contact, s, err := m.sendable(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	plaintext, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	typ, msg, err := s.Encrypt(rand.Reader, plaintext)
	if err != nil || typ != session.TypeSignal {
		t.Fatalf("encrypt: type %d, %v", typ, err)
	}
	msg[len(msg)-1] ^= 1
	env, err := transport.SealEnvelope(m.rand, &m.identity, contact.Identity, uint8(typ), msg)
	if err != nil {
		t.Fatal(err)
	}
	state, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	row := store.Message{Conversation: id, ID: c.ID, Direction: store.Outgoing, Body: []byte(text),
		Sent: c.Sent, Received: c.Sent, Status: store.StatusQueued, StatusAt: c.Sent}
	if _, _, err := m.st.CommitSent(ctx, store.Sent{Message: row, Session: state, Payload: env}); err != nil {
		t.Fatal(err)
	}
	m.wakeOutbox()
	return c.ID
}

// TestRetryTamperedMessage: a message altered on the way fails at bob,
// who shows the failure and tells alice; alice starts a fresh session and
// re-sends, and bob has the message once.
func TestRetryTamperedMessage(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := bob.m.Send(ctx, ba.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hello") // alice's next messages are SignalMessages
	id := sendTamperedRow(t, alice, ab.ID, "altered on the way")
	bob.waitFor("a failure line", 10*time.Second, func(e Event) bool {
		s, ok := e.(MessageStored)
		return ok && s.Contact == ba.ID && s.Message.Kind == store.KindDecryptFailed
	})
	alice.waitFor("a fresh session", 10*time.Second, func(e Event) bool {
		r, ok := e.(SessionReset)
		return ok && r.Contact == ab.ID
	})
	bob.waitTexts("altered on the way")
	alice.waitDelivered(id)
	if n := countTexts(t, bob.st, ba.ID, "altered on the way"); n != 1 {
		t.Fatalf("stored %d times", n)
	}
}

// TestRetryFloodResetsOnce: a contact's flood of decryption errors, all
// naming alice's current session, makes alice reset once, not once each.
func TestRetryFloodResetsOnce(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := bob.m.Send(ctx, ba.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hello")
	alice.m.mu.Lock()
	s := new(session.Session)
	err := alice.m.loadSession(ctx, ab.ID, s)
	alice.m.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	current, ok := s.SenderRatchetKey()
	if !ok {
		t.Fatal("alice has no session")
	}
	const flood = 30
	for i := range flood {
		dem := &session.DecryptionErrorMessage{RatchetKey: current, HasRatchetKey: true,
			Timestamp: uint64(time.Now().UnixMilli()) + uint64(i), DeviceID: session.DefaultDeviceID}
		env, err := transport.SealEnvelope(rand.Reader, &bob.m.identity, alice.m.Identity(), transport.TypePlaintext, session.NewPlaintextContent(dem))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.st.Enqueue(ctx, store.OutboxItem{Contact: ba.ID, Payload: env}); err != nil {
			t.Fatal(err)
		}
	}
	// Bob's outbox keeps order: this arrives after every forged error.
	if _, err := bob.m.Send(ctx, ba.ID, "end of the flood"); err != nil {
		t.Fatal(err)
	}
	resets := 0
	alice.waitFor("the end of the flood", 20*time.Second, func(e Event) bool {
		if r, ok := e.(SessionReset); ok && r.Contact == ab.ID {
			resets++
		}
		r, ok := e.(MessageReceived)
		return ok && string(r.Message.Body) == "end of the flood"
	})
	if resets != 1 {
		t.Fatalf("%d resets for %d errors, want 1", resets, flood)
	}
	if _, err := alice.m.Send(ctx, ab.ID, "still talking"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("still talking")
}
