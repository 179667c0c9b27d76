package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"ratchat/chat"
)

// rawConn is a connection to a server's socket that writes lines by hand.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, m *chat.Messenger) *rawConn {
	t.Helper()
	c, err := net.Dial("unix", SocketPath(profileDir(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c, bufio.NewReader(c)}
}

// roundTrip writes a line and reads the response line.
func (c *rawConn) roundTrip(t *testing.T, line string) string {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("after %.40q: %v", line, err)
	}
	return resp
}

// TestMalformedRequests writes requests that are not JSON, not JSON-RPC,
// or odd batches, on one connection: each gets its error with the right
// id, and the connection keeps working.
func TestMalformedRequests(t *testing.T) {
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{})
	c := dialRaw(t, alice)
	tests := []struct {
		name, line string
		want       string // the response, exactly
	}{
		{"not json", `{"jsonrpc": "2.0", "method"`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"api: parse error: the request is not JSON","data":{"cause":"parse_error"}}}`},
		{"binary", "\x00\xff\xfe", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"api: parse error: the request is not JSON","data":{"cause":"parse_error"}}}`},
		{"old version", `{"jsonrpc":"1.0","id":1,"method":"contacts"}`, `{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"api: invalid request: \"jsonrpc\" must be \"2.0\"","data":{"cause":"invalid_request"}}}`},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"contacts"}`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"api: invalid request: the id must be a string, a number or null","data":{"cause":"invalid_request"}}}`},
		{"no method", `{"jsonrpc":"2.0","id":"a"}`, `{"jsonrpc":"2.0","id":"a","error":{"code":-32600,"message":"api: invalid request: the method must be a name of 1 to 128 bytes","data":{"cause":"invalid_request"}}}`},
		{"numeric method", `{"jsonrpc":"2.0","id":2,"method":5}`, `{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"api: invalid request: not a JSON-RPC 2.0 request object","data":{"cause":"invalid_request"}}}`},
		{"extra member", `{"jsonrpc":"2.0","x":1,"id":3,"method":"contacts"}`, `{"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"api: invalid request: not a JSON-RPC 2.0 request object","data":{"cause":"invalid_request"}}}`},
		{"a number", `42`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"api: invalid request: not a JSON-RPC 2.0 request object","data":{"cause":"invalid_request"}}}`},
		{"empty batch", `[]`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"api: invalid request: a batch holds 1 to 100 requests","data":{"cause":"invalid_request"}}}`},
		{"batch", `[{"jsonrpc":"2.0","id":"x","method":"invite"},{"jsonrpc":"2.0","method":"contacts"},1]`, `[{"jsonrpc":"2.0","id":"x","result":{"invite":"INVITE","ready":true}},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"api: invalid request: not a JSON-RPC 2.0 request object","data":{"cause":"invalid_request"}}}]`},
		{"after a notification", `{"jsonrpc":"2.0","method":"contacts"}` + "\n" + `{"jsonrpc":"2.0","id":9,"method":"contacts"}`, `{"jsonrpc":"2.0","id":9,"result":{"contacts":[]}}`},
		{"null params", `{"jsonrpc":"2.0","id":10,"method":"contacts","params":null}`, `{"jsonrpc":"2.0","id":10,"result":{"contacts":[]}}`},
	}
	invite, _ := alice.Invite()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := strings.ReplaceAll(tt.want, "INVITE", invite) + "\n"
			if got := c.roundTrip(t, tt.line); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestOversizedRequest writes a line over MaxRequestSize: it is answered
// with CodeTooLarge and the connection closed; the server serves on.
func TestOversizedRequest(t *testing.T) {
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{})
	c := dialRaw(t, alice)
	line := `{"jsonrpc":"2.0","id":1,"method":"send","params":{"contact":"1","text":"` +
		strings.Repeat("a", MaxRequestSize) + `"}}`
	go io.WriteString(c, line+"\n") // the server may close before reading it all
	resp, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var r response
	if err := json.Unmarshal([]byte(resp), &r); err != nil || r.Error == nil || r.Error.Code != CodeTooLarge {
		t.Fatalf("response %.200s (%v)", resp, err)
	}
	if _, err := c.r.ReadString('\n'); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && err == nil {
		t.Errorf("the connection stays open after an oversized request")
	}
	call[ContactsResult](t, dial(t, alice), "contacts", nil)
}

