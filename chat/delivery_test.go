package chat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"ratchat/store"
)

// TestChatThroughRelayThreeProfiles: three profiles whose home is one
// relay add each other and chat; the relay's files never hold a
// plaintext.
func TestChatThroughRelayThreeProfiles(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob, carol := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	ab, ba := connect(t, alice, bob)
	ac, ca := connect(t, alice, carol)
	bc, cb := connect(t, bob, carol)
	const canary = "canary-7f3a9c relay must never see this"
	pairs := []struct {
		from *profile
		to   *profile
		c    store.ContactID
	}{{alice, bob, ab.ID}, {bob, alice, ba.ID}, {alice, carol, ac.ID}, {carol, alice, ca.ID}, {bob, carol, bc.ID}, {carol, bob, cb.ID}}
	for _, p := range pairs {
		text := fmt.Sprintf("%s from %s to %s", canary, p.from.name, p.to.name)
		if _, err := p.from.m.Send(ctx, p.c, text); err != nil {
			t.Fatal(err)
		}
		p.to.waitText(text)
	}
	if st := relay.srv.Stats(); st.EnvelopesStored < uint64(len(pairs)) {
		t.Fatalf("relay stats: %+v", st)
	}
	// Receipts reach read through the relay too.
	sent, err := bob.m.Send(ctx, ba.ID, "read me")
	if err != nil {
		t.Fatal(err)
	}
	got := alice.waitText("read me")
	if err := alice.m.MarkRead(ctx, ab.ID, got.Seq); err != nil {
		t.Fatal(err)
	}
	bob.waitStatus(sent.ID, store.StatusRead)
	if !testing.Short() {
		sendFileAndCompare(t, carol, alice, ca.ID, 16<<20)
	}
	assertNotInFiles(t, relay.dir, canary)
	// Acknowledgements go out in bursts, after an fsync; closing a
	// messenger sends what is left.
	for _, p := range []*profile{alice, bob, carol} {
		p.stop()
	}
	if st := relay.srv.Stats(); st.EnvelopesAcked < uint64(len(pairs)) {
		t.Fatalf("relay stats after close: %+v", st)
	}
}

// assertNotInFiles fails if any file under dir contains s.
func assertNotInFiles(t *testing.T, dir, s string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s holds a plaintext", path)
		}
		return nil
	})
}

// TestOfflineRecipientGetsEverythingInOrder: bob is offline; alice's
// messages wait at his relay and all arrive, in order, when he returns.
func TestOfflineRecipientGetsEverythingInOrder(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	bob.stop()
	var ids []store.MessageID
	for i := range 20 {
		m, err := alice.m.Send(ctx, ab.ID, fmt.Sprintf("while you were away %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	alice.waitStatus(ids[len(ids)-1], store.StatusSent) // all at the relay
	bob.start()
	bob.waitText("while you were away 19")
	msgs, _, err := bob.st.Messages(ctx, ba.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 20 {
		t.Fatalf("bob has %d messages, want 20", len(msgs))
	}
	for i, m := range msgs {
		if m.ID != ids[i] {
			t.Fatalf("message %d out of order", i)
		}
	}
}

// TestOutboxSurvivesRestart: bob's home is down; alice's messages wait in
// her outbox, across a restart of alice, until bob is back.
func TestOutboxSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	bobAddr := bob.m.Home()
	bob.stop()
	for i := range 5 {
		if _, err := alice.m.Send(ctx, ab.ID, fmt.Sprintf("queued %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	alice.restart()
	msgs, _, err := alice.st.Messages(ctx, ab.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Status != store.StatusQueued {
			t.Fatalf("%q has status %d while bob is away, want queued", m.Body, m.Status)
		}
	}
	bob.cfg.Listen = bobAddr
	bob.start()
	for i := range 5 {
		bob.waitText(fmt.Sprintf("queued %d", i))
	}
}
