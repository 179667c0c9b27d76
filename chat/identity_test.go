package chat

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ratchat/store"
)

// TestReinstalledContactIsARequest: bob loses his profile and starts a
// new one (new identity key) on the same home with the same name, and
// adds alice again. A contact is its key: alice gets a message request
// marked "not the same key as your contact bob", and her verified bob
// keeps his key, his mark and his session.
func TestReinstalledContactIsARequest(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	if err := alice.m.SetVerified(ctx, ab.ID, true); err != nil {
		t.Fatal(err)
	}
	oldKey := bob.m.Identity()
	bobAddr := bob.m.Home()
	bob.stop()

	bob2 := newProfileAt(t, "bob", bobAddr)
	if _, err := bob2.m.AddContact(ctx, alice.invite(), "alice"); err != nil {
		t.Fatal(err)
	}
	req := alice.contactOf(bob2)
	if req.ID == ab.ID || req.State != store.StateRequest {
		t.Fatalf("the new key arrived as %+v, want a new request", req)
	}
	c, err := alice.st.Contact(ctx, ab.ID)
	if err != nil || !c.Verified || c.Held || c.Identity != oldKey || c.State != store.StateContact {
		t.Fatalf("the verified bob after the reinstall: %+v, %v", c, err)
	}
	requests, err := alice.m.Requests(ctx)
	if err != nil || len(requests) != 1 || requests[0].SameName != ab.ID ||
		requests[0].Mark != "not the same key as your contact bob" {
		t.Fatalf("requests %+v, %v", requests, err)
	}
	if _, err := alice.m.Send(ctx, req.ID, "are you really bob?"); !errors.Is(err, ErrNotAccepted) {
		t.Fatalf("send to a request: %v, want ErrNotAccepted", err)
	}
	// Accepting makes a second contact, a new key beside the old one.
	if err := alice.m.Accept(ctx, req.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Send(ctx, req.ID, "welcome back"); err != nil {
		t.Fatal(err)
	}
	bob2.waitText("welcome back")
	if c, err := alice.st.Contact(ctx, ab.ID); err != nil || c.Identity != oldKey || !c.Verified {
		t.Fatalf("the old bob after accepting the new key: %+v, %v", c, err)
	}
}

// newProfileAt is newProfile listening on a given address.
func newProfileAt(t *testing.T, name, addr string) *profile {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	st, err := store.Create(dir, []byte("pass"), store.WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateProfile(context.Background(), st, name, nil); err != nil {
		t.Fatal(err)
	}
	p := &profile{t: t, name: name, dir: dir, st: st, cfg: testConfig(st, "")}
	p.cfg.Listen = addr
	p.start()
	t.Cleanup(p.stop)
	return p
}

// TestDisappearingMessagesExpireOnBothSides: a 1-second timer set by
// alice applies to bob too; the message vanishes from both histories.
func TestDisappearingMessagesExpireOnBothSides(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if err := alice.m.SetTimer(ctx, ab.ID, time.Second); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("timer", 10*time.Second, func(e Event) bool {
		tc, ok := e.(TimerChanged)
		return ok && tc.Timer == time.Second
	})
	if d, err := bob.m.Timer(ctx, ba.ID); err != nil || d != time.Second {
		t.Fatalf("bob's timer %v, %v", d, err)
	}
	if _, err := alice.m.Send(ctx, ab.ID, "this will self-destruct"); err != nil {
		t.Fatal(err)
	}
	got := bob.waitText("this will self-destruct")
	if got.Expires.IsZero() {
		t.Fatal("the message has no expiry")
	}
	for _, p := range []*profile{alice, bob} {
		p.waitFor("expiry", 10*time.Second, func(e Event) bool { _, ok := e.(MessagesExpired); return ok })
	}
	for _, c := range []struct {
		p  *profile
		id store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		msgs, _, err := c.p.st.Messages(ctx, c.id, 0, 10)
		if msgs = written(msgs); err != nil || len(msgs) != 0 {
			t.Fatalf("%s still has %d messages (%v)", c.p.name, len(msgs), err)
		}
	}
}
