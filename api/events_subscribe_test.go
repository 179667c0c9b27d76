package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// subKit is a business (alice) with one contact (bob) whose home is up,
// serving its socket.
type subKit struct {
	alice   *chat.Messenger
	srv     *Server
	contact store.ContactID
}

// newSubKit starts the kit.
func newSubKit(t *testing.T) *subKit {
	t.Helper()
	bob, alice := newProfile(t, "Bob"), newProfile(t, "Alice")
	waitOnline(t, bob)
	k := &subKit{alice: alice, srv: listen(t, alice, Config{})}
	inv, _ := bob.Invite()
	c, err := alice.AddContact(context.Background(), inv, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	k.contact = c.ID
	return k
}

// send queues n texts "<prefix>NNNN" to bob, in order, without waiting
// for them to leave.
func (k *subKit) send(t *testing.T, prefix string, n int) {
	t.Helper()
	for i := range n {
		if _, err := k.alice.Send(context.Background(), k.contact, fmt.Sprintf("%s%04d", prefix, i)); err != nil {
			t.Fatal(err)
		}
	}
}

// testCtx is a bound on a whole test's waiting: reaching it is a failure,
// never a pace.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// streamReader reads a subscription's events and checks the stream's
// shape: every sequence number once, one more than the last (no type
// filter, the owner sees everything), and texts of message.sent in
// order.
type streamReader struct {
	t     *testing.T
	sub   *Subscription
	last  int64    // the last seq read
	texts []string // of message.sent, in order
}

// readUntil reads batches until want texts were sent, acking each batch
// after it is handled when ack is set.
func (r *streamReader) readUntil(ctx context.Context, want int, ack bool) {
	r.t.Helper()
	for len(r.texts) < want {
		n, err := r.sub.Next(ctx)
		if err != nil {
			r.t.Fatalf("after %d texts: %v", len(r.texts), err)
		}
		r.take(n)
		if ack {
			if _, err := r.sub.Ack(ctx, n.Cursor); err != nil {
				r.t.Fatal(err)
			}
		}
	}
}

// take checks and records one batch.
func (r *streamReader) take(n EventsNotification) {
	r.t.Helper()
	if len(n.Events) == 0 || n.Cursor < n.Events[len(n.Events)-1].Seq {
		r.t.Fatalf("batch %+v", n)
	}
	for _, e := range n.Events {
		if e.Seq != r.last+1 {
			r.t.Fatalf("event %d after %d: a gap or a repeat", e.Seq, r.last)
		}
		r.last = e.Seq
		if e.Type == chat.EventSent {
			r.texts = append(r.texts, e.Message.Text)
		}
	}
}

// checkTexts asserts that the texts are "<prefix>0000" on, in order.
func checkTexts(t *testing.T, texts []string, prefix string, n int) {
	t.Helper()
	if len(texts) != n {
		t.Fatalf("%d texts, want %d", len(texts), n)
	}
	for i, s := range texts {
		if want := fmt.Sprintf("%s%04d", prefix, i); s != want {
			t.Fatalf("text %d is %q, want %q", i, s, want)
		}
	}
}

// TestSubscribeStream: over the real socket, a subscription from the
// start streams 1,000 messages as they are sent, in order, every event
// once with no gap, while the consumer acks each batch; the first
// notification comes after the subscribe answer.
func TestSubscribeStream(t *testing.T) {
	k := newSubKit(t)
	ctx := testCtx(t)
	c := dial(t, k.alice)
	sub, err := c.Subscribe(ctx, EventsSubscribeParams{Consumer: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.After != 0 || sub.Window != DefaultSubscribeWindow {
		t.Fatalf("subscribe: after %d, window %d", sub.After, sub.Window)
	}
	done := make(chan struct{})
	go func() { defer close(done); k.send(t, "m", 1000) }()
	r := &streamReader{t: t, sub: sub}
	r.readUntil(ctx, 1000, true)
	<-done
	checkTexts(t, r.texts, "m", 1000)
	cur, err := k.alice.EventCursor(ctx, "app")
	if err != nil || cur < r.last {
		t.Fatalf("cursor %d (%v), want at least %d", cur, err, r.last)
	}
}

// TestSubscribeResume: a consumer that disconnects, and then a service
// that restarts, are resumed exactly after the last ack: what was
// delivered and not acked comes again, nothing acked does, nothing is
// skipped.
func TestSubscribeResume(t *testing.T) {
	k := newSubKit(t)
	ctx := testCtx(t)
	k.send(t, "a", 300)
	handled := &streamReader{t: t} // what the consumer handled and acked
	// The consumer reads 100 texts, acks up to the 100th, reads on
	// without acking, and dies.
	c := dial(t, k.alice)
	sub, err := c.Subscribe(ctx, EventsSubscribeParams{Consumer: "app"})
	if err != nil {
		t.Fatal(err)
	}
	for len(handled.texts) < 100 {
		n, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range n.Events {
			if len(handled.texts) < 100 {
				handled.take(EventsNotification{Events: []Event{e}, Cursor: e.Seq})
			}
		}
	}
	if _, err := sub.Ack(ctx, handled.last); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(ctx); err != nil { // more comes, unacked
		t.Fatal(err)
	}
	c.Close()

	// The consumer again: it starts after its ack.
	c = dial(t, k.alice)
	sub, err = c.Subscribe(ctx, EventsSubscribeParams{Consumer: "app"})
	if err != nil || sub.After != handled.last {
		t.Fatalf("resubscribe: after %v, want %d (%v)", sub, handled.last, err)
	}
	handled.sub = sub
	handled.readUntil(ctx, 200, false)
	if _, err := sub.Ack(ctx, handled.last); err != nil {
		t.Fatal(err)
	}
	c.Close()

	// The service restarts; the consumer resumes from the same cursor.
	dir := profileDir(t, k.alice)
	k.srv.Close()
	if err := k.alice.Close(); err != nil {
		t.Fatal(err)
	}
	alice, err := chat.Open(ctx, chat.Profile{Dir: dir, Store: []store.Option{cheapKDF}}, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alice.Close() })
	listen(t, alice, Config{})
	c, err = Dial(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sub, err = c.Subscribe(ctx, EventsSubscribeParams{Consumer: "app"})
	if err != nil || sub.After != handled.last {
		t.Fatalf("after the restart: after %v, want %d (%v)", sub, handled.last, err)
	}
	handled.sub = sub
	handled.readUntil(ctx, 300, true)
	checkTexts(t, handled.texts, "a", 300)
}

// TestSubscribeWindow: a consumer that does not ack gets window events
// and no more (the events were all there before it subscribed, so a
// stream without the bound would have sent them at once); each ack lets
// as many more come; unsubscribe ends the stream at what was pushed.
func TestSubscribeWindow(t *testing.T) {
	k := newSubKit(t)
	ctx := testCtx(t)
	k.send(t, "w", 30)
	if err := k.alice.WaitEvents(ctx, 30); err != nil {
		t.Fatal(err)
	}
	c := dial(t, k.alice)
	sub, err := c.Subscribe(ctx, EventsSubscribeParams{Consumer: "slow", Window: 5})
	if err != nil {
		t.Fatal(err)
	}
	r := &streamReader{t: t, sub: sub}
	n, err := sub.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.take(n)
	if len(n.Events) != 5 {
		t.Fatalf("%d events before any ack, want the window's 5", len(n.Events))
	}
	if _, err := sub.Ack(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for r.last < 8 {
		n, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r.take(n)
	}
	if r.last != 8 {
		t.Fatalf("after acking 3 of 5, events up to %d, want 8", r.last)
	}
	var res EventsUnsubscribeResult
	if err := c.Call(ctx, "events.unsubscribe", EventsUnsubscribeParams{Consumer: "slow"}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Cursor != 8 {
		t.Fatalf("unsubscribe: cursor %d, want 8", res.Cursor)
	}
	wantCode(t, c.Call(ctx, "events.unsubscribe", EventsUnsubscribeParams{Consumer: "slow"}, nil), CodeNotSubscribed, ErrNotSubscribed)
}

// rawLine reads one line of a raw connection as JSON.
func rawLine(t *testing.T, r *bufio.Reader) incoming {
	t.Helper()
	b, err := r.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var in incoming
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return in
}

// TestUnsubscribeStops: on a raw connection with two subscriptions, once
// "gone" is unsubscribed only "stays" gets notifications: after new
// events reach "stays", a request's answer is the next line, and no
// notification of "gone" came in between.
func TestUnsubscribeStops(t *testing.T) {
	k := newSubKit(t)
	ctx := testCtx(t)
	conn, err := net.Dial("unix", SocketPath(profileDir(t, k.alice)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	last, err := k.alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range []string{
		fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"events.subscribe","params":{"consumer":"gone","after":%d}}`, last),
		fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"events.subscribe","params":{"consumer":"stays","after":%d}}`, last),
		`{"jsonrpc":"2.0","id":3,"method":"events.unsubscribe","params":{"consumer":"gone"}}`,
	} {
		fmt.Fprintln(conn, line)
		if in := rawLine(t, r); string(in.ID) != fmt.Sprint(i+1) || in.Error != nil {
			t.Fatalf("answer %d: %+v", i+1, in)
		}
	}
	k.send(t, "u", 3)
	seen := 0
	for seen < 3 {
		in := rawLine(t, r)
		var n EventsNotification
		if in.Method != NotifyEvents || json.Unmarshal(in.Params, &n) != nil || n.Consumer != "stays" {
			t.Fatalf("line %+v: only notifications of \"stays\" may come", in)
		}
		for _, e := range n.Events {
			if e.Type == chat.EventSent {
				seen++
			}
		}
	}
	fmt.Fprintln(conn, `{"jsonrpc":"2.0","id":4,"method":"events.unsubscribe","params":{"consumer":"stays"}}`)
	for {
		in := rawLine(t, r)
		if in.Method == NotifyEvents { // "stays" may still push its last batches
			var n EventsNotification
			if json.Unmarshal(in.Params, &n) != nil || n.Consumer != "stays" {
				t.Fatalf("a notification of %q after its unsubscribe", n.Consumer)
			}
			continue
		}
		if string(in.ID) != "4" || in.Error != nil {
			t.Fatalf("unsubscribe answer: %+v", in)
		}
		break
	}
}

// TestSubscribeDoesNotBlock: while a subscription streams on a
// connection, other calls on it are answered; and a long poll on the
// same connection does not hold the stream back.
func TestSubscribeDoesNotBlock(t *testing.T) {
	k := newSubKit(t)
	ctx := testCtx(t)
	c := dial(t, k.alice)
	last, err := k.alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Subscribe(ctx, EventsSubscribeParams{Consumer: "app", After: &last, Types: []string{chat.EventSent}})
	if err != nil {
		t.Fatal(err)
	}
	// A long poll on the same connection, after an event no send of the
	// test reaches: it waits its whole 30 s.
	polled := make(chan error, 1)
	go func() {
		var r EventsReadResult
		far := last + 1_000_000
		polled <- c.Call(ctx, "events.read", EventsReadParams{After: &far, WaitSeconds: 30}, &r)
	}()
	k.send(t, "b", 50)
	texts := 0
	for texts < 50 {
		n, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range n.Events {
			if e.Type != chat.EventSent {
				t.Fatalf("type %s through a filter of message.sent", e.Type)
			}
			texts++
		}
		if _, err := sub.Ack(ctx, n.Cursor); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-polled:
		t.Fatalf("the long poll ended before its wait: %v", err)
	default:
	}
	var d DiscoverResult
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Call(callCtx, "rpc.discover", nil, &d); err != nil || len(d.Methods) == 0 {
		t.Fatalf("a call while subscribed: %v", err)
	}
}

// TestSubscribeSocketOnly: over HTTP and in-process, subscribe is refused
// with code 32 (HTTP streams on /events); bad params are refused.
func TestSubscribeSocketOnly(t *testing.T) {
	m := newProfile(t, "Biz")
	s := listen(t, m, Config{})
	ctx := context.Background()
	wantCode(t, s.Call(ctx, "events.subscribe", EventsSubscribeParams{Consumer: "app"}, nil), CodeSocketOnly, ErrSocketOnly)
	wantCode(t, s.Call(ctx, "events.unsubscribe", EventsUnsubscribeParams{Consumer: "app"}, nil), CodeSocketOnly, ErrSocketOnly)
	k := newPollKit(t, HTTPConfig{})
	resp, err := k.rpc(ctx, "events.subscribe", EventsSubscribeParams{Consumer: "app"})
	if err != nil || resp.Error == nil || resp.Error.Code != CodeSocketOnly {
		t.Fatalf("over HTTP: %+v %v", resp.Error, err)
	}
	c := dial(t, m)
	neg := int64(-1)
	for _, tt := range []struct {
		name string
		p    EventsSubscribeParams
		code int
	}{
		{"no consumer", EventsSubscribeParams{}, CodeEventConsumer},
		{"window too large", EventsSubscribeParams{Consumer: "a", Window: MaxSubscribeWindow + 1}, CodeInvalidParams},
		{"negative window", EventsSubscribeParams{Consumer: "a", Window: -1}, CodeInvalidParams},
		{"negative after", EventsSubscribeParams{Consumer: "a", After: &neg}, CodeInvalidParams},
		{"unknown type", EventsSubscribeParams{Consumer: "a", Types: []string{"message.burnt"}}, CodeInvalidParams},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Subscribe(ctx, tt.p)
			wantCode(t, err, tt.code, nil)
		})
	}
	// A failed subscribe leaves the client usable, and the consumer free.
	if _, err := c.Subscribe(ctx, EventsSubscribeParams{Consumer: "a"}); err != nil {
		t.Fatal(err)
	}
}

// TestSubscribeTakeover: the same consumer subscribing on a second
// connection (a consumer back before its old connection was seen to
// close) ends the first stream, so no event goes to both.
func TestSubscribeTakeover(t *testing.T) {
	k := newSubKit(t)
	ctx := testCtx(t)
	old := dial(t, k.alice)
	last, _ := k.alice.LastEventSeq(ctx)
	if _, err := old.Subscribe(ctx, EventsSubscribeParams{Consumer: "app", After: &last}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, k.alice)
	sub, err := c.Subscribe(ctx, EventsSubscribeParams{Consumer: "app", After: &last})
	if err != nil {
		t.Fatal(err)
	}
	// The old connection has no subscription left.
	wantCode(t, old.Call(ctx, "events.unsubscribe", EventsUnsubscribeParams{Consumer: "app"}, nil), CodeNotSubscribed, nil)
	k.send(t, "t", 1)
	if n, err := sub.Next(ctx); err != nil || len(n.Events) == 0 {
		t.Fatalf("the new subscription: %v", err)
	}
	if err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(ctx); !errors.Is(err, ErrSubscriptionEnded) {
		// Queued batches come first; drain them.
		for err == nil {
			_, err = sub.Next(ctx)
		}
		if !errors.Is(err, ErrSubscriptionEnded) {
			t.Fatalf("Next after Close = %v", err)
		}
	}
}
