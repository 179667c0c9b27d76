package chat

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/transport"
	"ratchat/transport/mailbox"
)

// depositSpy is a relay's real backend that also notes the owner and
// lifetime of every deposit, in order, before storing it.
type depositSpy struct {
	mailbox.Backend
	mu       sync.Mutex
	deposits []spiedDeposit
}

type spiedDeposit struct {
	owner    keys.PublicKey
	lifetime time.Duration
}

func (s *depositSpy) DepositTokenAsync(owner keys.PublicKey, token mailbox.TokenHash, body []byte, now time.Time,
	lifetime time.Duration, done func(mailbox.DepositResult)) {
	s.mu.Lock()
	s.deposits = append(s.deposits, spiedDeposit{owner, lifetime})
	s.mu.Unlock()
	s.Backend.DepositTokenAsync(owner, token, body, now, lifetime, done)
}

// to returns the lifetimes of the deposits to owner so far, in order.
func (s *depositSpy) to(owner keys.PublicKey) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for _, d := range s.deposits {
		if d.owner == owner {
			out = append(out, d.lifetime)
		}
	}
	return out
}

// TestTimerGivesDepositLifetime: a message sent while the conversation's
// disappearing timer is on goes to the recipient's relay with that timer
// as its lifetime (the relay deletes it undelivered if it is not fetched
// within it); with the timer off, and for the timer's own control
// message, there is none. Bob is away throughout, so every deposit to him
// is alice's, and he gets all of them when he is back. (Alice's outbox
// deposits in order per contact: once a message is at the relay, its
// timer's control message went before it.)
func TestTimerGivesDepositLifetime(t *testing.T) {
	ctx := context.Background()
	relay, spy := spyRelay(t)
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, _ := connect(t, alice, bob)
	bobKey := bob.m.Identity()
	bob.stop()
	cases := []struct {
		name  string
		timer time.Duration
	}{
		{"off", 0},
		{"an hour", time.Hour},
		{"a week", 7 * 24 * time.Hour},
		{"off again", 0},
	}
	var last string
	withTimer := 0
	for _, c := range cases {
		if err := alice.m.SetTimer(ctx, ab.ID, c.timer); err != nil {
			t.Fatal(err)
		}
		last = fmt.Sprintf("timer %s", c.name)
		m, err := alice.m.Send(ctx, ab.ID, last)
		if err != nil {
			t.Fatal(err)
		}
		alice.waitStatus(m.ID, store.StatusSent) // at the relay
		all := spy.to(bobKey)
		if got := all[len(all)-1]; got != c.timer {
			t.Fatalf("%s: deposited with lifetime %v, want %v", c.name, got, c.timer)
		}
		if c.timer != 0 {
			withTimer++
		}
	}
	n := 0
	for _, d := range spy.to(bobKey) {
		if d != 0 {
			n++
		}
	}
	if n != withTimer {
		t.Fatalf("%d deposits with a lifetime, want %d (the messages, not the timers' control messages)", n, withTimer)
	}
	bob.start()
	bob.waitText(last)
}

// spyRelay starts a relay whose backend is wrapped in a depositSpy.
func spyRelay(t *testing.T) (*testRelay, *depositSpy) {
	t.Helper()
	spy := &depositSpy{}
	relay := startRelayWith(t, t.TempDir(), "", func(b mailbox.Backend) mailbox.Backend {
		spy.Backend = b
		return spy
	})
	return relay, spy
}

// TestGroupTimerGivesDepositLifetime: a group's timer is its messages'
// lifetime at every member's relay, as a contact's is.
func TestGroupTimerGivesDepositLifetime(t *testing.T) {
	ctx := context.Background()
	relay, spy := spyRelay(t)
	alice, bob, carol := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	ab, _ := connect(t, alice, bob)
	ac, _ := connect(t, alice, carol)
	info := climbing(t, alice, ab, ac)
	members := []*profile{bob, carol}
	for _, p := range members {
		p.groupAt(info.ID, 1)
	}
	if err := alice.m.SetTimer(ctx, info.Conversation, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Send(ctx, info.Conversation, "gone in an hour"); err != nil {
		t.Fatal(err)
	}
	for _, p := range members {
		p.waitText("gone in an hour") // so its deposit is made
		all := spy.to(p.m.Identity())
		if got := all[len(all)-1]; got != time.Hour {
			t.Fatalf("%s: deposited with lifetime %v, want 1h", p.name, got)
		}
	}
}

// oldHome stands in front of a relay as a home from before lifetimes
// does: a TokenDepositTTL is a kind it cannot parse, so it answers
// "malformed" for that request and closes the connection (as
// transport's serverConn.drop does); every other frame passes through.
// refused counts those it refused.
func oldHome(t *testing.T, relay string, refused *atomic.Int32) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go proxyOld(c, relay, refused)
		}
	}()
	return l.Addr().String()
}

func proxyOld(client net.Conn, relay string, refused *atomic.Int32) {
	defer client.Close()
	home, err := net.Dial("tcp", relay)
	if err != nil {
		return
	}
	defer home.Close()
	var mu sync.Mutex // frames to the client, whole
	go func() {
		defer client.Close()
		for {
			body, err := transport.ReadFrame(home, transport.MaxFrameSize)
			if err != nil {
				return
			}
			mu.Lock()
			err = transport.WriteFrame(client, body)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	for {
		body, err := transport.ReadFrame(client, transport.MaxFrameSize)
		if err != nil {
			return
		}
		if len(body) >= 5 && transport.Kind(body[0]) == transport.KindTokenDepositTTL {
			refused.Add(1)
			id := binary.BigEndian.Uint32(body[1:5])
			reply, _ := transport.MarshalMessage(id, &transport.Error{Code: transport.CodeMalformed, Text: "cannot parse request"})
			mu.Lock()
			transport.WriteFrame(client, reply)
			mu.Unlock()
			return
		}
		if err := transport.WriteFrame(home, body); err != nil {
			return
		}
	}
}

// TestOldHomeGetsNoLifetime: a home from before lifetimes refuses a
// deposit with one; the message goes again at once without it, and
// every later one to that home goes without asking.
func TestOldHomeGetsNoLifetime(t *testing.T) {
	ctx := context.Background()
	relay, spy := spyRelay(t)
	var refused atomic.Int32
	old := oldHome(t, relay.addr, &refused)
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", old)
	ab, _ := connect(t, alice, bob)
	if err := alice.m.SetTimer(ctx, ab.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"first", "second"} {
		m, err := alice.m.Send(ctx, ab.ID, text)
		if err != nil {
			t.Fatal(err)
		}
		alice.waitStatus(m.ID, store.StatusSent)
		bob.waitText(text)
	}
	if n := refused.Load(); n != 1 {
		t.Fatalf("the old home refused %d deposits with a lifetime, want 1 (the first)", n)
	}
	for _, d := range spy.to(bob.m.Identity()) {
		if d != 0 {
			t.Fatalf("a deposit with lifetime %v reached the old home's mailboxes", d)
		}
	}
}
