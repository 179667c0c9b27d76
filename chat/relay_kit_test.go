package chat

import (
	"net"
	"testing"

	"ratchat/internal/natstest"
	"ratchat/transport"
	"ratchat/transport/jetstream"
	"ratchat/transport/mailbox"
)

// testRelay is a relay running in the test process.
type testRelay struct {
	srv  *transport.Server
	addr string
	dir  string
}

// startRelay starts a relay on a loopback port (addr "" picks one) with
// its data in dir. With RATCHAT_RELAY_BACKEND=jetstream its mailboxes are
// on an embedded NATS node of dir's instead (one per folder, so that a
// relay started again on dir finds them), and the testRelay's dir is
// that node's store folder: what a test looks for in the relay's files,
// it looks for in JetStream's.
func startRelay(t *testing.T, dir, addr string) *testRelay {
	t.Helper()
	return startRelayWith(t, dir, addr, nil)
}

// startRelayWith is startRelay with the relay's backend wrapped by wrap
// (if not nil).
func startRelayWith(t *testing.T, dir, addr string, wrap func(mailbox.Backend) mailbox.Backend) *testRelay {
	t.Helper()
	cfg := transport.Config{Mode: transport.RelayMode, DataDir: dir}
	files := dir
	lim := transport.DefaultLimits(transport.RelayMode)
	if natstest.OnJetStream(t) {
		b, err := jetstream.Open(t.Context(), jetstream.Config{URLs: natstest.ForDir(t, dir).URLs(), Partitions: 8,
			Retention: lim.Retention, Limits: lim.MailboxOptions()})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Backend, files = b, natstest.ForDir(t, dir).Dir(0)
	}
	if wrap != nil {
		if cfg.Backend == nil {
			b, err := mailbox.Open(dir, lim.MailboxOptions())
			if err != nil {
				t.Fatal(err)
			}
			cfg.Backend = b
		}
		cfg.Backend = wrap(cfg.Backend)
	}
	srv, err := transport.NewServer(cfg)
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
	r := &testRelay{srv: srv, addr: l.Addr().String(), dir: files}
	t.Cleanup(func() { srv.Close() })
	return r
}
