package jetstream

import (
	"crypto/rand"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// natsServer is an embedded NATS server with JetStream on 127.0.0.1.
type natsServer struct {
	t    testing.TB
	dir  string
	port int
	ns   *server.Server
}

// runServer starts an embedded NATS server with JetStream and file
// storage in a temporary folder, on a free 127.0.0.1 port; it stops at
// the end of the test.
func runServer(t testing.TB) *natsServer {
	t.Helper()
	n := &natsServer{t: t, dir: t.TempDir(), port: -1}
	n.start()
	t.Cleanup(func() { n.ns.Shutdown(); n.ns.WaitForShutdown() })
	return n
}

func (n *natsServer) start() {
	n.t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: n.port, JetStream: true, StoreDir: n.dir,
		NoLog: true, NoSigs: true}
	ns, err := server.NewServer(opts)
	if err != nil {
		n.t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		n.t.Fatal("nats server not ready")
	}
	n.ns = ns
	n.port = ns.Addr().(*net.TCPAddr).Port
}

// restart stops the server and starts it again on the same port and
// storage.
func (n *natsServer) restart() {
	n.t.Helper()
	n.ns.Shutdown()
	n.ns.WaitForShutdown()
	n.start()
}

func (n *natsServer) url() string { return n.ns.ClientURL() }

// testLimits are small quotas, to reach them quickly.
var testLimits = mailbox.Options{MaxEnvelopes: 5, MaxBytes: 1 << 20, MaxRequestEnvelopes: 2,
	MaxContactEnvelopes: 4, MaxTokens: 3, MaxPreKeys: 3}

// openStore opens a front end on srv with 8 partitions and a 1 s lease;
// it closes at the end of the test.
func openStore(t testing.TB, srv *natsServer, name string, lim mailbox.Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{URLs: []string{srv.url()}, Name: name, Partitions: 8,
		LeaseTTL: time.Second, RequestTimeout: 10 * time.Second, Limits: lim, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newOwner(t testing.TB) keys.PublicKey {
	t.Helper()
	kp, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return kp.Public
}

// ownerWithToken registers a new owner with one token of each kind.
func ownerWithToken(t testing.TB, s *Store) (owner keys.PublicKey, contact, request mailbox.TokenHash) {
	t.Helper()
	owner = newOwner(t)
	rand.Read(contact[:])
	rand.Read(request[:])
	if created, err := s.Register(owner, t0); err != nil || !created {
		t.Fatal(created, err)
	}
	if err := s.AddTokens(owner, []mailbox.Token{{Hash: contact, Kind: mailbox.TokenContact},
		{Hash: request, Kind: mailbox.TokenRequest}}); err != nil {
		t.Fatal(err)
	}
	return owner, contact, request
}

func depositWait(s *Store, owner keys.PublicKey, token mailbox.TokenHash, body []byte, now time.Time) (uint64, error) {
	out := make(chan mailbox.DepositResult, 1)
	s.DepositTokenAsync(owner, token, body, now, 0, func(r mailbox.DepositResult) { out <- r })
	r := <-out
	return r.ID, r.Err
}

func mustDeposit(t testing.TB, s *Store, owner keys.PublicKey, token mailbox.TokenHash, body []byte) uint64 {
	t.Helper()
	id, err := depositWait(s, owner, token, body, t0)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func pending(t testing.TB, s *Store, owner keys.PublicKey) []mailbox.Envelope {
	t.Helper()
	envs, err := s.Pending(t.Context(), owner, 0, time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return envs
}

func TestOpenConfig(t *testing.T) {
	srv := runServer(t)
	if _, err := Open(t.Context(), Config{}); err == nil {
		t.Fatal("opened without a URL")
	}
	s := openStore(t, srv, "a", testLimits)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != mailbox.ErrClosed {
		t.Fatalf("second close: %v", err)
	}
	_, err := Open(t.Context(), Config{URLs: []string{srv.url()}, Partitions: 9})
	if err == nil {
		t.Fatal("opened with another partition count")
	}
	// No count given: the stream's, or the default for a new stream.
	for _, c := range []struct {
		name string
		url  string
		want int
	}{{"stream of 8", srv.url(), 8}, {"new stream", runServer(t).url(), DefaultPartitions}} {
		s, err := Open(t.Context(), Config{URLs: []string{c.url}, LeaseTTL: time.Second, Logger: testLogger(t)})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s.cfg.Partitions != c.want || len(s.partCounts) != c.want {
			t.Errorf("%s: %d partitions (%d counted), want %d", c.name, s.cfg.Partitions, len(s.partCounts), c.want)
		}
		s.Close()
	}
}

// testLogger logs to the test's output with -v.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
