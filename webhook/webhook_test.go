package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
)

// testClient gives up on an attempt after 3 s: a receiver that hangs costs
// the test that, and a loaded machine (the race pass of CI) still answers
// well within it, so an attempt answered 2xx is never retried.
func testClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestDeliveryThroughFailures has a receiver that answers 500, then hangs
// past the client's timeout, then comes back, while a second webhook's
// receiver answers at once: each receiver accepts every event of the log
// once by id, in the log's order, each signature checked by the receiver
// itself; the failing head's retry state is stored while it fails and
// cleared once it is delivered.
func TestDeliveryThroughFailures(t *testing.T) {
	ctx := context.Background()
	alice, bob, bobID, aliceID := pair(t)
	flaky, steady := newReceiver(t, "flaky secret 0123456789"), newReceiver(t, "")
	hFlaky, err := alice.AddWebhook(ctx, flaky.srv.URL+"/hook?token=x", flaky.secret)
	if err != nil {
		t.Fatal(err)
	}
	hSteady, err := alice.AddWebhook(ctx, steady.srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hSteady.Secret, "whsec_") || len(hSteady.Secret) != 6+64 {
		t.Fatalf("generated secret %q", hSteady.Secret)
	}
	steady.secret = hSteady.Secret
	start, err := alice.EventCursor(ctx, chat.WebhookConsumer(hFlaky.ID))
	if err != nil {
		t.Fatal(err)
	}

	// The script of the flaky receiver: three 500s, a hang, then 2xx.
	script := []behaviour{answer500, answer500, answer500, answerHang}
	flaky.setBehave(func(delivery) behaviour {
		if len(script) == 0 {
			return answerOK
		}
		b := script[0]
		script = script[1:]
		return b
	})
	obs := newCounter()
	runDispatcher(t, Config{Messenger: alice, Client: testClient(), MinBackoff: time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, Observer: obs})

	for i := range 5 {
		if _, err := alice.Send(ctx, bobID, fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// The head's retry state is stored while it fails: wait for the first
	// hang (three failures recorded before it).
	for d := range flaky.attempts {
		if d.Answer == answerHang {
			break
		}
	}
	if h, err := alice.Webhook(ctx, hFlaky.ID); err != nil || h.Head.Attempts < 3 || h.Head.Since.IsZero() {
		t.Errorf("retry state while failing: %+v, %v", h.Head, err)
	}
	// Bob answers, so that status events come after the messages'.
	for range 5 {
		waitEvent(t, bob, "a message", func(e chat.Event) bool { _, ok := e.(chat.MessageReceived); return ok })
	}
	if _, err := bob.Send(ctx, aliceID, "an answer"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, alice, "Bob's answer", func(e chat.Event) bool { _, ok := e.(chat.MessageReceived); return ok })

	last, err := alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flaky.waitSeq(last)
	steady.waitSeq(last)
	want := loggedSeqs(t, alice, start, last)
	if len(want) < 7 {
		t.Fatalf("only %d events logged", len(want))
	}
	for name, r := range map[string]*receiver{"flaky": flaky, "steady": steady} {
		order, counts, bad := r.snapshot()
		if len(bad) > 0 {
			t.Errorf("%s: failed checks: %q", name, bad)
		}
		var got []int64
		for _, d := range order {
			if d.Seq <= last {
				got = append(got, d.Seq)
			}
			if counts[d.ID] != 1 {
				t.Errorf("%s: event %s accepted %d times", name, d.ID, counts[d.ID])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s accepted %v, the log has %v", name, got, want)
		}
	}
	flaky.mu.Lock()
	left := len(script)
	flaky.mu.Unlock()
	if left != 0 || obs.count(resultFailed) < 4 || obs.count(resultDead) != 0 {
		t.Errorf("script left %d; %d failed, %d dead", left, obs.count(resultFailed), obs.count(resultDead))
	}
	if h, err := alice.Webhook(ctx, hFlaky.ID); err != nil || h.Head != (chat.Webhook{}).Head {
		t.Errorf("retry state after delivery: %+v, %v", h.Head, err)
	}
}

// TestDeadLetterAndReplay has a receiver refuse one event until the
// maximum age passes: the event is dead-lettered (with the last error and
// its attempts), the events after it are delivered, and a replay, once the
// receiver takes it, delivers it with the same id and empties the list.
func TestDeadLetterAndReplay(t *testing.T) {
	ctx := context.Background()
	alice, _, bobID, _ := pair(t)
	r := newReceiver(t, "dead letter secret 0123")
	h, err := alice.AddWebhook(ctx, r.srv.URL, r.secret)
	if err != nil {
		t.Fatal(err)
	}
	doomed, refuse := "", true
	r.setBehave(func(d delivery) behaviour {
		if doomed == "" && d.Text == "doomed" {
			doomed = d.ID
		}
		if d.ID == doomed && refuse {
			return answer500
		}
		return answerOK
	})
	obs := newCounter()
	runDispatcher(t, Config{Messenger: alice, Client: testClient(), MinBackoff: time.Millisecond,
		MaxBackoff: 10 * time.Millisecond, MaxAge: 150 * time.Millisecond, Observer: obs})

	if _, err := alice.Send(ctx, bobID, "doomed"); err != nil {
		t.Fatal(err)
	}
	for res := range obs.seen {
		if res == resultDead {
			break
		}
	}
	if _, err := alice.Send(ctx, bobID, "after"); err != nil {
		t.Fatal(err)
	}
	var after delivery
	for d := range r.got {
		if d.Text == "after" {
			after = d
			break
		}
	}
	dead, err := alice.DeadLetters(ctx, h.ID, false)
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
	l := dead[0]
	if fmt.Sprintf("ev-%d", l.EventSeq) != doomed || l.EventSeq >= after.Seq || l.Attempts < 2 ||
		!strings.Contains(l.Error, "500") || l.DeadAt.Sub(l.FirstTry) < 150*time.Millisecond || l.Replay {
		t.Errorf("dead letter %+v (doomed %s, after %d)", l, doomed, after.Seq)
	}
	if _, counts, _ := r.snapshot(); counts[doomed] != 0 {
		t.Errorf("the doomed event was accepted %d times", counts[doomed])
	}

	r.mu.Lock()
	refuse = false
	r.mu.Unlock()
	if n, err := alice.ReplayDeadLetters(ctx, 0, l.ID); err != nil || n != 1 {
		t.Fatalf("replay: %d, %v", n, err)
	}
	for d := range r.got {
		if d.ID == doomed {
			break
		}
	}
	if _, counts, bad := r.snapshot(); counts[doomed] != 1 || len(bad) > 0 {
		t.Errorf("replayed %d times; failed checks %q", counts[doomed], bad)
	}
	// ReplayDone deletes the letter right after the 2xx: wait for the
	// observer's ok of the replay, then the list is empty.
	waitDeadLetters(t, alice, h.ID, obs, 0)
	if _, err := alice.ReplayDeadLetters(ctx, 0, l.ID); !errors.Is(err, chat.ErrNoDeadLetter) {
		t.Errorf("replaying a delivered letter: %v", err)
	}
}

// waitDeadLetters waits, on the observer's reports, until webhook id has
// n dead letters.
func waitDeadLetters(t *testing.T, m *chat.Messenger, id int64, obs *counter, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		dead, err := m.DeadLetters(context.Background(), id, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) == n {
			return
		}
		select {
		case <-obs.seen:
		case <-m.WebhooksChanged():
		case <-deadline:
			t.Fatalf("%d dead letters, want %d", len(dead), n)
		}
	}
}

// TestRestartKeepsRetryState stops the dispatcher while an event fails
// and starts another: the new one goes on from the stored retry state (the
// first failure's time and the attempts), so the maximum age counts from
// the first failure, not from the restart. Its clock is two hours ahead
// with a maximum age of one: its first attempt dead-letters the event.
func TestRestartKeepsRetryState(t *testing.T) {
	ctx := context.Background()
	alice, _, bobID, _ := pair(t)
	r := newReceiver(t, "restart secret 0123456789")
	h, err := alice.AddWebhook(ctx, r.srv.URL, r.secret)
	if err != nil {
		t.Fatal(err)
	}
	r.setBehave(func(delivery) behaviour { return answer500 })
	obs := newCounter()
	d, err := New(Config{Messenger: alice, Client: testClient(), MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond, MaxAge: time.Hour, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	if _, err := alice.Send(ctx, bobID, "retried"); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 3; {
		if <-obs.seen == resultFailed {
			n++
		}
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	before, err := alice.Webhook(ctx, h.ID)
	if err != nil || before.Head.Attempts < 3 || before.Head.Since.IsZero() {
		t.Fatalf("stored retry state %+v, %v", before.Head, err)
	}

	obs2 := newCounter()
	runDispatcher(t, Config{Messenger: alice, Client: testClient(), MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond, MaxAge: time.Hour, Observer: obs2,
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	for res := range obs2.seen {
		if res == resultDead {
			break
		}
	}
	dead, err := alice.DeadLetters(ctx, h.ID, false)
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
	if l := dead[0]; l.EventSeq != before.Head.Seq || !l.FirstTry.Equal(before.Head.Since) || l.Attempts != before.Head.Attempts+1 {
		t.Errorf("dead letter %+v, stored state %+v", l, before.Head)
	}
}

// TestStaleCursorDropped acknowledges for a removed webhook, as its worker
// may while it stops: the stale cursor is dropped, another consumer's
// stays.
func TestStaleCursorDropped(t *testing.T) {
	ctx := context.Background()
	alice := newMessenger(t, "Alice")
	h, err := alice.AddWebhook(ctx, "http://127.0.0.1:9/", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.RemoveWebhook(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	last, err := alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{chat.WebhookConsumer(h.ID), "desk"} {
		if err := alice.AckEvents(ctx, name, last); err != nil {
			t.Fatal(err)
		}
	}
	if err := alice.DropStaleWebhookCursors(ctx); err != nil {
		t.Fatal(err)
	}
	cursors, err := alice.EventConsumers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cursors["desk"]; !ok || len(cursors) != 1 {
		t.Errorf("cursors %v, want desk alone", cursors)
	}
}
