package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// TestEventsMethods drives events.read and events.ack over the socket:
// reading from a consumer's cursor, acking, reading on, a long poll
// woken by a send, reading from after, and the errors.
func TestEventsMethods(t *testing.T) {
	bob, alice := newProfile(t, "Bob"), newProfile(t, "Alice")
	waitOnline(t, bob)
	listen(t, alice, Config{})
	c := dial(t, alice)
	bobInvite, _ := bob.Invite()
	call[AddResult](t, c, "add", AddParams{Invite: bobInvite, Name: "Bobby"})
	sent := call[SendResult](t, c, "send", SendParams{Contact: "1", Text: "one", WaitSeconds: 10})

	first := call[EventsReadResult](t, c, "events.read", EventsReadParams{Consumer: "app"})
	if len(first.Events) == 0 || first.Next != first.Events[len(first.Events)-1].Seq {
		t.Fatalf("first read: %+v", first)
	}
	var sawContact, sawSent bool
	for i, e := range first.Events {
		if e.ID != "ev-"+strconv.FormatInt(e.Seq, 10) || e.Seq != int64(i+1) || e.At.IsZero() {
			t.Fatalf("event %d: %+v", i, e)
		}
		sawContact = sawContact || (e.Type == chat.EventContact && e.Contact.ID == 1 && e.Contact.Name == "Bobby")
		if e.Type == chat.EventSent && e.Message != nil && e.Message.ID == sent.ID {
			sawSent = e.Message.Text == "one" && e.Status == "queued" && e.MessageSeq == sent.Seq
		}
	}
	if !sawContact || !sawSent {
		t.Fatalf("first read lacks the contact or the message: %+v", first.Events)
	}
	// Not acked yet: the same events again.
	if again := call[EventsReadResult](t, c, "events.read", EventsReadParams{Consumer: "app"}); len(again.Events) != len(first.Events) {
		t.Fatalf("read again before the ack: %d events, want %d", len(again.Events), len(first.Events))
	}
	ack := call[EventsAckResult](t, c, "events.ack", EventsAckParams{Consumer: "app", Seq: first.Next})
	if ack.Acked != first.Next || ack.Consumer != "app" {
		t.Fatalf("ack: %+v", ack)
	}
	if older := call[EventsAckResult](t, c, "events.ack", EventsAckParams{Consumer: "app", Seq: 1}); older.Acked != first.Next {
		t.Fatalf("an older ack moved the cursor back: %+v", older)
	}
	// Whatever came since (bob's receipts) is read past; then a long
	// poll waits for the next send.
	rest := call[EventsReadResult](t, c, "events.read", EventsReadParams{Consumer: "app"})
	call[EventsAckResult](t, c, "events.ack", EventsAckParams{Consumer: "app", Seq: rest.Next})
	poller := dial(t, alice)
	got := make(chan EventsReadResult, 1)
	go func() {
		var r EventsReadResult
		if err := poller.Call(context.Background(), "events.read", EventsReadParams{Consumer: "app", WaitSeconds: 30}, &r); err != nil {
			t.Error(err)
		}
		got <- r
	}()
	two := call[SendResult](t, c, "send", SendParams{Contact: "1", Text: "two"})
	r := <-got
	if len(r.Events) == 0 || r.Events[0].Seq != rest.Next+1 || r.Events[0].Type != chat.EventSent || r.Events[0].Message.ID != two.ID {
		t.Fatalf("long poll: %+v", r)
	}
	// A poll with nothing to read ends with no event, next unchanged.
	last := call[EventsReadResult](t, c, "events.read", EventsReadParams{After: &r.Next, N: 1000})
	ahead := last.Next + 1_000_000 // receipts may still come: read from far ahead
	empty := call[EventsReadResult](t, c, "events.read", EventsReadParams{Consumer: "x", After: &ahead, WaitSeconds: 0.05})
	if len(empty.Events) != 0 || empty.Next != ahead {
		t.Fatalf("empty poll: %+v", empty)
	}
	zero := int64(0)
	if one := call[EventsReadResult](t, c, "events.read", EventsReadParams{Consumer: "x", After: &zero, N: 1}); len(one.Events) != 1 || one.Events[0].Seq != 1 || one.Next != 1 {
		t.Fatalf("after 0, n 1: %+v", one)
	}

	neg := int64(-1)
	errs := []struct {
		name, method string
		params       any
		code         int
	}{
		{"ack ahead", "events.ack", EventsAckParams{Consumer: "app", Seq: last.Next + 100}, CodeAckAhead},
		{"no consumer", "events.ack", EventsAckParams{Seq: 1}, CodeEventConsumer},
		{"long consumer", "events.read", EventsReadParams{Consumer: strings.Repeat("c", MaxConsumerName+1)}, CodeEventConsumer},
		{"n too large", "events.read", EventsReadParams{Consumer: "app", N: MaxEventRead + 1}, CodeInvalidParams},
		{"negative n", "events.read", EventsReadParams{Consumer: "app", N: -1}, CodeInvalidParams},
		{"wait too long", "events.read", EventsReadParams{Consumer: "app", WaitSeconds: MaxEventWait.Seconds() + 1}, CodeInvalidParams},
		{"negative after", "events.read", EventsReadParams{Consumer: "app", After: &neg}, CodeInvalidParams},
		{"unknown member", "events.ack", map[string]any{"consumer": "app", "seq": 1, "all": true}, CodeInvalidParams},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, c.Call(context.Background(), tt.method, tt.params, nil), tt.code, nil)
		})
	}
}

