package store

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

// TestWebhookRows stores webhooks and dead letters and reads them back:
// ids, sealed fields, the head's retry state, replays queued by letter, by
// webhook and for all, a replay failing back to the list, removal with the
// letters, and the bounds.
func TestWebhookRows(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	s, _ := newTestStore(t, WithClock(func() time.Time { return now }))
	a, err := s.AddWebhook(ctx, "https://a.example/hook", "secret a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AddWebhook(ctx, "http://127.0.0.1:8080/b", "secret b")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 1 || b.ID != 2 || !a.Created.Equal(now) {
		t.Fatalf("added %+v, %+v", a, b)
	}
	for _, bad := range [][2]string{{"", "s"}, {"https://x", ""}, {string(make([]byte, MaxWebhookURL+1)), "s"},
		{"https://x", string(make([]byte, MaxWebhookSecret+1))}} {
		if _, err := s.AddWebhook(ctx, bad[0], bad[1]); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("AddWebhook(%d bytes, %d bytes) = %v", len(bad[0]), len(bad[1]), err)
		}
	}
	head := WebhookHead{Seq: 7, Since: now.Add(-time.Minute), Attempts: 3}
	if err := s.SetWebhookHead(ctx, a.ID, head); err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(ctx, a.ID)
	if err != nil || got.URL != a.URL || got.Secret != "secret a" || got.Head.Seq != 7 || got.Head.Attempts != 3 ||
		!got.Head.Since.Equal(head.Since) {
		t.Fatalf("Webhook = %+v, %v", got, err)
	}

	letter := func(hook, seq int64) DeadLetter {
		return DeadLetter{Webhook: hook, EventSeq: seq, Body: []byte(`{"id":"ev-1"}`), Error: "webhook: receiver answered 500",
			FirstTry: now.Add(-7 * 24 * time.Hour), DeadAt: now, Attempts: 180}
	}
	id1, err := s.AddDeadLetter(ctx, letter(a.ID, 7))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Webhook(ctx, a.ID); got.Head != (WebhookHead{}) {
		t.Errorf("a dead letter leaves the head %+v", got.Head)
	}
	id2, _ := s.AddDeadLetter(ctx, letter(a.ID, 9))
	id3, _ := s.AddDeadLetter(ctx, letter(b.ID, 4))
	if _, err := s.AddDeadLetter(ctx, DeadLetter{Webhook: a.ID, Body: make([]byte, MaxDeadBody+1)}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("an oversized body: %v", err)
	}
	all, err := s.DeadLetters(ctx, 0, false)
	if err != nil || len(all) != 3 || all[0].ID != id1 || all[0].EventSeq != 7 || string(all[0].Body) != `{"id":"ev-1"}` ||
		all[0].Attempts != 180 || !all[0].DeadAt.Equal(now) || all[0].Error != "webhook: receiver answered 500" || all[0].Replay {
		t.Fatalf("DeadLetters = %+v, %v", all, err)
	}

	for _, tc := range []struct {
		name      string
		hook, id  int64
		n         int
		err       error
		replaying []int64
	}{
		{"one letter", 0, id2, 1, nil, []int64{id2}},
		{"no such letter", 0, 99, 0, ErrNotFound, []int64{id2}},
		{"a webhook's", b.ID, 0, 1, nil, []int64{id2, id3}},
		{"all", 0, 0, 3, nil, []int64{id1, id2, id3}},
	} {
		n, err := s.ReplayDeadLetters(ctx, tc.hook, tc.id)
		if n != tc.n || !errors.Is(err, tc.err) {
			t.Errorf("%s: ReplayDeadLetters = %d, %v", tc.name, n, err)
		}
		queued, _ := s.DeadLetters(ctx, 0, true)
		var ids []int64
		for _, q := range queued {
			ids = append(ids, q.ID)
		}
		if len(ids) != len(tc.replaying) {
			t.Errorf("%s: queued %v, want %v", tc.name, ids, tc.replaying)
		}
	}
	now = now.Add(time.Hour)
	if err := s.ReplayFailed(ctx, id1, "webhook: posting: connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDeadLetter(ctx, id3); err != nil {
		t.Fatal(err)
	}
	all, _ = s.DeadLetters(ctx, 0, false)
	if len(all) != 2 || all[0].Replay || all[0].Attempts != 181 || all[0].Error != "webhook: posting: connection refused" ||
		!all[0].DeadAt.Equal(now) || !all[1].Replay {
		t.Errorf("after a failed replay and a delivered one: %+v", all)
	}

	if err := s.RemoveWebhook(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveWebhook(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if _, err := s.Webhook(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a removed webhook: %v", err)
	}
	if all, _ := s.DeadLetters(ctx, 0, false); len(all) != 0 {
		t.Errorf("a removed webhook's letters stay: %+v", all)
	}
	if hooks, _ := s.Webhooks(ctx); len(hooks) != 1 || hooks[0].ID != b.ID {
		t.Errorf("Webhooks = %+v", hooks)
	}
}

// TestWebhookCanary puts a canary in a webhook's URL and secret and in a
// dead letter's body and error, and finds none of them on disk, while
// open and after closing.
func TestWebhookCanary(t *testing.T) {
	ctx := context.Background()
	canary := "canary-" + rand.Text()
	s, dir := newTestStore(t)
	h, err := s.AddWebhook(ctx, "https://example.com/"+canary, "secret-"+canary)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDeadLetter(ctx, DeadLetter{Webhook: h.ID, EventSeq: 1, Body: []byte(`{"text":"` + canary + `"}`),
		Error: "error " + canary, DeadAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplayFailed(ctx, 1, "again "+canary); err != nil {
		t.Fatal(err)
	}
	if hits := findIn(profileFiles(t, dir), encodings(canary)); len(hits) != 0 {
		t.Errorf("while open: canary found: %v", hits)
	}
	s.Close()
	if hits := findIn(profileFiles(t, dir), encodings(canary)); len(hits) != 0 {
		t.Errorf("after close: canary found: %v", hits)
	}
}

// TestOutboxDepth counts the outbox's items.
func TestOutboxDepth(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if n, err := s.OutboxDepth(ctx); err != nil || n != 0 {
		t.Fatalf("empty outbox: %d, %v", n, err)
	}
	id, err := s.AddContact(ctx, Contact{Name: "Bob", Identity: testKey(t, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Enqueue(ctx, OutboxItem{Contact: id, Payload: []byte("sealed")}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.OutboxDepth(ctx); err != nil || n != 3 {
		t.Fatalf("outbox depth %d, %v, want 3", n, err)
	}
}
