package chat

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// TestStoreFailureLeavesEnvelopeAtHome: when bob's store fails while the
// first message from alice is decrypted (its signed prekey record is
// damaged on disk, so the store says store.ErrDecrypt), the envelope is
// not acknowledged: bob drops the home connection with the store's error,
// the home delivers the envelope again, and once the record is repaired
// the message arrives, exactly once.
func TestStoreFailureLeavesEnvelopeAtHome(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	repair := damagePreKey(t, bob, store.KindSignedPreKey, firstLongLivedID)
	ab, err := alice.m.AddContact(ctx, bob.invite(), bob.name)
	if err != nil {
		t.Fatal(err)
	}
	const text = "hello through a failing store"
	sent, err := alice.m.Send(ctx, ab.ID, text)
	if err != nil {
		t.Fatal(err)
	}
	// The damaged record may also fail a prekey upload (which drops the
	// connection too): wait for a drop after the envelope was delivered.
	e := bob.waitFor("home connection dropped by the store error", 10*time.Second, func(e Event) bool {
		h, ok := e.(HomeState)
		return ok && !h.Connected && errors.Is(h.Err, store.ErrDecrypt) && bob.m.server.Stats().EnvelopesDelivered > 0
	})
	if err := e.(HomeState).Err; errors.Is(err, session.ErrUnknownPreKey) || session.IsProtocolError(err) || errors.Is(err, errUndeliverable) {
		t.Fatalf("a store failure was taken for the peer's bad message: %v", err)
	}
	failed := bob.m.server.Stats()
	if failed.EnvelopesDelivered == 0 || failed.EnvelopesAcked != 0 {
		t.Fatalf("home after the failure: %d delivered, %d acknowledged; want some delivered, none acknowledged",
			failed.EnvelopesDelivered, failed.EnvelopesAcked)
	}
	repair()
	got := bob.waitText(text)
	if got.ID != sent.ID {
		t.Fatalf("bob got message %v, alice sent %v", got.ID, sent.ID)
	}
	if after := bob.m.server.Stats(); after.EnvelopesDelivered <= failed.EnvelopesDelivered {
		t.Fatalf("the message arrived without a redelivery: %d delivered, %d before", after.EnvelopesDelivered, failed.EnvelopesDelivered)
	}
	ba, err := bob.st.ContactByIdentity(ctx, alice.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	if n := countText(t, bob, ba.ID, text); n != 1 {
		t.Fatalf("bob holds %d copies of the message, want 1", n)
	}
	if err := bob.m.Accept(ctx, ba.ID); err != nil { // alice is a request until then: no receipt
		t.Fatal(err)
	}
	alice.waitStatus(sent.ID, store.StatusDelivered)
}

// TestTamperedEnvelopeIsDropped: a message that can never decrypt (its MAC
// fails) is acknowledged and dropped, not retried: the home connection
// stays up, the next message arrives, and the tampered one is nowhere.
func TestTamperedEnvelopeIsDropped(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	// A reply makes alice's session established: her next message is a
	// plain SignalMessage, whose last bytes are its MAC.
	if _, err := bob.m.Send(ctx, ba.ID, "hi"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hi")
	const tampered, next = "tampered on the way", "the next message"
	sendTampered(t, alice, ab, tampered)
	// Nothing is dropped in silence: bob's chat says a message was lost.
	bob.waitLine(ba.ID, store.KindDecryptFailed)
	if _, err := alice.m.Send(ctx, ab.ID, next); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("message "+next, 10*time.Second, func(e Event) bool {
		if h, ok := e.(HomeState); ok && !h.Connected {
			t.Fatalf("bob's home connection dropped (%v): the tampered envelope was not acknowledged", h.Err)
		}
		r, ok := e.(MessageReceived)
		return ok && string(r.Message.Body) == next
	})
	if n := countText(t, bob, ba.ID, tampered); n != 0 {
		t.Fatalf("bob holds %d copies of the tampered message", n)
	}
}

// damagePreKey damages p's stored prekey record in the database file, as
// a failing disk would: one flipped bit, so that the store can no longer
// open it (store.ErrDecrypt). It returns the repair, which writes the
// record back as it was.
func damagePreKey(t *testing.T, p *profile, kind store.PreKeyKind, id uint32) (repair func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(p.st.Dir(), "ratchat.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const query = `SELECT record FROM prekeys WHERE kind = ? AND id = ?`
	var record []byte
	if err := db.QueryRow(query, kind, id).Scan(&record); err != nil {
		t.Fatal(err)
	}
	set := func(b []byte) {
		t.Helper()
		res, err := db.Exec(`UPDATE prekeys SET record = ? WHERE kind = ? AND id = ?`, b, kind, id)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("updated %d prekey records (%v), want 1", n, err)
		}
	}
	damaged := bytes.Clone(record)
	damaged[len(damaged)-1] ^= 1
	set(damaged)
	if _, err := p.st.PreKey(context.Background(), store.PreKeyRef{Kind: kind, ID: id}); !errors.Is(err, store.ErrDecrypt) {
		t.Fatalf("damaged prekey reads as %v, want store.ErrDecrypt", err)
	}
	return func() { set(record) }
}

// sendTampered queues in from's outbox, to contact c, the session's next
// message with its last bit (in the MAC) flipped, sealed as the messenger
// seals. The stored session stays as it was, so the next real message
// takes the tampered one's place in the chain.
func sendTampered(t *testing.T, from *profile, c store.Contact, text string) {
	t.Helper()
	ctx := context.Background()
	m := from.m
	m.mu.Lock()
	defer m.mu.Unlock()
	var s session.Session
	if err := m.loadSession(ctx, c.ID, &s); err != nil {
		t.Fatal(err)
	}
	state, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	content := &Content{Kind: KindText, Text: text}
	if err := m.stamp(content); err != nil {
		t.Fatal(err)
	}
	plaintext, err := content.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	typ, msg, err := s.Encrypt(m.rand, plaintext)
	if err != nil || typ != session.TypeSignal {
		t.Fatalf("encrypt: type %d, %v; want a SignalMessage", typ, err)
	}
	msg[len(msg)-1] ^= 1
	envelope, err := transport.SealEnvelope(m.rand, &m.identity, c.Identity, uint8(typ), msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.CommitControlSent(ctx, c.ID, state, envelope); err != nil {
		t.Fatal(err)
	}
	m.wakeOutbox()
}

// countText counts the messages of a conversation with this text.
func countText(t *testing.T, p *profile, id store.ContactID, text string) int {
	t.Helper()
	msgs, _, err := p.st.Messages(context.Background(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if string(m.Body) == text {
			n++
		}
	}
	return n
}
