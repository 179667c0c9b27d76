package chat

import (
	"context"
	"errors"
	"testing"
	"time"

	"ratchat/store"
)

// waitArchived waits, on the store's commit signal, until p's archive
// head counts want records; it fails after a bound far past any tick a
// drain could be waiting for in the test.
func waitArchived(t *testing.T, p *profile, want uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		next := p.st.Committed()
		st, err := p.st.ArchiveState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Head.Seq >= want {
			return
		}
		select {
		case <-next:
		case <-ctx.Done():
			t.Fatalf("the archive holds %d records, want %d: no drain followed the commit", st.Head.Seq, want)
		}
	}
}

// TestRunArchiveFollowsCommits: with a fallback of an hour, RunArchive
// still archives each message as soon as its row is committed (the test
// waits on the store's commits, with no clock), batch after batch, and
// returns when its context ends.
func TestRunArchiveFollowsCommits(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "desk", "")
	bob := addArchiveContact(t, p)
	if err := p.m.EnableArchive(ctx, 0, "owner"); err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.m.RunArchive(rctx, time.Hour, nil) }()
	for i, n := range []int{1, 1, 50} { // one, another, then a burst
		for j := range n {
			now := time.Now()
			m := store.Message{Conversation: bob, ID: store.MessageID{byte(i), byte(j)}, Direction: store.Incoming,
				Body: []byte("m"), Sent: now, Received: now, Status: store.StatusDelivered, StatusAt: now}
			if _, _, err := p.st.InsertMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		want := map[int]uint64{0: 1, 1: 2, 2: 52}[i]
		waitArchived(t, p, want)
	}
	if q, err := p.st.ArchiveQueued(ctx); err != nil || q != 0 {
		t.Fatalf("queue after the drains: %d, %v", q, err)
	}
	if got := len(archivedEntries(t, p)); got != 52 {
		t.Fatalf("%d records, want 52", got)
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("RunArchive returned %v, want its context's end", err)
	}
}

// TestWaitArchiveQueue: the wait returns at once for a queued row, and
// with the context's error while the queue stays empty.
func TestWaitArchiveQueue(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "desk", "")
	bob := addArchiveContact(t, p)
	if err := p.m.EnableArchive(ctx, 0, "owner"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := p.m.WaitArchiveQueue(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitArchiveQueue on an empty queue = %v", err)
	}
	now := time.Now()
	m := store.Message{Conversation: bob, ID: store.MessageID{1}, Direction: store.Incoming,
		Body: []byte("m"), Sent: now, Received: now, Status: store.StatusDelivered, StatusAt: now}
	if _, _, err := p.st.InsertMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := p.m.WaitArchiveQueue(ctx); err != nil {
		t.Fatal(err)
	}
}
