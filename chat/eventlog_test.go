package chat

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratchat/store"
)

// TestEventTypeNames checks how a store event and the row it names give
// a logged event's type.
func TestEventTypeNames(t *testing.T) {
	in := &Message{Direction: Incoming, Kind: RowText}
	out := &Message{Direction: Outgoing, Kind: RowFile}
	failed := &Message{Direction: Incoming, Kind: RowDecryptFailed}
	local := &Message{Direction: Local, Kind: RowVerified}
	request := &Contact{State: StateRequest}
	contact := &Contact{State: StateContact}
	cases := []struct {
		typ  store.EventType
		msg  *Message
		peer *Contact
		want string
	}{
		{store.EventMessageNew, in, contact, EventReceived},
		{store.EventMessageNew, in, request, EventReceived}, // a request's message: received, contact.request in JSON
		{store.EventMessageNew, out, contact, EventSent},
		{store.EventMessageNew, failed, contact, EventDecryptFailed},
		{store.EventMessageNew, local, contact, EventLocal},
		{store.EventStatus, out, contact, EventStatus},
		{store.EventMessageChanged, in, contact, EventChanged},
		{store.EventMessageRemoved, nil, contact, EventRemoved},
		{store.EventContactNew, nil, request, EventRequest},
		{store.EventContactNew, nil, contact, EventContact},
		{store.EventContactNew, nil, nil, EventContact}, // gone since
		{store.EventContactChanged, nil, request, EventContact},
		{store.EventContactRemoved, nil, nil, EventContactRemoved},
		{store.EventKeyChange, nil, contact, EventKeyChange},
		{store.EventGroupChanged, nil, contact, EventMembership},
	}
	for _, c := range cases {
		if got := eventType(c.typ, c.msg, c.peer); got != c.want {
			t.Errorf("%v of %+v: %q, want %q", c.typ, c.msg, got, c.want)
		}
	}
}

// readAll returns every event of p's log.
func readAll(t *testing.T, p *profile) []LoggedEvent {
	t.Helper()
	evs, err := p.m.EventsAfter(context.Background(), 0, store.MaxEventBatch)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.ID != "ev-"+strconv.FormatInt(e.Seq, 10) || (i > 0 && e.Seq <= evs[i-1].Seq) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	return evs
}

// typesOf lists the types of the events about one message (by its id),
// or about contacts when id is nil.
func typesOf(evs []LoggedEvent, id *store.MessageID) []string {
	var out []string
	for _, e := range evs {
		if (id == nil && e.MessageSeq == 0) || (id != nil && e.Message != nil && e.Message.ID == *id) {
			out = append(out, e.Type)
		}
	}
	return out
}

// TestLoggedEvents has alice add bob, bob accept, alice send and edit a
// message, and reads both logs: each change is one event of the right
// type, in order, with the message and status it reports.
func TestLoggedEvents(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	sent, err := alice.m.Send(ctx, ab.ID, "hello")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("hello")
	alice.waitStatus(sent.ID, StatusDelivered)
	if _, err := alice.m.Edit(ctx, ab.ID, sent.ID, "hello again"); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("the edit", 10*time.Second, func(e Event) bool {
		s, ok := e.(MessageStored)
		return ok && string(s.Message.Body) == "hello again"
	})

	a := readAll(t, alice)
	if got := typesOf(a, &sent.ID); !slices.Equal(got, []string{EventSent, EventStatus, EventStatus, EventChanged}) {
		t.Errorf("alice's events of the message: %v", got)
	}
	var statuses []Status
	for _, e := range a {
		if e.Message != nil && e.Message.ID == sent.ID {
			if !e.HasStatus {
				t.Errorf("no status in %+v", e)
			}
			statuses = append(statuses, e.Status)
		}
	}
	if !slices.Equal(statuses, []Status{StatusQueued, StatusSent, StatusDelivered, StatusDelivered}) {
		t.Errorf("alice's statuses: %v", statuses)
	}
	if c := typesOf(a, nil); len(c) == 0 || c[0] != EventContact {
		t.Errorf("alice's contact events: %v", c)
	}

	b := readAll(t, bob)
	if got := typesOf(b, &sent.ID); !slices.Equal(got, []string{EventReceived, EventChanged}) {
		t.Errorf("bob's events of the message: %v", got)
	}
	i := slices.IndexFunc(b, func(e LoggedEvent) bool { return e.Type == EventReceived && e.Message.ID == sent.ID })
	if e := b[i]; e.Peer == nil || e.Peer.Name != "alice" || string(e.Message.Body) != "hello again" || e.Contact != e.Peer.ID {
		t.Errorf("bob's received event: %+v", e)
	}
	contacts := typesOf(b, nil)
	if len(contacts) < 2 || contacts[0] != EventRequest || !slices.Contains(contacts[1:], EventContact) {
		t.Errorf("bob's contact events: %v (a request, then its acceptance)", contacts)
	}
	if r := slices.IndexFunc(b, func(e LoggedEvent) bool { return e.Type == EventRequest }); r > i {
		t.Errorf("the request came after its message: %v", b)
	}
}

