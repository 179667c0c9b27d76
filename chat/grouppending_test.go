package chat

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// pendingFixture makes a group of alice and bob in which bob has read
// alice's "one"; then alice's messenger stops, and on her profile her
// sender key is rotated (the new chain handed to bob through her outbox,
// which sends it when she starts again) and messages are sealed for bob
// under it: bob receives them before the key that reads them.
type pendingFixture struct {
	alice, bob *profile
	bobG       store.ContactID
	aliceAtBob store.Contact
	sealed     []*transport.OpenedEnvelope
}

func newPendingFixture(t *testing.T, n int) pendingFixture {
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
	am := alice.m
	alice.stop()
	g, err := am.loadGroup(ctx, info.Conversation)
	if err != nil {
		t.Fatal(err)
	}
	members, err := am.groupRecipients(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	am.lockSessions()
	defer am.mu.Unlock()
	rec, err := am.ownSenderKey(ctx, g, members, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := am.rotateSenderKey(ctx, g, members, rec); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		content := &Content{Kind: KindText, Text: fmt.Sprintf("two %d", i)}
		if err := am.stamp(content); err != nil {
			t.Fatal(err)
		}
		sealed, err := am.sealGroup(ctx, g, members, content)
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range members {
			if c.Identity != bob.m.Identity() {
				continue
			}
			opened, err := transport.OpenEnvelope(&bob.m.identity, sealed.deliveries[k].Payload)
			if err != nil {
				t.Fatal(err)
			}
			f.sealed = append(f.sealed, opened)
		}
	}
	if len(f.sealed) != n {
		t.Fatalf("%d sealed for bob, want %d", len(f.sealed), n)
	}
	return f
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
	f := newPendingFixture(t, 1)
	two := f.sealed[0]
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
		t.Fatalf("%d messages waiting after the restarts, want 1", n)
	}
	// Alice comes back: her outbox hands bob the rotated key (and she
	// answers his request for it): "two 0" decrypts, once.
	f.alice.start()
	f.bob.until("two", func() bool { return len(f.bob.groupRows(f.bobG, store.KindText)) >= 2 })
	f.bob.m.mu.Lock() // the retry holds it until every waiting message is done
	f.bob.m.mu.Unlock()
	if n := f.pending(t); n != 0 {
		t.Fatalf("%d messages still waiting", n)
	}
	got := f.bob.groupRows(f.bobG, store.KindText)
	if len(got) != 2 || string(got[0].Body) != "one" || string(got[1].Body) != "two 0" {
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
	f := newPendingFixture(t, store.MaxPendingPerMember+1)
	for i, opened := range f.sealed {
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

// TestGroupPendingExpires: a message that waited longer than
// pendingMaxAge for its key is given up with one line, and no longer
// waits.
func TestGroupPendingExpires(t *testing.T) {
	ctx := context.Background()
	f := newPendingFixture(t, 1)
	if err := f.bob.m.receiveGroupMessage(ctx, f.sealed[0]); err != nil {
		t.Fatal(err)
	}
	f.bob.stop()
	cfg := f.bob.cfg
	cfg.Now = func() time.Time { return time.Now().Add(pendingMaxAge + time.Hour) }
	later, err := newMessenger(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	later.Close()
	if fails := f.bob.groupRows(f.bobG, store.KindDecryptFailed); len(fails) != 1 {
		t.Fatalf("%d undecryptable lines, want 1", len(fails))
	}
	if n := f.pending(t); n != 0 {
		t.Fatalf("%d messages still waiting", n)
	}
}

// TestGroupPendingLeave: leaving a group gives up what waited there for
// a member's key: every waiting message becomes a line, none stays.
func TestGroupPendingLeave(t *testing.T) {
	ctx := context.Background()
	f := newPendingFixture(t, 2)
	for i, opened := range f.sealed {
		if err := f.bob.m.receiveGroupMessage(ctx, opened); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n := f.pending(t); n != 2 {
		t.Fatalf("%d messages waiting, want 2", n)
	}
	if err := f.bob.m.LeaveGroup(ctx, f.bobG); err != nil {
		t.Fatal(err)
	}
	if n := f.pending(t); n != 0 {
		t.Fatalf("%d messages still waiting after leaving", n)
	}
	fails := f.bob.groupRows(f.bobG, store.KindDecryptFailed)
	if len(fails) != 2 {
		t.Fatalf("%d undecryptable lines after leaving, want 2", len(fails))
	}
}
