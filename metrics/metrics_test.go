package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"ratchat/chat"
	"ratchat/store"
)

// cheapKDF makes test profiles nearly free to create.
var cheapKDF = store.WithKDF(store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1})

func newMessenger(t *testing.T, name string) *chat.Messenger {
	t.Helper()
	m, err := chat.Create(context.Background(), chat.Profile{Dir: filepath.Join(t.TempDir(), name),
		Store: []store.Option{cheapKDF}}, name, []byte("correct horse"))
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
func waitEvent(t *testing.T, m *chat.Messenger, what string, ok func(chat.Event) bool) chat.Event {
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

func received(e chat.Event) bool { _, ok := e.(chat.MessageReceived); return ok }

// scrape GETs /metrics over loopback HTTP and parses the text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value returns the value of the family's series with the labels given
// (name, value pairs); ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestScrapeAfterTraffic sends real messages between two messengers on
// loopback and scrapes both over HTTP: messages in and out, key
// agreements, no decryption failure, the outbox's depth once the peer is
// gone, an event consumer's lag, and the webhook metrics fed by the
// dispatcher's reports.
func TestScrapeAfterTraffic(t *testing.T) {
	ctx := context.Background()
	alice, bob := newMessenger(t, "Alice"), newMessenger(t, "Bob")
	xa, xb := New(alice, nil), New(bob, nil)
	sa, sb := httptest.NewServer(xa.Handler()), httptest.NewServer(xb.Handler())
	t.Cleanup(sa.Close)
	t.Cleanup(sb.Close)

	before := scrape(t, sa.URL)
	for _, s := range []struct {
		name   string
		labels []string
	}{
		{"ratchat_messages_total", []string{"direction", "in"}}, {"ratchat_messages_total", []string{"direction", "out"}},
		{"ratchat_key_agreements_total", []string{"result", "started"}}, {"ratchat_key_agreements_total", []string{"result", "failed"}},
		{"ratchat_decrypt_failures_total", nil}, {"ratchat_outbox_depth", nil},
		{"ratchat_webhook_deliveries_total", []string{"result", "ok"}}, {"ratchat_webhook_deliveries_total", []string{"result", "dead"}},
		{"ratchat_webhook_delivery_seconds", nil},
	} {
		if v, ok := value(before, s.name, s.labels...); !ok || v != 0 {
			t.Errorf("fresh profile: %s%v = %v (present %v), want 0", s.name, s.labels, v, ok)
		}
	}

	inv, err := bob.Invite()
	if err != nil {
		t.Fatal(err)
	}
	bobAt, err := alice.AddContact(ctx, inv, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, bob, "Alice's request", func(e chat.Event) bool {
		c, ok := e.(chat.ContactChanged)
		return ok && c.Contact.State == chat.StateRequest
	})
	aliceAt := e.(chat.ContactChanged).Contact.ID
	if err := bob.Accept(ctx, aliceAt); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"one", "two", "three"} {
		if _, err := alice.Send(ctx, bobAt.ID, text); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, bob, "a message", received)
	}
	for _, text := range []string{"four", "five"} {
		if _, err := bob.Send(ctx, aliceAt, text); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, alice, "a message", received)
	}

	a, b := scrape(t, sa.URL), scrape(t, sb.URL)
	for _, c := range []struct {
		fams   map[string]*dto.MetricFamily
		who    string
		name   string
		labels []string
		want   float64
	}{
		{a, "Alice", "ratchat_messages_total", []string{"direction", "out"}, 3},
		{a, "Alice", "ratchat_messages_total", []string{"direction", "in"}, 2},
		{b, "Bob", "ratchat_messages_total", []string{"direction", "out"}, 2},
		{b, "Bob", "ratchat_messages_total", []string{"direction", "in"}, 3},
		// Alice started the session from Bob's bundle; Bob took her
		// prekey message.
		{a, "Alice", "ratchat_key_agreements_total", []string{"result", "started"}, 1},
		{b, "Bob", "ratchat_key_agreements_total", []string{"result", "started"}, 1},
		{a, "Alice", "ratchat_key_agreements_total", []string{"result", "failed"}, 0},
		{b, "Bob", "ratchat_decrypt_failures_total", nil, 0},
	} {
		if v, ok := value(c.fams, c.name, c.labels...); !ok || v != c.want {
			t.Errorf("%s: %s%v = %v (present %v), want %v", c.who, c.name, c.labels, v, ok, c.want)
		}
	}

	// A consumer acknowledged part of the log: its lag is the rest.
	last, err := alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.AckEvents(ctx, "desk", last-2); err != nil {
		t.Fatal(err)
	}
	// Bob goes away: what Alice sends now waits in her outbox.
	bob.Close()
	if _, err := alice.Send(ctx, bobAt.ID, "into the outbox"); err != nil {
		t.Fatal(err)
	}
	xa.WebhookDelivered(ResultOK, 3*time.Millisecond)
	xa.WebhookDelivered(ResultFailed, 2*time.Second)
	xa.WebhookDelivered(ResultDead, 0)
	a = scrape(t, sa.URL)
	lastAfter, err := alice.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := value(a, "ratchat_event_lag", "consumer", "desk"); !ok || v < 2 || v > float64(lastAfter-(last-2)) {
		t.Errorf("lag of desk = %v (present %v), want 2 to %d", v, ok, lastAfter-(last-2))
	}
	if v, ok := value(a, "ratchat_outbox_depth"); !ok || v < 1 {
		t.Errorf("outbox depth %v (present %v) with Bob away", v, ok)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ratchat_webhook_deliveries_total", []string{"result", "ok"}, 1},
		{"ratchat_webhook_deliveries_total", []string{"result", "failed"}, 1},
		{"ratchat_webhook_deliveries_total", []string{"result", "dead"}, 1},
		{"ratchat_webhook_delivery_seconds", nil, 2}, // samples: ok and failed, not dead
		{"ratchat_messages_total", []string{"direction", "out"}, 4},
	} {
		if v, ok := value(a, c.name, c.labels...); !ok || v != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, v, ok, c.want)
		}
	}
	h := a["ratchat_webhook_delivery_seconds"].GetMetric()[0].GetHistogram()
	if got := h.GetSampleSum(); got < 2.003-1e-9 || got > 2.003+1e-9 {
		t.Errorf("delivery seconds sum %v, want 2.003", got)
	}
	// No label carries an identity or content: only the fixed words and
	// the consumer's name.
	for name, f := range a {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "direction", "result", "consumer":
				default:
					t.Errorf("%s has label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	// docs/API.md documents every metric served.
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/API.md does not document the metric %s", name)
		}
	}
}
