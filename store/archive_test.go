package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestArchiveQueueTriggers checks that, while the archive is enabled and
// only then, each insert, record change and deletion of a message row
// queues exactly one copy, readable as the row was written, and that a
// status change queues nothing.
func TestArchiveQueueTriggers(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	before := testMessage(bob, 1)
	if _, _, err := s.InsertMessage(ctx, before); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, ArchiveKeySize)
	if _, err := s.EnableArchive(ctx, key, ArchivePolicy{Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	m := testMessage(bob, 2)
	seq, _, err := s.InsertMessage(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.InsertMessage(ctx, m); err != nil { // a redelivery: not inserted, not queued
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, bob, m.ID, StatusRead); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMessage(ctx, bob, m.ID, func(x *Message) error { x.Body = []byte("edited"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, seq); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableArchive(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.InsertMessage(ctx, testMessage(bob, 3)); err != nil {
		t.Fatal(err)
	}
	q, err := s.ArchiveQueue(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		op   ArchiveOp
		body string
	}{{ArchiveInserted, "message 2"}, {ArchiveUpdated, "edited"}, {ArchiveDeleted, ""}}
	if len(q) != len(want) {
		t.Fatalf("%d queued rows, want %d: %+v", len(q), len(want), q)
	}
	if q[1].Old == nil || string(q[1].Old.Body) != "message 2" {
		t.Fatalf("the update's old row = %+v, want the text before the edit", q[1].Old)
	}
	if n, err := s.ArchiveQueued(ctx); err != nil || n != 3 {
		t.Fatalf("ArchiveQueued = %d, %v", n, err)
	}
	for i, w := range want {
		if q[i].Op != w.op || string(q[i].Message.Body) != w.body || q[i].Message.Seq != seq || q[i].Message.Conversation != bob {
			t.Fatalf("row %d = op %d %q (seq %d), want op %d %q (seq %d)", i, q[i].Op, q[i].Message.Body, q[i].Message.Seq, w.op, w.body, seq)
		}
	}
	head := ChainPoint{Seq: 3, Hash: [ChainHashSize]byte{9}}
	if err := s.ArchiveDrained(ctx, q[len(q)-1].ID, head); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.ArchiveQueue(ctx, 0, 100); len(q) != 0 {
		t.Fatalf("%d rows left after draining", len(q))
	}
	st, err := s.ArchiveState(ctx)
	if err != nil || st.Enabled || st.Head != head || !bytes.Equal(st.Key, key) || st.Policy.Retention != time.Hour {
		t.Fatalf("state = %+v, %v", st, err)
	}
	// The key is never replaced.
	if got, err := s.EnableArchive(ctx, bytes.Repeat([]byte{8}, ArchiveKeySize), ArchivePolicy{}); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("second EnableArchive = %x, %v; want the first key", got, err)
	}
}

// TestArchiveQueueLeavesNoPlaintext checks that the drained queue leaves
// no trace of a message's text in the database files (the copies are
// sealed, and secure_delete overwrites the deleted rows).
func TestArchiveQueueLeavesNoPlaintext(t *testing.T) {
	ctx := context.Background()
	s, dir := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	if _, err := s.EnableArchive(ctx, make([]byte, ArchiveKeySize), ArchivePolicy{}); err != nil {
		t.Fatal(err)
	}
	m := testMessage(bob, 1)
	m.Body = []byte("zebra-crossing-plaintext-canary")
	if _, _, err := s.InsertMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	q, _ := s.ArchiveQueue(ctx, 0, 10)
	if len(q) != 1 {
		t.Fatalf("%d queued", len(q))
	}
	if err := s.ArchiveDrained(ctx, q[0].ID, ChainPoint{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte("zebra-crossing")) {
			t.Fatalf("%s holds the message text in the clear", f)
		}
	}
}

// TestArchiveQueueContactDeleted: deleting a contact deletes its messages
// by cascade, and each deletion is queued as the archive's record that the
// row left the history here.
func TestArchiveQueueContactDeleted(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	if _, err := s.EnableArchive(ctx, make([]byte, ArchiveKeySize), ArchivePolicy{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, _, err := s.InsertMessage(ctx, testMessage(bob, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteContact(ctx, bob); err != nil {
		t.Fatal(err)
	}
	q, err := s.ArchiveQueue(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	deleted := 0
	for _, r := range q {
		if r.Op == ArchiveDeleted && r.Message.Conversation == bob {
			deleted++
		}
	}
	if len(q) != 6 || deleted != 3 {
		t.Fatalf("%d queued rows, %d deletions; want 3 inserts and 3 deletions", len(q), deleted)
	}
}
