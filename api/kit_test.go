package api

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// cheapKDF makes test profiles nearly free to create.
var cheapKDF = store.WithKDF(store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1})

// newProfile creates a profile in a folder of its own, online on
// loopback; the test closes it.
func newProfile(t *testing.T, name string) *chat.Messenger {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	m, err := chat.Create(context.Background(), chat.Profile{Dir: dir, Store: []store.Option{cheapKDF}},
		name, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// waitOnline waits for a messenger's home to be up (its prekeys are
// there then, so that others can add it).
func waitOnline(t *testing.T, m *chat.Messenger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

// listen starts a server on m's socket; the test closes it.
func listen(t *testing.T, m *chat.Messenger, cfg Config) *Server {
	t.Helper()
	s := NewServer(m, cfg)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// profileDir returns m's profile folder.
func profileDir(t *testing.T, m *chat.Messenger) string {
	t.Helper()
	dir, err := m.ProfileDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// dial connects to m's socket; the test closes the client.
func dial(t *testing.T, m *chat.Messenger) *Client {
	t.Helper()
	c, err := Dial(profileDir(t, m))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// call calls a method that must succeed.
func call[R any](t *testing.T, c *Client, method string, params any) R {
	t.Helper()
	var r R
	if err := c.Call(context.Background(), method, params, &r); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return r
}

// wantCode asserts that err is an *Error with code, its data naming the
// cause, and that it matches cause with errors.Is.
func wantCode(t *testing.T, err error, code int, cause error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want code %d", err, code)
	}
	if e.Data == nil || e.Data.Cause == "" {
		t.Errorf("error %d has no data cause: %+v", code, e)
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Errorf("error %v does not match %v", err, cause)
	}
}
