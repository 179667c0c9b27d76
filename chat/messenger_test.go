package chat

import (
	"context"
	"testing"

	"ratchat/store"
)

// TestChatPeerMode: two profiles, each with its own home on loopback, add
// each other by invite, chat both ways, and receipts reach read.
func TestChatPeerMode(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)

	sent, err := alice.m.Send(ctx, ab.ID, "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	got := bob.waitText("hello bob")
	if got.ID != sent.ID || got.Direction != store.Incoming {
		t.Fatalf("bob got %+v", got)
	}
	alice.waitStatus(sent.ID, store.StatusDelivered)
	if err := bob.m.MarkRead(ctx, ba.ID, got.Seq); err != nil {
		t.Fatal(err)
	}
	alice.waitStatus(sent.ID, store.StatusRead)

	reply, err := bob.m.Send(ctx, ba.ID, "hi alice")
	if err != nil {
		t.Fatal(err)
	}
	alice.waitText("hi alice")
	bob.waitStatus(reply.ID, store.StatusDelivered)

	// Both histories hold both messages, in order.
	for _, p := range []struct {
		pr *profile
		c  store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		msgs, _, err := p.pr.st.Messages(ctx, p.c, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 || string(msgs[0].Body) != "hello bob" || string(msgs[1].Body) != "hi alice" {
			t.Fatalf("%s's history: %d messages", p.pr.name, len(msgs))
		}
	}
}
