package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// cheapKDF makes test profiles nearly free to create.
var cheapKDF = store.WithKDF(store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1})

// newMessenger creates a profile with its own home on loopback, online.
func newMessenger(t testing.TB, name string) *chat.Messenger {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	m, err := chat.Create(context.Background(), chat.Profile{Dir: dir, Store: []store.Option{cheapKDF}},
		name, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return m
}

// waitEvent reads m's events until ok accepts one, failing after 10 s.
func waitEvent(t testing.TB, m *chat.Messenger, what string, ok func(chat.Event) bool) chat.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-m.Events():
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s", what)
		}
	}
}

// pair makes Alice and Bob contacts of each other on loopback and returns
// them with Bob's id at Alice and Alice's at Bob.
func pair(t testing.TB) (alice, bob *chat.Messenger, bobID, aliceID chat.ContactID) {
	t.Helper()
	ctx := context.Background()
	alice, bob = newMessenger(t, "Alice"), newMessenger(t, "Bob")
	inv, err := bob.Invite()
	if err != nil {
		t.Fatal(err)
	}
	c, err := alice.AddContact(ctx, inv, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, bob, "Alice's request", func(e chat.Event) bool {
		cc, ok := e.(chat.ContactChanged)
		return ok && cc.Contact.State == chat.StateRequest && cc.Contact.Name == "Alice"
	})
	aliceID = e.(chat.ContactChanged).Contact.ID
	if err := bob.Accept(ctx, aliceID); err != nil {
		t.Fatal(err)
	}
	return alice, bob, c.ID, aliceID
}

// behaviour is how the receiver answers one attempt.
type behaviour int

const (
	answerOK   behaviour = iota // 204
	answer500                   // 500
	answerHang                  // no answer until the client gives up
)

// delivery is one attempt the receiver saw.
type delivery struct {
	ID, Type string
	Seq      int64
	Text     string // the message's text, if the event has a message
	Answer   behaviour
}

// receiver is a webhook receiver on loopback HTTP: it checks every
// delivery's signature on its own (HMAC-SHA256 computed here, not with the
// package's Verify), answers as behave says, and reports each attempt and
// each delivery it accepted on channels.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret string

	mu       sync.Mutex
	behave   func(d delivery) behaviour
	accepted map[string]int // event id → 2xx answers given
	order    []delivery     // accepted deliveries, in order
	bad      []string       // what failed the independent checks

	attempts chan delivery // every attempt, after its answer was chosen
	got      chan delivery // every accepted delivery
}

func newReceiver(t testing.TB, secret string) *receiver {
	r := &receiver{t: t, secret: secret, accepted: map[string]int{},
		attempts: make(chan delivery, 100_000), got: make(chan delivery, 100_000)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// setBehave sets how the receiver answers from now on (nil: 204 always).
func (r *receiver) setBehave(f func(d delivery) behaviour) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.behave = f
}

// check verifies a delivery as a receiver following docs/API.md ("Webhooks and metrics")
// would: the v1 signature over timestamp "." body, the timestamp near now,
// the event id header equal to the body's.
func (r *receiver) check(req *http.Request, body []byte) (delivery, error) {
	var ev struct {
		ID      string `json:"id"`
		Seq     int64  `json:"seq"`
		Type    string `json:"type"`
		Message *struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return delivery{}, fmt.Errorf("body: %v", err)
	}
	d := delivery{ID: ev.ID, Seq: ev.Seq, Type: ev.Type}
	if ev.Message != nil {
		d.Text = ev.Message.Text
	}
	ts := req.Header.Get("X-Ratchat-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		return d, fmt.Errorf("timestamp %q", ts)
	}
	h := hmac.New(sha256.New, []byte(r.secret))
	h.Write([]byte(ts + "." + string(body)))
	if want := "v1=" + hex.EncodeToString(h.Sum(nil)); req.Header.Get("X-Ratchat-Signature") != want {
		return d, fmt.Errorf("signature %q, want %q", req.Header.Get("X-Ratchat-Signature"), want)
	}
	if got := req.Header.Get("X-Ratchat-Event-Id"); got != ev.ID || !strings.HasPrefix(got, "ev-") {
		return d, fmt.Errorf("event id header %q, body %q", got, ev.ID)
	}
	if req.Header.Get("Content-Type") != "application/json" || req.Method != http.MethodPost {
		return d, fmt.Errorf("%s with content type %q", req.Method, req.Header.Get("Content-Type"))
	}
	return d, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	d, err := r.check(req, body)
	r.mu.Lock()
	if err != nil {
		r.bad = append(r.bad, err.Error())
		r.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.Answer = answerOK
	if r.behave != nil {
		d.Answer = r.behave(d)
	}
	if d.Answer == answerOK {
		r.accepted[d.ID]++
		r.order = append(r.order, d)
	}
	r.mu.Unlock()
	r.attempts <- d
	switch d.Answer {
	case answer500:
		http.Error(w, "down", http.StatusInternalServerError)
	case answerHang:
		<-req.Context().Done() // the dispatcher's timeout closes the connection
	default:
		w.WriteHeader(http.StatusNoContent)
		r.got <- d
	}
}

// waitSeq waits until the receiver accepted an event with seq ≥ seq.
func (r *receiver) waitSeq(seq int64) {
	r.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case d := <-r.got:
			if d.Seq >= seq {
				return
			}
		case <-deadline:
			r.t.Fatalf("the receiver got no event up to %d", seq)
		}
	}
}

// snapshot returns the accepted deliveries in order, the 2xx count per
// id, and the failed checks.
func (r *receiver) snapshot() ([]delivery, map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	counts := make(map[string]int, len(r.accepted))
	for k, v := range r.accepted {
		counts[k] = v
	}
	return append([]delivery(nil), r.order...), counts, append([]string(nil), r.bad...)
}

// counter is an Observer counting attempts by result, reporting each on a
// channel.
type counter struct {
	mu      sync.Mutex
	results map[string]int
	seen    chan string
}

func newCounter() *counter {
	return &counter{results: map[string]int{}, seen: make(chan string, 100_000)}
}

func (c *counter) WebhookDelivered(result string, _ time.Duration) {
	c.mu.Lock()
	c.results[result]++
	c.mu.Unlock()
	c.seen <- result
}

func (c *counter) count(result string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.results[result]
}

// runDispatcher runs a dispatcher until the test ends.
func runDispatcher(t testing.TB, cfg Config) {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Run: %v", err)
		}
	})
}

// loggedSeqs returns the seqs of m's events after after, up to upTo.
func loggedSeqs(t testing.TB, m *chat.Messenger, after, upTo int64) []int64 {
	t.Helper()
	var out []int64
	for after < upTo {
		evs, err := m.EventsAfter(context.Background(), after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.Seq <= upTo {
				out = append(out, e.Seq)
			}
			after = e.Seq
		}
	}
	return out
}
