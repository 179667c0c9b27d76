package chat

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"ratchat/store"
)

// heldChunks counts the chunks p holds in its store for a waiting file.
func (p *profile) heldChunks(file store.MessageID) int {
	p.t.Helper()
	settings, err := p.st.Settings(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	n := 0
	for name := range settings {
		if strings.HasPrefix(name, heldPrefix(file)) {
			n++
		}
	}
	return n
}

// TestLargeWaitingFileResumes: an unverified contact's file larger than a
// waiting file may hold keeps its first chunks in the store, drops the
// rest and writes nothing to downloads; once accepted, the receiver asks
// the sender for the rest, which arrives whole (hash checked) and reads
// ✓✓ on the sender, even when the sender restarted or was offline in
// between. A sender whose file is gone or changed answers that it cannot,
// and the file fails on both sides with nothing left in downloads.
func TestLargeWaitingFileResumes(t *testing.T) {
	const held = 4 // chunks a waiting file may hold
	tests := []struct {
		name string
		// beforeAccept runs once bob has every chunk alice sent; accepted
		// runs after bob accepted.
		beforeAccept func(t *testing.T, alice *profile, path string)
		accepted     func(alice *profile)
		want         store.FileState
	}{
		{name: "sender online", want: store.FileComplete},
		{name: "sender restarted", want: store.FileComplete,
			beforeAccept: func(_ *testing.T, alice *profile, _ string) { alice.restart() }},
		{name: "sender offline at acceptance", want: store.FileComplete,
			beforeAccept: func(_ *testing.T, alice *profile, _ string) { alice.stop() },
			accepted:     func(alice *profile) { alice.start() }},
		{name: "file deleted", want: store.FileFailed,
			beforeAccept: func(t *testing.T, _ *profile, path string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "file changed", want: store.FileFailed,
			beforeAccept: func(t *testing.T, _ *profile, path string) {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.WriteAt([]byte("changed"), ChunkSize*7); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			relay := startRelay(t, t.TempDir(), "")
			alice := newProfile(t, "alice", relay.addr)
			bob := newProfileWith(t, "bob", relay.addr, func(c *Config) { c.heldLimit = held * ChunkSize })
			ab, ba := connect(t, alice, bob)
			if err := bob.m.SetFilesPolicy(ctx, ba.ID, FilesDefault); err != nil {
				t.Fatal(err)
			}
			path := writeRandomFile(t, "big.bin", 10*ChunkSize+100)
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := alice.m.SendFile(ctx, ab.ID, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Bob handles envelopes in order: once this text is in, every
			// chunk was held or dropped.
			if _, err := alice.m.Send(ctx, ab.ID, "after the file"); err != nil {
				t.Fatal(err)
			}
			bob.waitText("after the file")
			if f := bob.fileRow(ba.ID, msg.ID); f.State != store.FileWaiting {
				t.Fatalf("bob's row before acceptance is %s, want waiting", fileStateName(f.State))
			}
			if got := bob.downloads(); len(got) != 0 {
				t.Fatalf("a waiting file wrote %v to downloads", got)
			}
			if n := bob.heldChunks(msg.ID); n != held {
				t.Fatalf("bob holds %d chunks, want %d", n, held)
			}
			if tc.beforeAccept != nil {
				tc.beforeAccept(t, alice, path)
			}
			if err := bob.m.AcceptFile(ctx, ba.ID, msg.ID); err != nil {
				t.Fatal(err)
			}
			if err := bob.m.AcceptFile(ctx, ba.ID, msg.ID); !errors.Is(err, ErrNoTransfer) {
				t.Fatalf("a second acceptance: %v, want ErrNoTransfer", err)
			}
			if n := bob.heldChunks(msg.ID); n != 0 {
				t.Fatalf("%d held chunks left after acceptance", n)
			}
			if tc.accepted != nil {
				tc.accepted(alice)
			}
			got := bob.waitFileRow(msg.ID, tc.want)
			alice.waitFileRow(msg.ID, tc.want)
			if tc.want != store.FileComplete {
				if left := bob.downloads(); len(left) != 0 {
					t.Fatalf("a failed file left %v in downloads", left)
				}
				return
			}
			have, err := os.ReadFile(got.File.Path)
			if err != nil || !bytes.Equal(have, want) {
				t.Fatalf("the resumed file differs (%v)", err)
			}
			if left := bob.partials(); len(left) != 0 {
				t.Fatalf("partial downloads left: %v", left)
			}
		})
	}
}

// resumeKit is two profiles on a relay, bob holding few chunks of a
// waiting file, and a file of alice's larger than that.
type resumeKit struct {
	alice, bob *profile
	path       string
	ab, ba     store.ContactID
}

// newResumeKit connects alice and bob as contacts (bob's files wait), or,
// with request, has alice only write to bob (a message request).
func newResumeKit(t *testing.T, request bool) *resumeKit {
	t.Helper()
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	k := &resumeKit{alice: newProfile(t, "alice", relay.addr),
		bob:  newProfileWith(t, "bob", relay.addr, func(c *Config) { c.heldLimit = 2 * ChunkSize }),
		path: writeRandomFile(t, "big.bin", 6*ChunkSize)}
	if request {
		ab, err := k.alice.m.AddContact(ctx, k.bob.invite(), "bob")
		if err != nil {
			t.Fatal(err)
		}
		k.ab = ab.ID
		return k
	}
	ab, ba := connect(t, k.alice, k.bob)
	k.ab, k.ba = ab.ID, ba.ID
	if err := k.bob.m.SetFilesPolicy(ctx, ba.ID, FilesDefault); err != nil {
		t.Fatal(err)
	}
	return k
}

// send sends the file and returns its row once bob has every chunk.
func (k *resumeKit) send(t *testing.T) store.Message {
	t.Helper()
	ctx := context.Background()
	msg, err := k.alice.m.SendFile(ctx, k.ab, k.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.alice.m.Send(ctx, k.ab, "after the file"); err != nil {
		t.Fatal(err)
	}
	k.ba = k.bob.waitText("after the file").Conversation
	return msg
}

// TestRequestFileResumesOnAccept: a request's large file accepted while it
// is still a request asks its sender for nothing (nothing goes to a
// request); accepting the request asks, and the file arrives whole.
func TestRequestFileResumesOnAccept(t *testing.T) {
	ctx := context.Background()
	k := newResumeKit(t, true)
	msg := k.send(t)
	if err := k.bob.m.AcceptFile(ctx, k.ba, msg.ID); err != nil {
		t.Fatal(err)
	}
	f, ok, err := k.bob.m.incomingFrom(ctx, k.ba, msg.ID)
	if err != nil || !ok || f.Asked || !f.Dropped || !f.Ended {
		t.Fatalf("a request's accepted file: %+v, %v, %v; want dropped, ended, not asked", f, ok, err)
	}
	if err := k.bob.m.Accept(ctx, k.ba); err != nil {
		t.Fatal(err)
	}
	got := k.bob.waitFileRow(msg.ID, store.FileComplete)
	want, _ := os.ReadFile(k.path)
	if have, err := os.ReadFile(got.File.Path); err != nil || !bytes.Equal(have, want) {
		t.Fatalf("the resumed file differs (%v)", err)
	}
	k.alice.waitFileRow(msg.ID, store.FileComplete)
}

// TestResumeCancelled: a cancellation from either side ends a file that
// waits to be resumed on both sides, with nothing left in downloads.
func TestResumeCancelled(t *testing.T) {
	ctx := context.Background()
	t.Run("receiver, while the sender is offline", func(t *testing.T) {
		k := newResumeKit(t, false)
		msg := k.send(t)
		k.alice.stop()
		if err := k.bob.m.AcceptFile(ctx, k.ba, msg.ID); err != nil {
			t.Fatal(err)
		}
		if err := k.bob.m.CancelFile(ctx, k.ba, msg.ID); err != nil {
			t.Fatal(err)
		}
		k.alice.start() // finds the request to resume, then the cancellation
		k.alice.waitFileRow(msg.ID, store.FileCancelled)
		if f := k.bob.fileRow(k.ba, msg.ID); f.State != store.FileCancelled {
			t.Fatalf("bob's row is %s, want cancelled", fileStateName(f.State))
		}
		if left := k.bob.downloads(); len(left) != 0 {
			t.Fatalf("a cancelled file left %v in downloads", left)
		}
	})
	t.Run("sender, before acceptance", func(t *testing.T) {
		k := newResumeKit(t, false)
		msg := k.send(t)
		if err := k.alice.m.CancelFile(ctx, k.ab, msg.ID); err != nil {
			t.Fatal(err)
		}
		k.bob.waitFileRow(msg.ID, store.FileCancelled)
		if err := k.bob.m.AcceptFile(ctx, k.ba, msg.ID); !errors.Is(err, ErrNoTransfer) {
			t.Fatalf("accepting a cancelled file: %v, want ErrNoTransfer", err)
		}
		if n := k.bob.heldChunks(msg.ID); n != 0 {
			t.Fatalf("%d held chunks left after the cancellation", n)
		}
		if left := k.bob.downloads(); len(left) != 0 {
			t.Fatalf("a cancelled file left %v in downloads", left)
		}
	})
}
