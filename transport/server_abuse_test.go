package transport

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestAuthAttacks: a wrong signature, a replayed Auth from an earlier
// connection, and a second Auth are all refused, and each closes the
// connection.
func TestAuthAttacks(t *testing.T) {
	alice, mallory := testIdentity(t, 1), testIdentity(t, 3)
	home := peerHome(t, alice, Limits{})

	r := dialRaw(t, home)
	forged, _ := NewAuth(testRand(1), mallory, r.hello)
	forged.Identity = alice.Public // Alice's key, Mallory's signature
	r.send(t, 1, forged)
	if code := r.expectClosed(t); code != CodeAuthFailed {
		t.Fatalf("wrong signature: %s", code)
	}

	// A genuine Auth, recorded, and replayed on a new connection.
	r = dialRaw(t, home)
	genuine, _ := NewAuth(testRand(1), alice, r.hello)
	r.send(t, 1, genuine)
	if _, ok := r.read(t).(*OK); !ok {
		t.Fatal("genuine auth refused")
	}
	r.send(t, 2, genuine) // second Auth on the same connection
	if code := r.expectClosed(t); code != CodeUnexpected {
		t.Fatalf("second auth: %s", code)
	}
	r = dialRaw(t, home)
	r.send(t, 1, genuine)
	if code := r.expectClosed(t); code != CodeAuthFailed {
		t.Fatalf("replayed auth: %s", code)
	}
	if got := home.Stats().AuthFailures; got != 2 {
		t.Fatalf("%d auth failures counted", got)
	}
}

// TestMisbehavingPeers: garbage, an oversized length, a silent peer and a
// peer trickling one byte at a time are each dropped, while an honest
// client keeps being served throughout.
func TestMisbehavingPeers(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{HandshakeTimeout: 300 * time.Millisecond,
		FrameTimeout: 300 * time.Millisecond, IdleTimeout: 2 * time.Second})
	honest := dialAnon(t, home)
	env := testEnvelope(t, bob, alice.Public, "still here")
	check := func(what string) {
		t.Helper()
		if _, err := honest.Deposit(ctxT(t), alice.Public, testToken, uniq(env)); err != nil {
			t.Fatalf("honest client after %s: %v", what, err)
		}
	}
	cases := []struct {
		name string
		send func(*rawConn)
		want ErrorCode
	}{
		{"garbage", func(r *rawConn) { r.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) }, CodeMalformed},
		{"0xFFFFFFFF length", func(r *rawConn) { r.Write([]byte{0xff, 0xff, 0xff, 0xff}) }, CodeMalformed},
		{"unknown kind", func(r *rawConn) { WriteFrame(r, []byte{200, 0, 0, 0, 1}) }, CodeMalformed},
		{"server-only kind", func(r *rawConn) { r.send(t, 1, &Stored{ID: 1}) }, CodeUnexpected},
		{"silent", func(*rawConn) {}, CodeTimeout},
		{"one byte at a time", func(r *rawConn) {
			go func() {
				frame, _ := AppendFrame(nil, []byte{byte(KindPing), 0, 0, 0, 1})
				for _, b := range frame {
					if _, err := r.Write([]byte{b}); err != nil {
						return
					}
					time.Sleep(200 * time.Millisecond)
				}
			}()
		}, CodeTimeout},
	}
	for _, c := range cases {
		r := dialRaw(t, home)
		c.send(r)
		start := time.Now()
		if code := r.expectClosed(t); code != c.want {
			t.Errorf("%s: closed with %s, want %s", c.name, code, c.want)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("%s: took %v to drop", c.name, time.Since(start))
		}
		check(c.name)
	}
	st := home.Stats()
	if st.Timeouts != 2 || st.ProtocolErrors != 4 {
		t.Fatalf("stats %+v", st)
	}
}