// TestConcurrentClients runs clients in parallel, each with calls of its
// own, and one client shared by goroutines: every call gets its answer.
func TestConcurrentClients(t *testing.T) {
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{})
	want, _ := alice.Invite()
	shared := dial(t, alice)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			c := shared
			if i%2 == 0 {
				var err error
				if c, err = Dial(profileDir(t, alice)); err != nil {
					errs <- err
					return
				}
				defer c.Close()
			}
			for range 20 {
				var r InviteResult
				if err := c.Call(context.Background(), "invite", nil, &r); err != nil || r.Invite != want {
					errs <- errors.Join(err, errors.New("wrong invite "+r.Invite))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestMaxConns holds as many connections as the server takes: one more is
// answered with CodeBusy, and the others are still served.
func TestMaxConns(t *testing.T) {
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{MaxConns: 2})
	first := dial(t, alice)
	for _, c := range []*Client{first, dial(t, alice)} {
		call[ContactsResult](t, c, "contacts", nil) // served: counted
	}
	extra := dial(t, alice)
	wantCode(t, extra.Call(context.Background(), "contacts", nil, nil), CodeBusy, ErrBusy)
	call[ContactsResult](t, first, "contacts", nil) // the ones served are still served
}

// TestIdleTimeout checks that an idle connection is closed.
func TestIdleTimeout(t *testing.T) {
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{IdleTimeout: 50_000_000}) // 50ms
	c := dialRaw(t, alice)
	if _, err := c.r.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection read: %v, want EOF", err)
	}
}

// TestSocketFile checks the socket's life: mode 0600, a stale socket
// removed by the next owner, anything else at its path refused, the
// socket gone after Close, and ErrNotRunning when nobody listens.
func TestSocketFile(t *testing.T) {
	alice := newProfile(t, "Alice")
	dir := profileDir(t, alice)
	path := SocketPath(dir)
	if _, err := Dial(dir); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("dial with no socket: %v, want ErrNotRunning", err)
	}

	// A socket left by a process that died: nobody accepts on it.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := Dial(dir); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("dial on a stale socket: %v, want ErrNotRunning", err)
	}
	s := listen(t, alice, Config{})
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v, %v; want a socket of mode 0600", fi.Mode(), err)
	}
	call[ContactsResult](t, dial(t, alice), "contacts", nil)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket after Close: %v", err)
	}
	if _, err := Dial(dir); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("dial after Close: %v, want ErrNotRunning", err)
	}

	if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := NewServer(alice, Config{}).Listen(); err == nil {
		t.Fatal("listened over a file that is no socket")
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Error("a file that is no socket was removed")
	}
}

// TestCloseEndsCalls checks that Close closes open connections too.
func TestCloseEndsCalls(t *testing.T) {
	alice := newProfile(t, "Alice")
	s := listen(t, alice, Config{})
	c := dialRaw(t, alice)
	c.roundTrip(t, `{"jsonrpc":"2.0","id":1,"method":"contacts"}`) // served, so tracked
	s.Close()
	if _, err := c.r.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Fatalf("read after Close: %v, want EOF", err)
	}
}

// TestCallInProcess checks that Server.Call answers as the socket does,
// results and errors alike.
func TestCallInProcess(t *testing.T) {
	alice := newProfile(t, "Alice")
	s := listen(t, alice, Config{})
	c := dial(t, alice)
	type caller interface {
		Call(ctx context.Context, method string, params, result any) error
	}
	var outs [2]string
	for i, cl := range []caller{s, c} {
		var inv InviteResult
		var d DiscoverResult
		if err := errors.Join(cl.Call(context.Background(), "invite", nil, &inv),
			cl.Call(context.Background(), "rpc.discover", nil, &d)); err != nil {
			t.Fatal(err)
		}
		err := cl.Call(context.Background(), "verify", VerifyParams{Contact: "Zed"}, nil)
		wantCode(t, err, CodeNoContact, chat.ErrNoContact)
		b, _ := json.Marshal([]any{inv, d, err})
		outs[i] = string(b)
	}
	if outs[0] != outs[1] {
		t.Errorf("in-process %s\nsocket     %s", outs[0], outs[1])
	}
}

// After a restore (the interface's), the socket answers for the messenger
// the restore returned.
func TestSwapAfterRestore(t *testing.T) {
	ctx := context.Background()
	m := newProfile(t, "dora")
	s := listen(t, m, Config{})
	path := filepath.Join(t.TempDir(), "backup.rcb")
	key, err := m.ExportBackup(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	next, _, err := m.Restore(ctx, path, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { next.Close() })
	s.Swap(next)
	c := dial(t, next)
	if inv := call[InviteResult](t, c, "invite", nil); inv.Invite == "" {
		t.Fatal("no invite after the swap")
	}
}