// sseEvent is one event read off a text/event-stream.
type sseEvent struct {
	id, typ string
	data    Event
}

// sseReader reads the events of a stream, skipping comments.
type sseReader struct {
	t  *testing.T
	sc *bufio.Scanner
}

// next returns the next event, failing the test if the stream ends or
// an event does not parse.
func (r *sseReader) next() sseEvent {
	r.t.Helper()
	var e sseEvent
	var data string
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "" && data != "":
			if err := json.Unmarshal([]byte(data), &e.data); err != nil {
				r.t.Fatalf("data %q: %v", data, err)
			}
			if e.id != strconv.FormatInt(e.data.Seq, 10) || e.typ != e.data.Type {
				r.t.Fatalf("id %q, event %q, data %+v", e.id, e.typ, e.data)
			}
			return e
		case line == "" || strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.typ = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		default:
			r.t.Fatalf("stream line %q", line)
		}
	}
	r.t.Fatalf("the stream ended: %v", r.sc.Err())
	return e
}

// openSSE opens GET url with Last-Event-ID lastID (if set); the test
// closes it.
func openSSE(t *testing.T, url, lastID string) (*sseReader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %s, %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	stop := func() { cancel(); resp.Body.Close() }
	t.Cleanup(stop)
	return &sseReader{t: t, sc: bufio.NewScanner(resp.Body)}, stop
}

// postAck acknowledges through POST and returns the status and result.
func postAck(t *testing.T, url string, body string) (int, EventsAckResult) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r EventsAckResult
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &r)
	return resp.StatusCode, r
}

