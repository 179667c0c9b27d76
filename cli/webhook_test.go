package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// TestWebhookCommands runs 'ratchat webhook' on a profile it opens, then
// through 'ratchat serve': there a webhook added over the socket gets the
// event of a message sent with 'ratchat send', posted by serve's webhook
// part.
func TestWebhookCommands(t *testing.T) {
	testEnv(t)
	_, invite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	dir := filepath.Join(t.TempDir(), "alice")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with("add", invite, "--name", "Bob")...), 0, "added Bob", "")

	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"webhook", "add", "https://desk.example.com/in"}, 0, "added webhook 1\nsecret: whsec_"},
		{[]string{"webhook", "add", "ftp://example.com"}, exitUsage, ""},
		{[]string{"webhook", "list"}, 0, "https://desk.example.com/in"},
		{[]string{"webhook", "list", "--json"}, 0, `"url": "https://desk.example.com/in"`},
		{[]string{"webhook", "dead"}, 0, "ID  WEBHOOK"},
		{[]string{"webhook", "replay"}, exitUsage, ""},
		{[]string{"webhook", "replay", "3", "--all"}, exitUsage, ""},
		{[]string{"webhook", "replay", "--all"}, 0, "queued 0 dead letters"},
		{[]string{"webhook", "remove", "x"}, exitUsage, ""},
		{[]string{"webhook", "remove", "1"}, 0, "removed webhook 1"},
		{[]string{"webhook", "remove", "1"}, exitFailure, ""},
		{[]string{"webhook", "frobnicate"}, exitUsage, ""},
	} {
		check(t, runArgs(with(tc.args...)...), tc.code, tc.stdout, "")
	}
	if r := runArgs(with("webhook", "list")...); strings.Contains(r.stdout, "whsec_") {
		t.Errorf("list shows a secret: %q", r.stdout)
	}

	got := make(chan map[string]any, 100)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		if json.Unmarshal(body, &ev) == nil && r.Header.Get("X-Ratchat-Signature") != "" {
			got <- ev
		}
	}))
	defer recv.Close()
	stop := startServe(t, dir)
	check(t, runArgs(with("webhook", "add", recv.URL, "--secret", "a long enough secret")...), 0, "added webhook 2", "")
	check(t, runArgs(with("send", "Bob", "hello hooks")...), 0, "", "")
	deadline := time.After(10 * time.Second)
wait:
	for {
		select {
		case ev := <-got:
			if m, ok := ev["message"].(map[string]any); ok && ev["type"] == "message.sent" && m["text"] == "hello hooks" {
				break wait
			}
		case <-deadline:
			t.Fatal("serve's webhook part posted no message.sent event")
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// TestServeMetricsPart starts serve's metrics part on a profile and reads
// /metrics from the mux over loopback HTTP.
func TestServeMetricsPart(t *testing.T) {
	testEnv(t)
	m, err := chat.Create(context.Background(), chat.Profile{Dir: filepath.Join(t.TempDir(), "p"),
		Store: []store.Option{store.WithKDF(fastKDF)}}, "P", []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	env := &serveEnv{M: m, Mux: http.NewServeMux()}
	p := &metricsPart{}
	if _, err := p.start(context.Background(), &cli{}, env); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `ratchat_messages_total{direction="out"} 0`) {
		t.Fatalf("GET /metrics: %s\n%s", resp.Status, body)
	}
}
