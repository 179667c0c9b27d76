package chat

import (
	"context"
	"testing"
	"time"

	"ratchat/store"
)

// onlineTo waits until p sees contact id online.
func (p *profile) onlineTo(id store.ContactID) {
	p.t.Helper()
	if !p.m.Online(id) {
		p.waitPresence(true, 10*time.Second, id)
	}
}

// TestTyping: a typing indicator crosses real sockets as started, then
// stopped, and leaves nothing behind: no row in either history, no item in
// the sender's outbox.
func TestTyping(t *testing.T) {
	ctx := context.Background()
	alice := newProfileWith(t, "alice", "", func(c *Config) { c.PresenceInterval = testPresenceInterval })
	bob := newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	alice.onlineTo(ab.ID)
	for _, typing := range []bool{true, false} {
		if err := alice.m.SetTyping(ctx, ab.ID, typing); err != nil {
			t.Fatal(err)
		}
		bob.waitFor("typing indicator", 10*time.Second, func(e Event) bool {
			c, ok := e.(TypingChanged)
			return ok && c.Contact == ba.ID && c.Typing == typing
		})
	}
	for _, p := range []struct {
		p  *profile
		id store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		rows, _, err := p.p.m.Messages(ctx, p.id, 0, 50)
		if err != nil || len(written(rows)) != 0 {
			t.Fatalf("%s's history after typing: %+v, %v", p.p.name, written(rows), err)
		}
	}
	if items, err := alice.st.Pending(ctx); err != nil || len(items) != 0 {
		t.Fatalf("typing left %d items in the outbox (%v)", len(items), err)
	}
	// The session stayed in step: a message after the indicators arrives.
	if _, err := alice.m.Send(ctx, ab.ID, "after typing"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("after typing")
}

// TestTypingOff: with Privacy.NoTyping nothing goes out; the message sent
// after the call arrives with no indicator before it.
func TestTypingOff(t *testing.T) {
	ctx := context.Background()
	alice := newProfileWith(t, "alice", "", func(c *Config) {
		c.PresenceInterval, c.Privacy.NoTyping = testPresenceInterval, true
	})
	bob := newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	alice.onlineTo(ab.ID)
	if err := alice.m.SetTyping(ctx, ab.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Send(ctx, ab.ID, "no indicator"); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("the message", 10*time.Second, func(e Event) bool {
		if _, ok := e.(TypingChanged); ok {
			t.Fatal("an indicator arrived although alice turned typing off")
		}
		r, ok := e.(MessageReceived)
		return ok && string(r.Message.Body) == "no indicator"
	})
}

// TestTypingOfflineDropped: to a contact whose home does not answer, a
// typing indicator is dropped, never queued for later.
func TestTypingOfflineDropped(t *testing.T) {
	ctx := context.Background()
	alice := newProfileWith(t, "alice", "", func(c *Config) { c.PresenceInterval = testPresenceInterval })
	bob := newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	alice.onlineTo(ab.ID)
	bob.stop()
	alice.waitPresence(false, 10*time.Second, ab.ID)
	if err := alice.m.SetTyping(ctx, ab.ID, true); err != nil {
		t.Fatal(err)
	}
	if items, err := alice.st.Pending(ctx); err != nil || len(items) != 0 {
		t.Fatalf("typing to an offline contact queued %d items (%v)", len(items), err)
	}
}

// TestReadReceiptsOff: with Privacy.NoReadReceipts, reading a message
// marks it read here, and the sender sees it delivered, never read, even
// after a later message from the reader has arrived (receipts travel in
// order before it).
func TestReadReceiptsOff(t *testing.T) {
	ctx := context.Background()
	alice := newProfile(t, "alice", "")
	bob := newProfileWith(t, "bob", "", func(c *Config) { c.Privacy.NoReadReceipts = true })
	ab, ba := connect(t, alice, bob)
	sent, err := alice.m.Send(ctx, ab.ID, "read me")
	if err != nil {
		t.Fatal(err)
	}
	got := bob.waitText("read me")
	alice.waitStatus(sent.ID, store.StatusDelivered)
	if err := bob.m.MarkRead(ctx, ba.ID, got.Seq); err != nil {
		t.Fatal(err)
	}
	if s, _ := bob.m.Summary(ctx, ba.ID); s.Unread != 0 {
		t.Fatalf("bob's unread after reading: %d", s.Unread)
	}
	if _, err := bob.m.Send(ctx, ba.ID, "later"); err != nil {
		t.Fatal(err)
	}
	alice.waitFor("bob's later message", 10*time.Second, func(e Event) bool {
		if s, ok := e.(StatusChanged); ok && s.ID == sent.ID && s.Status == store.StatusRead {
			t.Fatal("a read receipt arrived although bob turned them off")
		}
		r, ok := e.(MessageReceived)
		return ok && string(r.Message.Body) == "later"
	})
	rows, _, err := alice.m.Messages(ctx, ab.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == sent.ID && r.Status != store.StatusDelivered {
			t.Fatalf("alice's message status %v, want delivered", r.Status)
		}
	}
}