// TestServeEvents streams events over a real loopback HTTP server:
// resume from the consumer's acked cursor, from Last-Event-ID and from
// after; live events woken by a send; acks by POST; an agent's caller
// sees only its conversations, under consumer names of its own.
func TestServeEvents(t *testing.T) {
	bob, carol, alice := newProfile(t, "Bob"), newProfile(t, "Carol"), newProfile(t, "Alice")
	waitOnline(t, bob)
	waitOnline(t, carol)
	s := NewServer(alice, Config{})
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for _, inv := range []*chat.Messenger{bob, carol} {
		invite, _ := inv.Invite()
		var r AddResult
		if err := s.Call(ctx, "add", AddParams{Invite: invite}, &r); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		if err := s.Call(ctx, "send", SendParams{Contact: "1", Text: fmt.Sprintf("to bob %d", i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(s.ServeEvents))
	t.Cleanup(srv.Close)
	last, err := alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// From the start: every event, in order.
	r, stop := openSSE(t, srv.URL+"/events?consumer=web", "")
	for seq := int64(1); seq <= last; seq++ {
		if e := r.next(); e.data.Seq != seq {
			t.Fatalf("event %d, want %d", e.data.Seq, seq)
		}
	}
	// Live: a send wakes the stream.
	if err := s.Call(ctx, "send", SendParams{Contact: "2", Text: "to carol"}, nil); err != nil {
		t.Fatal(err)
	}
	for {
		e := r.next()
		if e.data.Type == chat.EventSent && e.data.Message.Text == "to carol" {
			break
		}
	}
	stop()
	// Acked by POST: the next stream resumes after the ack.
	if code, res := postAck(t, srv.URL+"/events", `{"consumer":"web","seq":3}`); code != http.StatusOK || res.Acked != 3 {
		t.Fatalf("POST ack: %d %+v", code, res)
	}
	r, stop = openSSE(t, srv.URL+"/events?consumer=web", "")
	if e := r.next(); e.data.Seq != 4 {
		t.Fatalf("resumed at %d, want 4", e.data.Seq)
	}
	stop()
	// Last-Event-ID wins over the cursor and over after.
	r, stop = openSSE(t, srv.URL+"/events?consumer=web&after=1", "6")
	if e := r.next(); e.data.Seq != 7 {
		t.Fatalf("resumed with Last-Event-ID at %d, want 7", e.data.Seq)
	}
	stop()
	r, stop = openSSE(t, srv.URL+"/events?consumer=web&after=2", "")
	if e := r.next(); e.data.Seq != 3 {
		t.Fatalf("resumed with after at %d, want 3", e.data.Seq)
	}
	stop()
	// The agent sees carol's conversation only, under its own cursor.
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		caller := Caller{Role: RoleAgent, Token: 7, Agent: "ann", Sees: func(id store.ContactID) bool { return id == 2 }}
		s.ServeEvents(w, req.WithContext(WithCaller(req.Context(), caller)))
	}))
	t.Cleanup(agent.Close)
	r, stop = openSSE(t, agent.URL+"/events?consumer=web", "")
	e := r.next()
	if e.data.Contact.ID != 2 {
		t.Fatalf("the agent sees %+v", e.data)
	}
	stop()
	if code, res := postAck(t, agent.URL+"/events", fmt.Sprintf(`{"consumer":"web","seq":%d}`, e.data.Seq)); code != http.StatusOK || res.Acked != e.data.Seq {
		t.Fatalf("agent's ack: %d %+v", code, res)
	}
	if c, _ := alice.EventCursor(ctx, "web"); c != 3 {
		t.Fatalf("the agent's ack moved the owner's cursor to %d", c)
	}
	if c, _ := alice.EventCursor(ctx, "token:7:web"); c != e.data.Seq {
		t.Fatalf("the agent's cursor is %d, want %d", c, e.data.Seq)
	}

	bad := []struct {
		name, method, path, body string
		code                     int
	}{
		{"no consumer", http.MethodGet, "/events", "", http.StatusBadRequest},
		{"unknown parameter", http.MethodGet, "/events?consumer=a&from=1", "", http.StatusBadRequest},
		{"two consumers", http.MethodGet, "/events?consumer=a&consumer=b", "", http.StatusBadRequest},
		{"bad after", http.MethodGet, "/events?consumer=a&after=x", "", http.StatusBadRequest},
		{"ack ahead", http.MethodPost, "/events", `{"consumer":"web","seq":1000000}`, http.StatusBadRequest},
		{"ack not JSON", http.MethodPost, "/events", `seq=1`, http.StatusBadRequest},
		{"delete", http.MethodDelete, "/events", "", http.StatusMethodNotAllowed},
	}
	for _, b := range bad {
		req, _ := http.NewRequest(b.method, srv.URL+b.path, bytes.NewBufferString(b.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != b.code {
			t.Errorf("%s: %s, want %d", b.name, resp.Status, b.code)
		}
	}
}

// TestParseEventsQuery checks the query parser's bounds and precedence.
func TestParseEventsQuery(t *testing.T) {
	cases := []struct {
		query, lastID string
		want          eventsQuery
		ok            bool
	}{
		{"consumer=a", "", eventsQuery{consumer: "a"}, true},
		{"consumer=a&after=5", "", eventsQuery{consumer: "a", after: 5, set: true}, true},
		{"consumer=a&after=5", "9", eventsQuery{consumer: "a", after: 9, set: true}, true},
		{"consumer=a", "0", eventsQuery{consumer: "a", after: 0, set: true}, true},
		{"consumer=web%3A1", "", eventsQuery{consumer: "web:1"}, true},
		{"", "", eventsQuery{}, false},
		{"consumer=", "", eventsQuery{}, false},
		{"consumer=a&after=-1", "", eventsQuery{}, false},
		{"consumer=a", "x", eventsQuery{}, false},
		{"consumer=a", "-0", eventsQuery{}, false},
		{"consumer=a", "+5", eventsQuery{}, false},
		{"consumer=a&after=%2B5", "", eventsQuery{}, false},
		{"consumer=a", "9223372036854775807", eventsQuery{consumer: "a", after: 1<<63 - 1, set: true}, true},
		{"consumer=a", "9223372036854775808", eventsQuery{}, false},
		{"consumer=a&after=99999999999999999999", "", eventsQuery{}, false},
		{"consumer=a;b", "", eventsQuery{}, false},
		{"consumer=" + strings.Repeat("a", MaxConsumerName+1), "", eventsQuery{}, false},
		{"consumer=a&" + strings.Repeat("x", maxSSEQuery), "", eventsQuery{}, false},
	}
	for _, c := range cases {
		got, err := parseEventsQuery(c.query, c.lastID)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("%q, %q: %+v, %v", c.query, c.lastID, got, err)
		}
		if err != nil && !errorsIs(err, ErrBadEventsQuery) {
			t.Errorf("%q: %v is no ErrBadEventsQuery", c.query, err)
		}
	}
}

// TestEventJSON checks the JSON form of events: statuses only on
// outgoing messages, a gone contact by id only, times in UTC.
func TestEventJSON(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	peer := &chat.Contact{ID: 3, Name: "Dora", State: chat.StateRequest}
	in := &chat.Message{Seq: 9, Direction: chat.Incoming, Kind: chat.RowText, Body: []byte("hi")}
	cases := []struct {
		e    chat.LoggedEvent
		want string
	}{
		{chat.LoggedEvent{Seq: 1, ID: "ev-1", Type: chat.EventRequest, At: at, Contact: 3, Peer: peer},
			`{"id":"ev-1","seq":1,"type":"request","at":"2026-01-02T02:04:05Z","contact":{"id":3,"name":"Dora","verified":false,"key_changed":false,"unread":0,"online":false},"request":true}`},
		{chat.LoggedEvent{Seq: 2, ID: "ev-2", Type: chat.EventContactRemoved, At: at, Contact: 3},
			`{"id":"ev-2","seq":2,"type":"contact.removed","at":"2026-01-02T02:04:05Z","contact":{"id":3,"name":"","verified":false,"key_changed":false,"unread":0,"online":false}}`},
		{chat.LoggedEvent{Seq: 3, ID: "ev-3", Type: chat.EventReceived, At: at, Contact: 3, Message: in, MessageSeq: 9,
			Status: chat.StatusDelivered, HasStatus: true}, ""},
	}
	for _, c := range cases {
		b, err := json.Marshal(EventOf(c.e))
		if err != nil {
			t.Fatal(err)
		}
		if c.want != "" && string(b) != c.want {
			t.Errorf("%s\nwant %s", b, c.want)
		}
		if c.want == "" && (bytes.Contains(b, []byte(`"status"`)) || !bytes.Contains(b, []byte(`"text":"hi"`))) {
			t.Errorf("an incoming message's event: %s", b)
		}
	}
}