// TestCutMidFrame: a client that disconnects halfway through a frame
// costs the server nothing; a home that disconnects halfway through its
// answer gives the client ErrConnectionLost.
func TestCutMidFrame(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	r := dialRaw(t, home)
	body, _ := MarshalMessage(1, &Deposit{Recipient: alice.Public, Envelope: testEnvelope(t, bob, alice.Public, "x")})
	frame, _ := AppendFrame(nil, body)
	r.Write(frame[:len(frame)/2])
	r.Close()
	if _, err := dialAnon(t, home).Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "y")); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := home.store.Usage(ctxT(t), alice.Public); n != 1 {
		t.Fatalf("%d envelopes stored; the cut one must not be", n)
	}

	// A fake home that sends Hello, then half of an answer, then hangs up.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		hello, _ := MarshalMessage(0, &Hello{Version: ProtocolVersion, Home: alice.Public})
		WriteFrame(c, hello)
		ReadFrame(c, MaxFrameSize)
		answer, _ := MarshalMessage(1, &Stored{ID: 5})
		frame, _ := AppendFrame(nil, answer)
		c.Write(frame[:7])
	}()
	c, err := DialAnonymous(ctxT(t), l.Addr().String(), ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "z"))
	if !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("cut answer: %v", err)
	}
}

// TestQuotaAndRateLimit: a full mailbox and a too-fast connection get
// clear codes, and the connection stays usable.
func TestQuotaAndRateLimit(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	clock := newTestClock()
	home := startHome(t, Config{Mode: PeerMode, Owner: alice.Public, Now: clock.Now,
		Limits: Limits{MaxEnvelopes: 2, RequestRate: 1, RequestBurst: 4}})
	c := dialAnon(t, home)
	env := testEnvelope(t, bob, alice.Public, "x")
	for range 2 {
		if _, err := c.Deposit(ctxT(t), alice.Public, testToken, uniq(env)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Deposit(ctxT(t), alice.Public, testToken, uniq(env))
	wantCode(t, err, CodeQuotaExceeded)
	var r *RefusedError
	errors.As(err, &r)
	if !r.Temporary() {
		t.Fatal("a full mailbox may empty: temporary")
	}
	if err := c.Ping(ctxT(t)); err != nil { // the 4th request: the last token
		t.Fatal(err)
	}
	wantCode(t, c.Ping(ctxT(t)), CodeRateLimited)
	clock.Advance(time.Second)
	if err := c.Ping(ctxT(t)); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	st := home.Stats()
	if st.RateLimited != 1 || st.EnvelopesRefused != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestMaxConnections: beyond the limit, a client is told the home is
// busy, and the refusal is temporary.
func TestMaxConnections(t *testing.T) {
	alice := testIdentity(t, 1)
	home := peerHome(t, alice, Limits{MaxConns: 1})
	first := dialAnon(t, home)
	_, err := DialAnonymous(ctxT(t), home.addr, ClientOptions{})
	wantCode(t, err, CodeBusy)
	var r *RefusedError
	if errors.As(err, &r); !r.Temporary() {
		t.Fatal("busy is temporary")
	}
	first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := DialAnonymous(ctxT(t), home.addr, ClientOptions{})
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if home.Stats().ConnectionsRefused < 1 {
		t.Fatal("refusal not counted")
	}
}

// TestShutdown: connected clients are told, Serve returns ErrClosed,
// and new connections are refused.
func TestShutdown(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	owner := dialOwner(t, home, alice)
	owner.Fetch(ctxT(t))
	anon := dialAnon(t, home)
	anon.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "x"))
	nextDelivery(t, owner)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := home.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Conn{owner, anon} {
		<-c.Done()
		wantCode(t, c.Err(), CodeShuttingDown)
	}
	if err := <-home.served; !errors.Is(err, ErrClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := DialAnonymous(ctxT(t), home.addr, ClientOptions{}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("after shutdown: %v", err)
	}
	if home.Stats().ConnectionsActive != 0 {
		t.Fatal("connections left")
	}
}

// TestDialErrors: nothing listening is unreachable; a home with another
// key is the wrong home.
func TestDialErrors(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	alice := testIdentity(t, 1)
	if _, err := Dial(ctxT(t), addr, alice, ClientOptions{}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("closed port: %v", err)
	}
	home := peerHome(t, alice, Limits{})
	other := testIdentity(t, 2).Public
	if _, err := Dial(ctxT(t), home.addr, alice, ClientOptions{HomeIdentity: &other}); !errors.Is(err, ErrWrongHome) {
		t.Fatalf("wrong home: %v", err)
	}
	c := dialAnon(t, home)
	c.Close()
	if err := c.Ping(ctxT(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}
