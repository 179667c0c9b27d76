package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// pollKit is a profile answering over HTTP with room for one connection
// at a time, and an admin token.
type pollKit struct {
	m     *chat.Messenger
	addr  string
	token string
}

// newPollKit starts the kit with cfg (MaxConns forced to 1).
func newPollKit(t *testing.T, cfg HTTPConfig) *pollKit {
	t.Helper()
	m := newProfile(t, "Biz")
	s := NewServer(m, Config{})
	t.Cleanup(func() { s.Close() })
	tok, _, err := m.CreateAPIToken(context.Background(), chat.TokenSpec{Role: store.TokenAdmin, Name: "boss"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(PathEvents, s.ServeEvents)
	cfg.MaxConns = 1
	hs, err := s.ListenHTTP("127.0.0.1:0", s.Handler(mux), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close() })
	return &pollKit{m: m, addr: hs.Addr(), token: tok}
}

// open writes a raw HTTP request on a connection of its own and waits
// for the answer's first line (so the server is serving it); the test
// closes the connection.
func (k *pollKit) open(t *testing.T, method, path, body string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", k.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, k.token, len(body), body)
	return c, bufio.NewReader(c)
}

// rpc posts one call with its own client and a deadline, and returns the
// raw answer.
func (k *pollKit) rpc(ctx context.Context, method string, params any) (response, error) {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+k.addr+PathRPC, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+k.token)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	var r response
	err = json.NewDecoder(resp.Body).Decode(&r)
	return r, err
}

// TestLongPollDisconnectFreesSlot: a long poll (events.read waiting a
// minute, or a stream of /events) whose client goes away gives its
// connection's room back at once: with room for one connection, the next
// client is answered long before the minute is over.
func TestLongPollDisconnectFreesSlot(t *testing.T) {
	tests := []struct {
		name, method, path, body string
	}{
		{"events.read", http.MethodPost, PathRPC,
			`{"jsonrpc":"2.0","id":1,"method":"events.read","params":{"consumer":"app","wait_seconds":60}}`},
		{"sse", http.MethodGet, PathEvents + "?consumer=app", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newPollKit(t, HTTPConfig{})
			c, r := k.open(t, tt.method, tt.path, tt.body)
			if tt.method == http.MethodGet { // the stream's header is out: it is being served
				if line, err := r.ReadString('\n'); err != nil || !strings.Contains(line, "200") {
					t.Fatalf("stream: %q %v", line, err)
				}
			}
			// The first connection holds the only room: a second client
			// waits in the backlog until it closes.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			if _, err := k.rpc(ctx, "events.read", EventsReadParams{Consumer: "app"}); err == nil {
				t.Fatal("a second connection was served while the first held the only room")
			}
			cancel()
			c.Close()
			ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := k.rpc(ctx, "events.read", EventsReadParams{Consumer: "app"})
			if err != nil || resp.Error != nil {
				t.Fatalf("after the long poll's client left: %v %v", err, resp.Error)
			}
		})
	}
}

// TestLongPollOutlivesReadTimeout: a long poll longer than the server's
// read timeout (which bounds reading a request) waits its whole time and
// answers with no events, rather than failing when the timeout fires.
func TestLongPollOutlivesReadTimeout(t *testing.T) {
	k := newPollKit(t, HTTPConfig{ReadTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	resp, err := k.rpc(ctx, "events.read", EventsReadParams{Consumer: "app", WaitSeconds: 1})
	if err != nil || resp.Error != nil {
		t.Fatalf("events.read: %v %v", err, resp.Error)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("the long poll answered after %v, before its wait_seconds", d)
	}
}
