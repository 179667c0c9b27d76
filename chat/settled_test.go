package chat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/transport"
)

// settleWindow is a push window smaller than the backlog, so that the
// home's catch-up waits for acknowledgements before it is over.
const settleWindow = 4

// TestSettledHoldsTheBacklog: alice writes while bob is offline; once
// bob's Settled returns, everything that waited at his home is in his
// store, without waiting for any event. Through a relay, and in peer
// mode, where the envelopes wait in bob's own home (stored while his
// messenger was not running).
func TestSettledHoldsTheBacklog(t *testing.T) {
	const n = 3*settleWindow + 1
	cases := []struct {
		name string
		run  func(t *testing.T, alice *profile, ab store.ContactID, bob *profile)
	}{
		{"relay", func(t *testing.T, alice *profile, ab store.ContactID, bob *profile) {
			bob.stop()
			sendAll(t, alice, ab, n)
			bob.start()
		}},
		{"peer mode", func(t *testing.T, alice *profile, ab store.ContactID, bob *profile) {
			addr, id := bob.m.Home(), bob.m.Identity()
			bob.stop()
			home := bareHome(t, bob, id, addr)
			sendAll(t, alice, ab, n)
			home.Close()
			bob.cfg.Listen = addr
			bob.start()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			relay := ""
			if tc.name == "relay" {
				relay = startRelayWindow(t, settleWindow)
			}
			alice, bob := newProfile(t, "alice", relay), newProfileWindow(t, "bob", relay, settleWindow)
			ab, ba := connect(t, alice, bob)
			tc.run(t, alice, ab.ID, bob)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := bob.m.Settled(ctx); err != nil {
				t.Fatal(err)
			}
			msgs, _, err := bob.st.Messages(ctx, ba.ID, 0, 2*n)
			if err != nil {
				t.Fatal(err)
			}
			msgs = written(msgs)
			if len(msgs) != n {
				t.Fatalf("bob has %d messages once settled, want %d", len(msgs), n)
			}
			for i, m := range msgs {
				if want := fmt.Sprintf("offline %d", i); string(m.Body) != want {
					t.Fatalf("message %d is %q, want %q", i, m.Body, want)
				}
			}
			if err := bob.m.Settled(ctx); err != nil { // settled stays settled
				t.Fatal(err)
			}
		})
	}
}

// TestSettledWaitsForTheHome: a messenger whose home cannot be reached is
// not settled; Settled ends with the context's error.
func TestSettledWaitsForTheHome(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	dir := filepath.Join(t.TempDir(), "carol")
	st, err := store.Create(dir, []byte("passphrase carol"), store.WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := CreateProfile(context.Background(), st, "carol", nil); err != nil {
		t.Fatal(err)
	}
	m, err := Start(context.Background(), testConfig(st, dead))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := m.Settled(ctx); err == nil || ctx.Err() == nil {
		t.Fatalf("settled with no home: %v", err)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not wrap the context's", err)
	}
}

// sendAll sends n messages from p to contact id and waits until the last
// is at the contact's home.
func sendAll(t *testing.T, p *profile, id store.ContactID, n int) {
	t.Helper()
	var last store.MessageID
	for i := range n {
		m, err := p.m.Send(context.Background(), id, fmt.Sprintf("offline %d", i))
		if err != nil {
			t.Fatal(err)
		}
		last = m.ID
	}
	p.waitStatus(last, store.StatusSent)
}

// bareHome runs p's peer-mode home (p's identity is id), from its own
// folder, without its messenger, on addr: envelopes deposited there wait
// for the messenger.
func bareHome(t *testing.T, p *profile, id keys.PublicKey, addr string) *transport.Server {
	t.Helper()
	srv, err := transport.NewServer(transport.Config{Mode: transport.PeerMode, Owner: id,
		DataDir: filepath.Join(p.dir, "home"), Limits: p.cfg.Limits})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv
}

// newProfileWindow is newProfile with a push window of its own home.
func newProfileWindow(t *testing.T, name, relay string, window int) *profile {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	st, err := store.Create(dir, []byte("passphrase "+name), store.WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateProfile(context.Background(), st, name, nil); err != nil {
		t.Fatal(err)
	}
	p := &profile{t: t, name: name, dir: dir, st: st, cfg: testConfig(st, relay)}
	p.cfg.Limits.PushWindow = window
	p.start()
	t.Cleanup(p.stop)
	return p
}

// startRelayWindow starts a relay with this push window and returns its
// address.
func startRelayWindow(t *testing.T, window int) string {
	t.Helper()
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: t.TempDir(),
		Limits: transport.Limits{PushWindow: window}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}