// TestWaitEvents checks that WaitEvents returns at once when an event is
// there, is woken by a commit when none is, and ends with its context.
func TestWaitEvents(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "alice", "")
	last, err := p.m.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.m.WaitEvents(ctx, last-1); last > 0 && err != nil {
		t.Fatalf("an event is there: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.m.WaitEvents(ctx, last) }()
	c, err := p.st.AddContact(ctx, Contact{Identity: p.m.Identity(), Name: "me again"}) // any committed change will do
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("woken: %v", err)
	}
	evs, err := p.m.EventsAfter(ctx, last, 10)
	if err != nil || len(evs) != 1 || evs[0].Contact != c || evs[0].Type != EventContact {
		t.Fatalf("the event that woke it: %+v, %v", evs, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { done <- p.m.WaitEvents(cctx, evs[0].Seq) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestEventCursor checks the cursor through the messenger: a new
// consumer starts at 0, acks move it forward only, and bad acks and names
// are refused with their errors.
func TestEventCursor(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "alice", "")
	if _, err := p.st.AddContact(ctx, Contact{Identity: p.m.Identity(), Name: "an event"}); err != nil {
		t.Fatal(err)
	}
	last, err := p.m.LastEventSeq(ctx)
	if err != nil || last == 0 {
		t.Fatalf("a new profile's log: %d, %v", last, err)
	}
	steps := []struct {
		consumer string
		seq      int64
		err      error
		cursor   int64
	}{
		{"app", last, nil, last},
		{"app", 0, nil, last},
		{"app", last + 1, ErrAckAhead, last},
		{"app", -1, ErrAckAhead, last},
		{"", 1, ErrEventConsumer, -1},
		{strings.Repeat("x", store.MaxConsumerName+1), 1, ErrEventConsumer, -1},
	}
	for _, s := range steps {
		if err := p.m.AckEvents(ctx, s.consumer, s.seq); !errors.Is(err, s.err) {
			t.Fatalf("ack %q %d: %v, want %v", s.consumer, s.seq, err, s.err)
		}
		c, err := p.m.EventCursor(ctx, s.consumer)
		if s.cursor < 0 {
			if !errors.Is(err, ErrEventConsumer) {
				t.Fatalf("cursor of %q: %v", s.consumer, err)
			}
			continue
		}
		if err != nil || c != s.cursor {
			t.Fatalf("cursor of %q = %d, %v; want %d", s.consumer, c, err, s.cursor)
		}
	}
	if cs, err := p.m.EventConsumers(ctx); err != nil || cs["app"] != last || len(cs) != 1 {
		t.Fatalf("consumers: %v, %v", cs, err)
	}
	if n, err := p.m.PruneEvents(ctx); err != nil || n != 0 {
		t.Fatalf("pruning fresh events: %d, %v", n, err)
	}
}
