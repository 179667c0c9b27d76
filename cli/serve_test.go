package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ratchat/api"
)

// signalWriter collects what is written to it and closes seen once the
// text it waits for has been written.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

// startServe runs `ratchat serve` on the profile in dir, in-process, and
// returns once its socket answers; stop ends it and returns its error.
func startServe(t *testing.T, dir string) (stop func() error) {
	t.Helper()
	return startServeParts(t, dir)
}

// runServeUntil runs c's serve in the background until log has seen its
// line; stop ends it and returns its error.
func runServeUntil(t *testing.T, c *cli, log *signalWriter) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.serve(ctx) }()
	select {
	case <-log.seen:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended at once: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("serve never logged %q", log.want)
	}
	return func() error {
		cancel()
		return <-done
	}
}

// TestCommandsThroughServe runs the commands while `ratchat serve` owns
// the profile: they print what they print without it (and exit the same
// on errors) instead of failing with "open in another ratchat"; when
// serve stops, its socket is gone and the commands open the profile
// themselves again.
func TestCommandsThroughServe(t *testing.T) {
	testEnv(t)
	_, invite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	dir := filepath.Join(t.TempDir(), "alice")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with("add", invite, "--name", "Bobby")...), 0, "added Bobby (id 1)", "")
	check(t, runArgs(with("send", "bobby", "hello")...), 0, "", "")

	same := [][]string{
		{"contacts"}, {"messages", "Bobby"}, {"messages", "1", "-n", "2"}, {"verify", "Bobby"}, {"invite", "--text"},
		{"send", "nobody", "hi"}, {"verify", "1", "--code", "1234"}, {"messages", "Bobby", "-n", "0"},
	}
	before := make([]result, len(same))
	for i, args := range same {
		before[i] = runArgs(with(args...)...)
	}
	if before[0].code != 0 || before[5].code != exitNotFound || before[6].code != exitUsage {
		t.Fatalf("without serve: %+v", before)
	}

	stop := startServe(t, dir)
	for i, args := range same {
		r := runArgs(with(args...)...)
		if r != before[i] {
			t.Errorf("%v through serve:\n%+v\nwithout:\n%+v", args, r, before[i])
		}
		if strings.Contains(r.stderr, "open in another") {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
	r := runArgs(with("send", "Bobby", "through", "serve")...)
	if r.code != 0 || !(strings.Contains(r.stdout, "sent") || strings.Contains(r.stdout, "delivered")) {
		t.Fatalf("send through serve: %+v", r)
	}
	check(t, runArgs(with("messages", "Bobby", "-n", "1")...), 0, "me: through serve", "")
	check(t, runArgs(with("messages", "Bobby", "--json")...), 0, `"text": "hello"`, "")
	check(t, runArgs(with("contacts", "--json")...), 0, `"name": "Bobby"`, "")
	check(t, runArgs(with("backup", "export", filepath.Join(t.TempDir(), "b.rcb"))...), 0, "", "write it down")
	check(t, runArgs(with("contacts", "--passphrase-file", "/nonexistent")...), 0, "Bobby", "") // the socket needs none

	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := os.Lstat(api.SocketPath(dir)); !os.IsNotExist(err) {
		t.Errorf("the socket outlived serve: %v", err)
	}
	check(t, runArgs(with("messages", "Bobby", "-n", "1")...), 0, "me: through serve", "")
}
