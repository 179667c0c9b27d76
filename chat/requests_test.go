package chat

import (
	"context"
	"errors"
	"testing"
	"time"

	"ratchat/store"
)

// TestImpostorLandsInRequests: on one relay (one address for everyone),
// mallory calls herself "alice" and writes to bob with bob's invite. She
// lands in bob's requests, marked; bob's verified alice keeps her key and
// her mark, and alice's next message arrives in her own chat.
func TestImpostorLandsInRequests(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	mallory := newProfile(t, "alice", relay.addr) // the same name, another key
	ba, _ := connect(t, bob, alice)
	if err := bob.m.SetVerified(ctx, ba.ID, true); err != nil {
		t.Fatal(err)
	}
	mb, err := mallory.m.AddContact(ctx, bob.invite(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.m.Send(ctx, mb.ID, "it's me, alice, new phone"); err != nil {
		t.Fatal(err)
	}
	forged := bob.waitText("it's me, alice, new phone")
	if forged.Conversation == ba.ID {
		t.Fatal("the impostor's message landed in alice's chat")
	}
	requests, err := bob.m.Requests(ctx)
	if err != nil || len(requests) != 1 || requests[0].Contact.ID != forged.Conversation ||
		requests[0].SameName != ba.ID || requests[0].Mark != "not the same key as your contact alice" {
		t.Fatalf("requests %+v, %v", requests, err)
	}
	if c, err := bob.st.Contact(ctx, ba.ID); err != nil || c.Identity != alice.m.Identity() || !c.Verified || c.Held {
		t.Fatalf("bob's alice after the impostor: %+v, %v", c, err)
	}
	summaries, err := bob.m.Summaries(ctx)
	if err != nil || len(summaries) != 1 || summaries[0].Contact.ID != ba.ID {
		t.Fatalf("summaries list %+v, %v; want alice only", summaries, err)
	}
	ab := alice.contactOf(bob)
	if _, err := alice.m.Send(ctx, ab.ID, "the real alice"); err != nil {
		t.Fatal(err)
	}
	if got := bob.waitText("the real alice"); got.Conversation != ba.ID {
		t.Fatalf("alice's message landed in conversation %d, want %d", got.Conversation, ba.ID)
	}
}

// TestRequestGetsNoReceiptUntilAccepted: a stranger's message makes a
// request and stays at ✓ on the stranger's side while a contact's
// message, sent after it, is acknowledged; once bob accepts, the receipt
// goes and the stranger sees ✓✓.
func TestRequestGetsNoReceiptUntilAccepted(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	bob, carol := newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	stranger := newProfile(t, "stranger", relay.addr)
	cb, _ := connect(t, carol, bob)
	sb, err := stranger.m.AddContact(ctx, bob.invite(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	hello, err := stranger.m.Send(ctx, sb.ID, "hello, we have not met")
	if err != nil {
		t.Fatal(err)
	}
	req := bob.waitText("hello, we have not met")
	if c, err := bob.st.Contact(ctx, req.Conversation); err != nil || c.State != store.StateRequest {
		t.Fatalf("the stranger is %+v, %v; want a request", c, err)
	}
	// bob's receipts go out in batches: carol's ✓✓ proves a batch left
	// after the stranger's message was stored.
	ping, err := carol.m.Send(ctx, cb.ID, "ping")
	if err != nil {
		t.Fatal(err)
	}
	carol.waitStatus(ping.ID, store.StatusDelivered)
	if m, err := stranger.st.Message(ctx, sb.ID, hello.ID); err != nil || m.Status >= store.StatusDelivered {
		t.Fatalf("the stranger's message: %+v, %v; want no receipt", m, err)
	}
	// Bob reads the request before accepting it: no read receipt yet
	// either; accepting sends both.
	if err := bob.m.MarkRead(ctx, req.Conversation, req.Seq); err != nil {
		t.Fatal(err)
	}
	ping2, err := carol.m.Send(ctx, cb.ID, "ping again")
	if err != nil {
		t.Fatal(err)
	}
	carol.waitStatus(ping2.ID, store.StatusDelivered)
	if m, err := stranger.st.Message(ctx, sb.ID, hello.ID); err != nil || m.Status >= store.StatusDelivered {
		t.Fatalf("the stranger's message after bob read it: %+v, %v; want no receipt", m, err)
	}
	if err := bob.m.Accept(ctx, req.Conversation); err != nil {
		t.Fatal(err)
	}
	stranger.waitStatus(hello.ID, store.StatusRead)
}

// TestBlockDropsLaterEnvelopes: blocking a request deletes its history,
// and its next message is dropped: a contact's message sent after it
// arrives, the blocked one never does.
func TestBlockDropsLaterEnvelopes(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	bob, carol := newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	stranger := newProfile(t, "stranger", relay.addr)
	cb, _ := connect(t, carol, bob)
	sb, err := stranger.m.AddContact(ctx, bob.invite(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stranger.m.Send(ctx, sb.ID, "buy my stuff"); err != nil {
		t.Fatal(err)
	}
	req := bob.waitText("buy my stuff").Conversation
	if err := bob.m.Block(ctx, req); err != nil {
		t.Fatal(err)
	}
	if rows, _, err := bob.st.Messages(ctx, req, 0, 10); err != nil || len(rows) != 0 {
		t.Fatalf("a blocked request's history: %d rows, %v", len(rows), err)
	}
	again, err := stranger.m.Send(ctx, sb.ID, "buy it again")
	if err != nil {
		t.Fatal(err)
	}
	stranger.waitStatus(again.ID, store.StatusSent) // at the relay, before carol's
	if _, err := carol.m.Send(ctx, cb.ID, "after the block"); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("carol's message", 10*time.Second, func(e Event) bool {
		r, ok := e.(MessageReceived)
		if ok && string(r.Message.Body) == "buy it again" {
			t.Fatal("a blocked sender's message arrived")
		}
		return ok && string(r.Message.Body) == "after the block"
	})
	if rows, _, err := bob.st.Messages(ctx, req, 0, 10); err != nil || len(rows) != 0 {
		t.Fatalf("a blocked sender's history: %d rows, %v", len(rows), err)
	}
	if requests, err := bob.m.Requests(ctx); err != nil || len(requests) != 0 {
		t.Fatalf("requests after the block: %+v, %v", requests, err)
	}
}

// Blocking a contact revokes the deposit token we gave it: its home (our
// relay) refuses what it sends from then on.
func TestBlockRevokesTheContactsToken(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	first, err := alice.m.Send(ctx, ab.ID, "before")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("before")
	alice.waitStatus(first.ID, store.StatusDelivered) // alice holds bob's contact token by now
	if err := bob.m.Block(ctx, ba.ID); err != nil {
		t.Fatal(err)
	}
	after, err := alice.m.Send(ctx, ab.ID, "after the block")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if st, err := alice.m.WaitSent(short, ab.ID, after.ID); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a message to the one who blocked us left: %v, %v (the relay took it)", st, err)
	}
}
