package cli

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ratchat/chat"
)

// TestTokenCommands: token create, list and revoke on a profile the
// command opens, and with usage errors.
func TestTokenCommands(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "biz")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Biz")...), 0, "", "")
	r := runArgs(with("token", "create", "--role", "agent", "--name", "Ana", "--skills", "billing,FR", "--max-chats", "4")...)
	check(t, r, 0, chat.TokenPrefix, "shown this once")
	if _, err := chat.ParseToken(strings.TrimSpace(r.stdout)); err != nil {
		t.Errorf("token create printed %q: %v", r.stdout, err)
	}
	check(t, runArgs(with("token", "list")...), 0, "billing,fr", "")
	check(t, runArgs(with("token", "revoke", "1")...), 0, "1: revoked", "")
	for _, args := range [][]string{
		{"token", "create", "--role", "owner"}, {"token", "revoke", "x"}, {"token", "list", "extra"}, {"token", "drop"},
	} {
		check(t, runArgs(with(args...)...), exitUsage, "", "")
	}
	if r := runArgs(with("token", "revoke", "7")...); r.code == 0 {
		t.Errorf("revoking no token: %+v", r)
	}
	check(t, runArgs(with("token", "list", "--json")...), 0, `"revoked"`, "")
}

// TestServeHTTP runs serve with --http: a token made through the socket
// works over HTTP at once; no token is 401; stopping serve closes the
// endpoint.
func TestServeHTTP(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "biz")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Biz")...), 0, "", "")

	log := &signalWriter{want: "http api listening", seen: make(chan struct{})}
	c := &cli{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: log}
	c.g.data = dir
	c.o.serveParts = makeServeParts()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	for _, p := range c.o.serveParts {
		p.flags(fs)
	}
	if err := fs.Parse([]string{"--http", "127.0.0.1:0", "--route", "billing=invoice,refund", "--sign-agents"}); err != nil {
		t.Fatal(err)
	}
	stop := runServeUntil(t, c, log)
	log.mu.Lock()
	m := regexp.MustCompile(`http api listening" addr=(\S+)`).FindStringSubmatch(log.buf.String())
	log.mu.Unlock()
	if m == nil {
		stop()
		t.Fatal("no address in the log")
	}
	url := "http://" + m[1] + "/rpc"

	r := runArgs(with("token", "create", "--role", "admin", "--name", "ops")...)
	check(t, r, 0, chat.TokenPrefix, "")
	token := strings.TrimSpace(r.stdout)
	post := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"token.list"}`))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post(token); status != http.StatusOK || !strings.Contains(body, `"name":"ops"`) {
		t.Errorf("token.list with the admin token: HTTP %d %s", status, body)
	}
	if status, _ := post(""); status != http.StatusUnauthorized {
		t.Errorf("without a token: HTTP %d, want 401", status)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Post(url, "application/json", strings.NewReader("{}")); err == nil {
		t.Error("the endpoint outlived serve")
	}
}
