package chat

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"ratchat/store"
)

// sendTexts sends texts from p to contact c and returns their ids in order.
func sendTexts(t *testing.T, p *profile, c store.ContactID, texts []string) []store.MessageID {
	t.Helper()
	var ids []store.MessageID
	for _, text := range texts {
		m, err := p.m.Send(context.Background(), c, text)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

// assertHistory fails unless p's conversation with c holds exactly the
// messages ids, in that order.
func assertHistory(t *testing.T, p *profile, c store.ContactID, ids []store.MessageID) {
	t.Helper()
	msgs, _, err := p.st.Messages(context.Background(), c, 0, len(ids)+10)
	if err != nil {
		t.Fatal(err)
	}
	msgs = written(msgs)
	if len(msgs) != len(ids) {
		t.Fatalf("%s has %d messages, want %d", p.name, len(msgs), len(ids))
	}
	for i, m := range msgs {
		if m.ID != ids[i] {
			t.Fatalf("%s: message %d is %q, out of order", p.name, i, m.Body)
		}
	}
}

// assertQueued fails unless every message ids of p's conversation with c
// is still queued.
func assertQueued(t *testing.T, p *profile, c store.ContactID, ids []store.MessageID) {
	t.Helper()
	for _, id := range ids {
		m, err := p.st.Message(context.Background(), c, id)
		if err != nil || m.Status != store.StatusQueued {
			t.Fatalf("%s: message %x has status %d, %v; want queued", p.name, id[:4], m.Status, err)
		}
	}
}

// TestOutboxOrderWhileHomeDown: carol's home is down; alice's messages to
// bob, queued between hers, reach bob at once and in order, and carol
// gets hers in order when her home is back.
func TestOutboxOrderWhileHomeDown(t *testing.T) {
	alice, bob, carol := newProfile(t, "alice", ""), newProfile(t, "bob", ""), newProfile(t, "carol", "")
	ab, ba := connect(t, alice, bob)
	ac, ca := connect(t, alice, carol)
	carolAddr := carol.m.Home()
	carol.stop()
	var toBob, toCarol []store.MessageID
	for i := range 10 {
		toCarol = append(toCarol, sendTexts(t, alice, ac.ID, []string{fmt.Sprintf("to carol %d", i)})...)
		toBob = append(toBob, sendTexts(t, alice, ab.ID, []string{fmt.Sprintf("to bob %d", i)})...)
	}
	bob.waitText("to bob 9")
	assertHistory(t, bob, ba.ID, toBob)
	assertQueued(t, alice, ac.ID, toCarol)
	carol.cfg.Listen = carolAddr
	carol.start()
	carol.waitText("to carol 9")
	assertHistory(t, carol, ca.ID, toCarol)
}

// hangingHome listens at addr as a home that says hello (a real one's,
// relayed from home) and then never answers: a deposit there waits out
// its timeout. requested is closed when the first request comes in.
type hangingHome struct {
	l         net.Listener
	requested chan struct{}
	once      sync.Once
	mu        sync.Mutex
	conns     []net.Conn
}

func startHangingHome(t *testing.T, addr, home string) *hangingHome {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h := &hangingHome{l: l, requested: make(chan struct{})}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", home)
			if err != nil {
				c.Close()
				continue
			}
			h.mu.Lock()
			h.conns = append(h.conns, c, up)
			h.mu.Unlock()
			go io.Copy(c, up) // the hello, and nothing more: up hears no request
			go func() {
				var b [1]byte
				if _, err := c.Read(b[:]); err == nil {
					h.once.Do(func() { close(h.requested) })
				}
				io.Copy(io.Discard, c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.conns {
			c.Close()
		}
	})
	return h
}

// TestOutboxManyContactsAtOnce: alice writes to eight contacts on a
// relay while a deposit at dave's home hangs: every contact gets its
// messages, in order, while that deposit still waits (the outbox serves
// contacts at once, and a pass does not wait for a slow home). Alice's
// presence pings are rare, so that none gives up on dave's connection
// and ends the deposit early.
func TestOutboxManyContactsAtOnce(t *testing.T) {
	relay := startRelay(t, t.TempDir(), "")
	alice := newProfileWith(t, "alice", relay.addr, func(c *Config) { c.PresenceInterval = time.Hour })
	dave := newProfile(t, "dave", "")
	ad, _ := connect(t, alice, dave)
	const n, each = 8, 3
	type pair struct {
		p      *profile
		to, of store.ContactID
		ids    []store.MessageID
	}
	pairs := make([]pair, n)
	for i := range pairs {
		p := newProfile(t, fmt.Sprintf("member%d", i), relay.addr)
		out, in := connect(t, alice, p)
		pairs[i] = pair{p: p, to: out.ID, of: in.ID}
	}
	daveAddr := dave.m.Home()
	dave.stop()
	hung := startHangingHome(t, daveAddr, relay.addr)
	toDave := sendTexts(t, alice, ad.ID, []string{"to dave"})
	select {
	case <-hung.requested:
	case <-time.After(10 * time.Second):
		t.Fatal("no deposit reached dave's home")
	}
	for k := range each {
		for i := range pairs {
			pairs[i].ids = append(pairs[i].ids, sendTexts(t, alice, pairs[i].to, []string{fmt.Sprintf("to %d: %d", i, k)})...)
		}
	}
	for i, pr := range pairs {
		pr.p.waitText(fmt.Sprintf("to %d: %d", i, each-1))
		assertHistory(t, pr.p, pr.of, pr.ids)
	}
	assertQueued(t, alice, ad.ID, toDave)
}
