package chat

import (
	"context"
	"testing"

	"ratchat/store"
	"ratchat/transport"
)

// pendingFixture makes a group of alice and bob in which bob has read
// alice's "one" and then lost her sender key, as if it had not come yet.
// The tests stop alice before bob receives, so that nobody answers his
// request for the key until she starts again.
type pendingFixture struct {
	alice, bob *profile
	bobG       store.ContactID
	aliceAtBob store.Contact
}

func newPendingFixture(t *testing.T) pendingFixture {
	t.Helper()
	ctx := context.Background()
	alice, bob, _, ab, _ := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	f := pendingFixture{alice: alice, bob: bob, bobG: bob.groupAt(info.ID, 1).Conversation}
	if _, err := alice.m.Send(ctx, info.Conversation, "one"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(f.bobG, 1, texts)
	f.aliceAtBob = bob.contactOf(alice)
	if err := bob.st.DeleteSenderKeys(ctx, f.bobG); err != nil {
		t.Fatal(err)
	}
	return f
}

// sealed returns text from alice (running) to the group, sealed for bob
// and opened by him, as his home would hand it over; alice's stored key
// does not advance.
func (f pendingFixture) sealed(t *testing.T, text string) *transport.OpenedEnvelope {
	t.Helper()
	content := &Content{Kind: KindText, Text: text}
	if err := f.alice.m.stamp(content); err != nil {
		t.Fatal(err)
	}
	convAtAlice, err := f.alice.st.GroupByID(context.Background(), f.groupID(t))
	if err != nil {
		t.Fatal(err)
	}
	env := f.alice.sealForGroup(convAtAlice.ID, content, f.bob)
	opened, err := transport.OpenEnvelope(&f.bob.m.identity, env)
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

func (f pendingFixture) groupID(t *testing.T) store.GroupID {
	t.Helper()
	info, err := f.bob.m.Group(context.Background(), f.bobG)
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

// pending counts bob's stored messages of alice waiting for her key.
func (f pendingFixture) pending(t *testing.T) int {
	t.Helper()
	ps, err := f.bob.st.PendingGroupMessages(context.Background(), f.bobG, f.aliceAtBob.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

// TestGroupPendingAcrossRestart: a group message that reaches bob before
// alice's key waits in his store across a restart, with no line at close;
// when her key comes the message shows once, and no line is left.
func TestGroupPendingAcrossRestart(t *testing.T) {
	ctx := context.Background()
	f := newPendingFixture(t)
	two := f.sealed(t, "two")
	f.alice.stop()
	if err := f.bob.m.receiveGroupMessage(ctx, two); err != nil {
		t.Fatalf("bob receiving a message before its key: %v", err)
	}
	if n := f.pending(t); n != 1 {
		t.Fatalf("%d messages waiting, want 1", n)
	}
	f.bob.restart()
	f.bob.restart()
	if fails := f.bob.groupRows(f.bobG, store.KindDecryptFailed); len(fails) != 0 {
		t.Fatalf("%d undecryptable lines after the restarts, want 0", len(fails))
	}
	if n := f.pending(t); n != 1 {
		ps, _ := f.bob.st.PendingGroupMessages(ctx, f.bobG, f.aliceAtBob.ID)
		for _, p := range ps {
			t.Logf("%v %d %x", p.Received, len(p.Body), p.Body[:12])
		}
		t.Fatalf("%d messages waiting after the restarts, want 1", n)
	}
	// Alice comes back, reads bob's request and hands him her key (and
	// sends again what he has not acknowledged): "two" decrypts.
	f.alice.start()
	f.bob.until("two", func() bool { return len(f.bob.groupRows(f.bobG, store.KindText)) >= 2 })
	f.bob.m.mu.Lock() // the retry holds it until every waiting message is done
	f.bob.m.mu.Unlock()
	if n := f.pending(t); n != 0 {
		t.Fatalf("%d messages still waiting", n)
	}
	got := f.bob.groupRows(f.bobG, store.KindText)
	if len(got) != 2 || string(got[0].Body) != "one" || string(got[1].Body) != "two" {
		t.Fatalf("bob's texts: %v", describeRows(got))
	}
	if fails := f.bob.groupRows(f.bobG, store.KindDecryptFailed); len(fails) != 0 {
		t.Fatalf("%d undecryptable lines for a message that arrived", len(fails))
	}
}

// TestGroupPendingBound: beyond the store's bound of messages waiting for
// one member's key, the oldest is given up with one line.
func TestGroupPendingBound(t *testing.T) {
	ctx := context.Background()
	f := newPendingFixture(t)
	var sealed []*transport.OpenedEnvelope
	for i := 0; i <= store.MaxPendingPerMember; i++ {
		sealed = append(sealed, f.sealed(t, "waiting"))
	}
	f.alice.stop()
	for i, opened := range sealed {
		if err := f.bob.m.receiveGroupMessage(ctx, opened); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n := f.pending(t); n != store.MaxPendingPerMember {
		t.Fatalf("%d messages waiting, want %d", n, store.MaxPendingPerMember)
	}
	if fails := f.bob.groupRows(f.bobG, store.KindDecryptFailed); len(fails) != 1 {
		t.Fatalf("%d undecryptable lines, want 1", len(fails))
	}
}
