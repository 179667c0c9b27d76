package chat

import (
	"net"
	"testing"

	"ratchat/transport"
)

// testRelay is a relay running in the test process.
type testRelay struct {
	srv  *transport.Server
	addr string
	dir  string
}

// startRelay starts a relay on a loopback port (addr "" picks one) with
// its data in dir.
func startRelay(t *testing.T, dir, addr string) *testRelay {
	t.Helper()
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	go srv.Serve(l)
	r := &testRelay{srv: srv, addr: l.Addr().String(), dir: dir}
	t.Cleanup(func() { srv.Close() })
	return r
}
