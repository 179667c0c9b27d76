package transport

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"ratchat/internal/testclock"
	"ratchat/keys"
	"ratchat/transport/mailbox"
)

func newTestClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}

// testHome is a server listening on loopback.
type testHome struct {
	*Server
	addr   string
	dir    string
	served chan error
}

// startHome starts a server with cfg (DataDir defaults to a temporary
// folder) on 127.0.0.1, closed when the test ends. With
// RATCHAT_RELAY_BACKEND=jetstream its mailboxes are on an embedded NATS
// node of that folder's (see [kitBackend]).
func startHome(t testing.TB, cfg Config) *testHome {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Rand == nil {
		cfg.Rand = testRand(42)
	}
	cfg.Backend = kitBackend(t, cfg)
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mode == PeerMode { // so that tests about other things can deposit before the owner comes
		grantTestToken(t, s, cfg.Owner)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &testHome{Server: s, addr: l.Addr().String(), dir: cfg.DataDir, served: make(chan error, 1)}
	go func() { h.served <- s.Serve(l) }()
	t.Cleanup(func() { s.Close() })
	return h
}

// grantTestToken registers [testToken] as a contact token of owner's
// mailbox, as the owner would.
func grantTestToken(t testing.TB, s *Server, owner keys.PublicKey) {
	t.Helper()
	h := tokenHash(owner, testToken)
	if err := s.store.AddTokens(owner, []mailbox.Token{{Hash: h, Kind: mailbox.TokenContact}}); err != nil {
		t.Fatal(err)
	}
}

// peerHome starts a peer-mode home of owner.
func peerHome(t testing.TB, owner *keys.KeyPair, lim Limits) *testHome {
	return startHome(t, Config{Mode: PeerMode, Owner: owner.Public, Limits: lim})
}

// noAddrLimits lifts the per-address and per-owner limits, for load
// tests whose thousand clients all come from 127.0.0.1.
func noAddrLimits(l Limits) Limits {
	l.MaxConnsPerAddr, l.RegisterBurst, l.DepositBurst, l.BundleBurst, l.TargetBundleBurst = -1, -1, -1, -1, -1
	return l
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialOwner connects as identity, pinning the home's key.
func dialOwner(t testing.TB, h *testHome, identity *keys.KeyPair) *Conn {
	t.Helper()
	home := h.Identity()
	c, err := Dial(ctxT(t), h.addr, identity, ClientOptions{HomeIdentity: &home, Rand: testRand(7)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.AddTokens(ctxT(t), []TokenEntry{{TokenContact, testToken}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// dialAnon connects without authenticating.
func dialAnon(t testing.TB, h *testHome) *Conn {
	t.Helper()
	c, err := DialAnonymous(ctxT(t), h.addr, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantCode checks that err is a refusal with code.
func wantCode(t testing.TB, err error, code ErrorCode) {
	t.Helper()
	var r *RefusedError
	if !errors.As(err, &r) || r.Code != code {
		t.Fatalf("got %v, want refusal %s", err, code)
	}
}

// nextDelivery waits for one delivery.
func nextDelivery(t testing.TB, c *Conn) *Deliver {
	t.Helper()
	return deliveryWithin(t, c, 5*time.Second)
}

// deliveryWithin is nextDelivery with its own wait.
func deliveryWithin(t testing.TB, c *Conn, wait time.Duration) *Deliver {
	t.Helper()
	select {
	case d, ok := <-c.Deliveries():
		if !ok {
			t.Fatalf("deliveries closed: %v", c.Err())
		}
		return d
	case <-time.After(wait):
		t.Fatalf("no delivery within %v", wait)
	}
	return nil
}

// noDelivery checks that nothing is delivered for a little while.
func noDelivery(t testing.TB, c *Conn) {
	t.Helper()
	select {
	case d := <-c.Deliveries():
		t.Fatalf("unexpected delivery %d", d.ID)
	case <-time.After(100 * time.Millisecond):
	}
}

// rawConn is a hand-driven client connection, for misbehaving peers.
type rawConn struct {
	net.Conn
	hello *Hello
}

// dialRaw connects and reads the Hello.
func dialRaw(t testing.TB, h *testHome) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawConn{Conn: c}
	m := r.read(t)
	hello, ok := m.(*Hello)
	if !ok {
		t.Fatalf("first message %s", m.Kind())
	}
	r.hello = hello
	return r
}

func (r *rawConn) send(t testing.TB, id uint32, m Message) {
	t.Helper()
	body, err := MarshalMessage(id, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFrame(r, body); err != nil {
		t.Fatal(err)
	}
}

func (r *rawConn) read(t testing.TB) Message {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	body, err := ReadFrame(r, MaxFrameSize)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	_, m, err := ParseMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// expectClosed reads until the server closes the connection, returning
// the code of the Error it sent first, if any (0 if none).
func (r *rawConn) expectClosed(t testing.TB) ErrorCode {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	var code ErrorCode
	for {
		body, err := ReadFrame(r, MaxFrameSize)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server did not close the connection")
			}
			return code
		}
		if _, m, err := ParseMessage(body); err == nil {
			if e, ok := m.(*Error); ok {
				code = e.Code
			}
		}
	}
}
