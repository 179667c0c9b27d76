package chat

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/store"
)

// writeRandomFile writes size random bytes to a file named name in a
// temporary folder and returns its path.
func writeRandomFile(t *testing.T, name string, size int) string {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitFileRow waits until p reports the file row id in state st.
func (p *profile) waitFileRow(id store.MessageID, st store.FileState) store.Message {
	p.t.Helper()
	e := p.waitFor("file row in state "+fileStateName(st), 30*time.Second, func(e Event) bool {
		s, ok := e.(MessageStored)
		return ok && s.Message.ID == id && s.Message.File != nil && s.Message.File.State == st
	})
	return e.(MessageStored).Message
}

func fileStateName(st store.FileState) string {
	return map[store.FileState]string{store.FileTransferring: "transferring", store.FileComplete: "complete",
		store.FileCancelled: "cancelled", store.FileFailed: "failed", store.FileWaiting: "waiting"}[st]
}

// fileRow reads p's row of a file from its store.
func (p *profile) fileRow(contact store.ContactID, id store.MessageID) store.FileInfo {
	p.t.Helper()
	msg, err := p.st.Message(context.Background(), contact, id)
	if err != nil {
		p.t.Fatal(err)
	}
	if msg.File == nil {
		p.t.Fatalf("%s: row is not a file", p.name)
	}
	return *msg.File
}

// partials lists the partial downloads left in p's downloads folder.
func (p *profile) partials() []string {
	p.t.Helper()
	found, err := filepath.Glob(filepath.Join(p.m.cfg.Downloads, ".incoming-*"))
	if err != nil {
		p.t.Fatal(err)
	}
	return found
}

// TestFileDeliveredOnlyWhenReceiverConfirms: the sender's home accepts every
// chunk while the receiver is offline; the sender's row must still read
// transferring (not delivered) until the receiver has checked the file and
// said so.
func TestFileDeliveredOnlyWhenReceiverConfirms(t *testing.T) {
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	bob.stop()

	const size = 300 << 10
	path := writeRandomFile(t, "report.pdf", size)
	msg, err := alice.m.SendFile(context.Background(), ab.ID, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := alice.fileRow(ab.ID, msg.ID); f.State != store.FileTransferring || f.Done != size {
		t.Fatalf("with every chunk at the relay and the receiver offline: %s, %d of %d bytes, want transferring, all bytes",
			fileStateName(f.State), f.Done, size)
	}

	bob.start()
	got := bob.waitFileRow(msg.ID, store.FileComplete)
	if got.File.Path != filepath.Join(bob.m.cfg.Downloads, "report.pdf") {
		t.Fatalf("bob's row says the file is at %q", got.File.Path)
	}
	done := alice.waitFileRow(msg.ID, store.FileComplete)
	if done.File.Done != size {
		t.Fatalf("alice's complete row says %d of %d bytes", done.File.Done, size)
	}
	if f := bob.fileRow(ba.ID, msg.ID); f.State != store.FileComplete {
		t.Fatalf("bob's stored row is %s", fileStateName(f.State))
	}
}

// TestFileRowProgressAndFinalName sends the same file twice: the
// receiver's row exists from the offer at 0 %, records progress on the way,
// and ends complete with the path the file was saved under, the second
// de-duplicated.
func TestFileRowProgressAndFinalName(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	const size = 1 << 20 // 16 chunks: each crosses a progress step
	path := writeRandomFile(t, "photo.jpg", size)
	wantPaths := []string{
		filepath.Join(bob.m.cfg.Downloads, "photo.jpg"),
		filepath.Join(bob.m.cfg.Downloads, "photo (1).jpg"),
	}
	for i, want := range wantPaths {
		msg, err := alice.m.SendFile(context.Background(), ab.ID, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		var offered, midway bool
		var final store.Message
		bob.waitFor("the file complete", 30*time.Second, func(e Event) bool {
			switch e := e.(type) {
			case MessageReceived:
				f := e.Message.File
				offered = e.Message.ID == msg.ID && f != nil && f.State == store.FileTransferring && f.Done == 0
			case MessageStored:
				f := e.Message.File
				if e.Message.ID != msg.ID || f == nil {
					return false
				}
				if f.State == store.FileTransferring && f.Done > 0 && f.Done < size {
					midway = true
				}
				final = e.Message
				return f.State == store.FileComplete
			}
			return false
		})
		if !offered || !midway {
			t.Fatalf("file %d: row from the offer at 0 %%: %v; progress recorded on the way: %v", i, offered, midway)
		}
		if final.File.Path != want || final.File.Done != size {
			t.Fatalf("file %d: row says %q (%d bytes), want %q", i, final.File.Path, final.File.Done, want)
		}
		if stored := bob.fileRow(ba.ID, msg.ID); stored.Path != want || stored.State != store.FileComplete {
			t.Fatalf("file %d: stored row says %q, %s", i, stored.Path, fileStateName(stored.State))
		}
		if _, err := os.Stat(want); err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		alice.waitFileRow(msg.ID, store.FileComplete)
	}
}

// TestFileCancel cancels a transfer midway from either side: both rows end
// cancelled, the sender stops, and no partial download is left.
func TestFileCancel(t *testing.T) {
	tests := []struct {
		name     string
		receiver bool // the receiver cancels; else the sender
	}{
		{"the sender cancels", false},
		{"the receiver cancels", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
			ab, ba := connect(t, alice, bob)
			path := writeRandomFile(t, "big.bin", 2*fileWindow*ChunkSize) // more than one window
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			progress := func(done, total int64) {
				if !tt.receiver {
					cancel()
				}
			}
			type result struct {
				msg store.Message
				err error
			}
			sent := make(chan result, 1)
			go func() {
				msg, err := alice.m.SendFile(ctx, ab.ID, path, progress)
				sent <- result{msg, err}
			}()
			e := bob.waitFor("a chunk", 30*time.Second, func(e Event) bool { _, ok := e.(FileProgress); return ok })
			file := e.(FileProgress).File
			if tt.receiver {
				if err := bob.m.CancelFile(context.Background(), ba.ID, file); err != nil {
					t.Fatal(err)
				}
				if f := bob.fileRow(ba.ID, file); f.State != store.FileCancelled {
					t.Fatalf("bob's row is %s after cancelling", fileStateName(f.State))
				}
			} else {
				r := <-sent
				if !errors.Is(r.err, context.Canceled) {
					t.Fatalf("SendFile: %v, want cancelled", r.err)
				}
			}
			bob.waitFileRow(file, store.FileCancelled)
			alice.waitFileRow(file, store.FileCancelled)
			if tt.receiver {
				<-sent // SendFile ended (done before the cancel came, or stopped by it)
			}
			if left := bob.partials(); len(left) != 0 {
				t.Fatalf("partial downloads left: %q", left)
			}
			if f := alice.fileRow(ab.ID, file); f.State != store.FileCancelled {
				t.Fatalf("alice's stored row is %s", fileStateName(f.State))
			}
			if err := bob.m.CancelFile(context.Background(), ba.ID, file); !errors.Is(err, ErrNoTransfer) {
				t.Fatalf("cancelling again: %v, want ErrNoTransfer", err)
			}
		})
	}
}

// TestFileHashMismatchFailsBothSides sends a file whose offer carries the
// wrong hash: the receiver deletes it and both rows end failed.
func TestFileHashMismatchFailsBothSides(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	f, err := os.Open(writeRandomFile(t, "x.bin", 3*ChunkSize+5))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	offer, err := fileOffer(f, "x.bin")
	if err != nil {
		t.Fatal(err)
	}
	offer.FileSHA256[0] ^= 0xff
	msg, err := alice.m.sendFile(context.Background(), ab.ID, f, offer, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	bob.waitFileRow(msg.ID, store.FileFailed)
	alice.waitFileRow(msg.ID, store.FileFailed)
	entries, err := os.ReadDir(bob.m.cfg.Downloads)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("the downloads folder holds %d files, want none", len(entries))
	}
	if row := bob.fileRow(ba.ID, msg.ID); row.Path != "" {
		t.Fatalf("a failed file's row points at %q", row.Path)
	}
}

// TestStalePartialsRemovedAtStart: partial downloads no transfer refers to
// are deleted when the messenger starts; a transfer under way keeps its own.
func TestStalePartialsRemovedAtStart(t *testing.T) {
	bob := newProfile(t, "bob", "")
	dir := bob.m.cfg.Downloads
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := []string{filepath.Join(dir, ".incoming-111.part"), filepath.Join(dir, ".incoming-111.part.map")}
	kept := []string{filepath.Join(dir, ".incoming-222.part"), filepath.Join(dir, ".incoming-222.part.map"),
		filepath.Join(dir, "notes.txt")}
	for _, p := range append(stale, kept...) {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(incomingFile{Contact: 1, Name: "a", Size: 1, Chunks: 1, Part: kept[0], Map: kept[1]})
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.st.SetSetting(context.Background(), fileSetting(store.MessageID{7}), string(b)); err != nil {
		t.Fatal(err)
	}
	bob.restart()
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: still there (%v)", filepath.Base(p), err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}

// TestInterruptedSendEndsBothSides: a file whose sender stopped midway
// (its process ended) is failed at the sender's next start, and the
// receiver is told and deletes its partial download.
func TestInterruptedSendEndsBothSides(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	// The offer goes out as SendFile sends it; the process "ends" before
	// any chunk.
	offer := &Content{Kind: KindFileOffer, Name: "cut.bin", FileSize: ChunkSize + 1, FileChunks: 2}
	if err := alice.m.stamp(offer); err != nil {
		t.Fatal(err)
	}
	offer.FileID = offer.ID
	if _, err := alice.m.sendMessage(context.Background(), ab.ID, offer, func(msg *store.Message) {
		msg.Kind, msg.File = store.KindFile, &store.FileInfo{Name: offer.Name, Size: int64(offer.FileSize)}
	}); err != nil {
		t.Fatal(err)
	}
	if err := alice.st.SetSetting(context.Background(), sendingSetting(offer.ID), fmt.Sprint(ab.ID)); err != nil {
		t.Fatal(err)
	}
	// Bob handles envelopes in order: once this text is in, the offer's
	// download is prepared.
	if _, err := alice.m.Send(context.Background(), ab.ID, "after the offer"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("after the offer")
	if len(bob.partials()) == 0 {
		t.Fatal("no partial download for the offer")
	}
	alice.restart()
	if f := alice.fileRow(ab.ID, offer.ID); f.State != store.FileFailed {
		t.Fatalf("alice's row after the restart is %s", fileStateName(f.State))
	}
	bob.waitFileRow(offer.ID, store.FileCancelled)
	if left := bob.partials(); len(left) != 0 {
		t.Fatalf("partial downloads left: %q", strings.Join(left, ", "))
	}
	if f := bob.fileRow(ba.ID, offer.ID); f.State != store.FileCancelled {
		t.Fatalf("bob's row is %s", fileStateName(f.State))
	}
}
