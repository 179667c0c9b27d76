package chat

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ratchat/store"
)

// waitOffer waits until p receives the offer of a file named name and
// returns its row.
func (p *profile) waitOffer(name string) store.Message {
	p.t.Helper()
	e := p.waitFor("the offer of "+name, 30*time.Second, func(e Event) bool {
		r, ok := e.(MessageReceived)
		return ok && r.Message.File != nil && r.Message.File.Name == name
	})
	return e.(MessageReceived).Message
}

// downloads lists everything in p's downloads folder.
func (p *profile) downloads() []string {
	p.t.Helper()
	entries, err := os.ReadDir(p.m.cfg.Downloads)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		p.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestStrangerFileWritesNothing: a message request's offer of a 1 GiB
// (sparse) file waits for acceptance and writes nothing to the downloads
// folder, neither a file nor a partial; past what a waiting file may hold
// its chunks are dropped (to be asked for again on acceptance), so the
// store holds no more than that either.
func TestStrangerFileWritesNothing(t *testing.T) {
	const held = 4 // chunks a waiting file may hold
	relay := startRelay(t, t.TempDir(), "")
	alice := newProfile(t, "alice", relay.addr)
	bob := newProfileWith(t, "bob", relay.addr, func(c *Config) { c.heldLimit = held * ChunkSize })
	ab, err := alice.m.AddContact(context.Background(), bob.invite(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "huge.bin")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 1<<30); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		alice.m.SendFile(ctx, ab.ID, path, nil) // a request is not answered: cancelled below
	}()
	t.Cleanup(func() { cancel(); <-sent })
	offer := bob.waitOffer("huge.bin")
	if offer.File.State != store.FileWaiting {
		t.Fatalf("a stranger's offer is %s, want waiting", fileStateName(offer.File.State))
	}
	if got := bob.downloads(); len(got) != 0 {
		t.Fatalf("a stranger's waiting offer wrote %v to downloads", got)
	}
	// Every chunk that arrives, held or dropped, reports what is held.
	chunks := 0
	bob.waitFor("chunks past the held limit", 30*time.Second, func(e Event) bool {
		p, ok := e.(FileProgress)
		if ok && p.File == offer.ID {
			chunks++
		}
		return chunks == 2*held
	})
	if got := bob.downloads(); len(got) != 0 {
		t.Fatalf("a stranger's waiting offer wrote %v to downloads", got)
	}
	if n := bob.heldChunks(offer.ID); n != held {
		t.Fatalf("bob holds %d chunks of a stranger's file, want %d", n, held)
	}
	if f := bob.fileRow(offer.Conversation, offer.ID); f.State != store.FileWaiting {
		t.Fatalf("the offer is %s past the held limit, want still waiting", fileStateName(f.State))
	}
}

// TestUnverifiedFileWaitsForAcceptance: an unverified contact's offer
// (default files policy) waits with nothing in downloads until AcceptFile,
// then arrives whole.
func TestUnverifiedFileWaitsForAcceptance(t *testing.T) {
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	if err := bob.st.SetFilesPolicy(context.Background(), ba.ID, store.FilesDefault); err != nil {
		t.Fatal(err)
	}
	const size = 300 << 10
	path := writeRandomFile(t, "notes.txt", size)
	msg, err := alice.m.SendFile(context.Background(), ab.ID, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	offer := bob.waitOffer("notes.txt")
	if offer.File.State != store.FileWaiting {
		t.Fatalf("an unverified contact's offer is %s, want waiting", fileStateName(offer.File.State))
	}
	if got := bob.downloads(); len(got) != 0 {
		t.Fatalf("a waiting offer wrote %v to downloads", got)
	}
	if err := bob.m.AcceptFile(context.Background(), ba.ID, msg.ID); err != nil {
		t.Fatal(err)
	}
	got := bob.waitFileRow(msg.ID, store.FileComplete)
	want, _ := os.ReadFile(path)
	have, err := os.ReadFile(got.File.Path)
	if err != nil || !bytes.Equal(have, want) {
		t.Fatalf("the accepted file differs (%v)", err)
	}
	alice.waitFileRow(msg.ID, store.FileComplete)
	if err := bob.m.AcceptFile(context.Background(), ba.ID, msg.ID); !errors.Is(err, ErrNoTransfer) {
		t.Fatalf("accepting a complete file: %v, want ErrNoTransfer", err)
	}
}

// TestDownloadsQuotaRefusesOffer: an offer that would take the downloads
// folder past its quota fails on both sides and writes nothing.
func TestDownloadsQuotaRefusesOffer(t *testing.T) {
	relay := startRelay(t, t.TempDir(), "")
	alice := newProfile(t, "alice", relay.addr)
	bob := newProfileWith(t, "bob", relay.addr, func(c *Config) { c.DownloadsQuota = 100 << 10 })
	ab, _ := connect(t, alice, bob)
	path := writeRandomFile(t, "big.bin", 200<<10)
	msg, _ := alice.m.SendFile(context.Background(), ab.ID, path, nil) // fails or succeeds, as the answer comes
	bob.waitFileRow(msg.ID, store.FileFailed)
	alice.waitFileRow(msg.ID, store.FileFailed)
	if got := bob.downloads(); len(got) != 0 {
		t.Fatalf("a refused offer left %v in downloads", got)
	}
}

// A verified contact's files download by themselves, unless the user set
// its policy to ask (SetFilesPolicy).
func TestFilesPolicyAskHoldsAVerifiedContactsFiles(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	if err := bob.m.SetVerified(ctx, ba.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := bob.m.SetFilesPolicy(ctx, ba.ID, FilesAsk); err != nil {
		t.Fatal(err)
	}
	if c, err := bob.st.Contact(ctx, ba.ID); err != nil || c.Files != FilesAsk {
		t.Fatalf("policy after SetFilesPolicy: %v, %v", c.Files, err)
	}
	if _, err := alice.m.SendFile(ctx, ab.ID, writeRandomFile(t, "held.txt", 10<<10), nil); err != nil {
		t.Fatal(err)
	}
	if offer := bob.waitOffer("held.txt"); offer.File.State != store.FileWaiting {
		t.Fatalf("a verified contact's offer under ask is %s, want waiting", fileStateName(offer.File.State))
	}
}
