package jetstream

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// runServer starts an embedded NATS server with JetStream, file storage
// in dir, on a free 127.0.0.1 port, and returns its URL; it stops at the
// end of the test.
func runServer(t testing.TB, dir string) (*server.Server, string) {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns, ns.ClientURL()
}

func TestOpenConnects(t *testing.T) {
	_, url := runServer(t, t.TempDir())
	if _, err := Open(t.Context(), Config{}); err == nil {
		t.Fatal("opened without a URL")
	}
	s, err := Open(t.Context(), Config{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
