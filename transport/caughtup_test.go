package transport

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"
)

// TestCaughtUpAfterBacklog: the home pushes CaughtUp once, right after
// the last envelope that waited when the owner fetched, whether the
// backlog is empty, fits one read, spans several reads, or must wait for
// acknowledgements to fit the push window; what arrives later comes
// after the marker, with no second one.
func TestCaughtUpAfterBacklog(t *testing.T) {
	cases := []struct {
		name    string
		backlog int
		window  int
	}{
		{"empty mailbox", 0, 0},
		{"one read", 5, 0},
		{"several reads", 2*pushBatch + 3, 0},
		{"read exactly full", pushBatch, 0},
		{"window smaller than backlog", 9, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			alice, bob := testIdentity(t, 1), testIdentity(t, 2)
			home := peerHome(t, alice, Limits{PushWindow: tc.window, RequestRate: 1e6})
			dep := dialAnon(t, home)
			deposit := func() uint64 {
				id, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "x"))
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			var stored []uint64
			for range tc.backlog {
				stored = append(stored, deposit())
			}
			own := home.Identity()
			owner, err := Dial(ctxT(t), home.addr, alice, ClientOptions{HomeIdentity: &own, MarkCaughtUp: true})
			if err != nil {
				t.Fatal(err)
			}
			defer owner.Close()
			if err := owner.Fetch(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for {
				d := nextDelivery(t, owner)
				if d.IsCaughtUp() {
					break
				}
				got = append(got, d.ID)
				if err := owner.Ack(ctxT(t), d.ID); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, stored) {
				t.Fatalf("before the marker: %v, want %v", got, stored)
			}
			later := deposit()
			if d := nextDelivery(t, owner); d.IsCaughtUp() || d.ID != later {
				t.Fatalf("after the marker: id %d (marker %v), want %d", d.ID, d.IsCaughtUp(), later)
			}
			noDelivery(t, owner)
		})
	}
}

// fakeHome is a scripted home: it greets, accepts the Auth and the Fetch,
// then pushes script, and keeps the connection open until the test ends.
func fakeHome(t *testing.T, script []func() (uint32, Message)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	home := testIdentity(t, 9)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		write := func(id uint32, m Message) {
			body, err := MarshalMessage(id, m)
			if err == nil {
				err = WriteFrame(c, body)
			}
			if err != nil {
				t.Error(err)
			}
		}
		write(0, &Hello{Version: ProtocolVersion, Home: home.Public})
		for range 2 { // Auth, Fetch
			body, err := ReadFrame(c, MaxFrameSize)
			if err != nil {
				t.Error(err)
				return
			}
			write(requestID(body), &OK{})
		}
		for _, step := range script {
			write(step())
		}
	}()
	return l.Addr().String()
}

// TestClientCaughtUp: the client hands the marker over in order with the
// envelopes when asked to, drops it otherwise, works with a home that
// never sends it, and ends the connection on a marker that is not a push
// or comes twice.
func TestClientCaughtUp(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	env := testEnvelope(t, bob, alice.Public, "x")
	deliver := func(id uint64) func() (uint32, Message) {
		return func() (uint32, Message) {
			return 0, &Deliver{ID: id, Received: time.UnixMilli(1e12).UTC(), Envelope: env}
		}
	}
	caughtUp := func(id uint32) func() (uint32, Message) {
		return func() (uint32, Message) { return id, &CaughtUp{} }
	}
	cases := []struct {
		name   string
		mark   bool
		script []func() (uint32, Message)
		want   []uint64 // 0 stands for the marker
		broken bool     // the client ends the connection after want
	}{
		{"home without CaughtUp", true, []func() (uint32, Message){deliver(1), deliver(2)}, []uint64{1, 2}, false},
		{"marker in order", true, []func() (uint32, Message){deliver(1), caughtUp(0), deliver(2)}, []uint64{1, 0, 2}, false},
		{"marker not asked for", false, []func() (uint32, Message){deliver(1), caughtUp(0), deliver(2)}, []uint64{1, 2}, false},
		{"marker twice", true, []func() (uint32, Message){caughtUp(0), caughtUp(0)}, []uint64{0}, true},
		{"marker with a request id", true, []func() (uint32, Message){deliver(1), caughtUp(3)}, []uint64{1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeHome(t, tc.script)
			c, err := Dial(ctxT(t), addr, alice, ClientOptions{MarkCaughtUp: tc.mark})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Fetch(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for range tc.want {
				got = append(got, nextDelivery(t, c).ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if !tc.broken {
				noDelivery(t, c)
				if err := c.Err(); err != nil {
					t.Fatalf("connection ended: %v", err)
				}
				return
			}
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the connection did not end")
			}
			if err := c.Err(); !errors.Is(err, ErrUnexpected) {
				t.Fatalf("ended with %v, want ErrUnexpected", err)
			}
		})
	}
}
