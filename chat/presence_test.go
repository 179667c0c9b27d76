package chat

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// testPresenceInterval makes presence quick in tests: pings every second,
// a 0.5 s timeout, online for 2.5 s after an answer.
const testPresenceInterval = time.Second

// logSignal is a slog handler that signals each record with one message:
// a test waits on what the core logs when it has no event for it.
type logSignal struct {
	msg string
	ch  chan struct{}
}

func (h *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h *logSignal) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logSignal) WithGroup(string) slog.Handler            { return h }
func (h *logSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return nil
}

// waitPresence waits until p reports every contact of ids online (or
// offline), in any order, and returns how long that took.
func (p *profile) waitPresence(online bool, timeout time.Duration, ids ...store.ContactID) time.Duration {
	p.t.Helper()
	start := time.Now()
	left := map[store.ContactID]bool{}
	for _, id := range ids {
		left[id] = true
	}
	p.waitFor("presence", timeout, func(e Event) bool {
		if c, ok := e.(PresenceChanged); ok && c.Online == online {
			delete(left, c.Contact)
		}
		return len(left) == 0
	})
	for _, id := range ids {
		if p.m.Online(id) != online {
			p.t.Fatalf("%s: Online(%d) disagrees with the event", p.name, id)
		}
	}
	return time.Since(start)
}

// TestPresencePeerRestart: a peer that stops goes offline within the
// presence window; when it restarts on the same address it goes online,
// and a message queued meanwhile, waiting out a long backoff, reaches it
// within 5 s.
func TestPresencePeerRestart(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	failed := &logSignal{msg: "delivery failed", ch: make(chan struct{}, 1)}
	alice.stop()
	// A backoff far beyond 5 s: only presence can bring the message early.
	alice.cfg.RetryMin, alice.cfg.RetryMax = time.Minute, time.Hour
	alice.cfg.PresenceInterval, alice.cfg.Logger = testPresenceInterval, slog.New(failed)
	alice.start()
	ab, _ := connect(t, alice, bob)
	alice.waitPresence(true, 10*time.Second, ab.ID)

	bob.cfg.Listen = bob.m.Home() // it comes back on the same address
	bob.stop()
	window := alice.m.presence.window
	if took := alice.waitPresence(false, 2*window, ab.ID); took > window {
		t.Errorf("offline after %v, want within %v", took, window)
	}
	if _, err := alice.m.Send(ctx, ab.ID, "queued while bob was away"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-failed.ch: // the first attempt failed: the item waits a minute
	case <-time.After(10 * time.Second):
		t.Fatal("the first delivery attempt never failed")
	}

	restarted := time.Now()
	bob.start()
	alice.waitPresence(true, 10*time.Second, ab.ID)
	bob.waitText("queued while bob was away")
	if took := time.Since(restarted); took > 5*time.Second {
		t.Errorf("delivered %v after the restart, want within 5s", took)
	}
}

// TestPresenceRelay: contacts on one relay share its presence; the relay
// going away takes them offline, and its return brings them back.
func TestPresenceRelay(t *testing.T) {
	dir := t.TempDir()
	relay := startRelay(t, dir, "")
	alice := newProfile(t, "alice", relay.addr)
	alice.stop()
	alice.cfg.PresenceInterval = testPresenceInterval
	alice.start()
	bob, carol := newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	ab, _ := connect(t, alice, bob)
	ac, _ := connect(t, alice, carol)
	alice.waitPresence(true, 10*time.Second, ab.ID, ac.ID)
	p := alice.m.presence
	p.mu.Lock()
	homes := len(p.homes)
	p.mu.Unlock()
	if homes != 1 {
		t.Errorf("%d homes to ping, want the relay once", homes)
	}

	relay.srv.Close()
	window := alice.m.presence.window
	alice.waitPresence(false, 2*window, ab.ID, ac.ID)
	startRelay(t, dir, relay.addr)
	alice.waitPresence(true, 10*time.Second, ab.ID, ac.ID)
}

// TestPresenceHeard: something arriving from a contact marks it online
// without a ping, for the window; then it goes offline again unless its
// home answers.
func TestPresenceHeard(t *testing.T) {
	p := newPresence(testPresenceInterval)
	now := time.Now()
	clock := now
	m := &Messenger{presence: p, events: newEventQueue(), now: func() time.Time { return clock }}
	defer m.events.close()
	p.homeOf = map[store.ContactID]string{1: "192.0.2.1:7070", 2: "192.0.2.2:7070", 3: "192.0.2.3:7070"}
	cases := []struct {
		name  string
		event Event
		at    time.Time
		want  []PresenceChanged
	}{
		{"a message arrives", MessageReceived{Contact: 1}, now, []PresenceChanged{{1, true}}},
		{"a sent status is ours, not the contact's", StatusChanged{Contact: 3, Status: store.StatusSent}, now, nil},
		{"a delivery receipt", StatusChanged{Contact: 3, Status: store.StatusDelivered}, now, []PresenceChanged{{3, true}}},
		{"an outgoing file's progress", FileProgress{Contact: 2, Outgoing: true}, now, nil},
		{"a message heard a window ago", MessageReceived{Contact: 2}, now.Add(-p.window), nil},
		{"an incoming file's progress", FileProgress{Contact: 2}, now, []PresenceChanged{{2, true}}},
	}
	for _, c := range cases {
		p.observe(c.at, c.event)
		m.showPresence()
		var got []PresenceChanged
		for range c.want {
			got = append(got, (<-m.events.out).(PresenceChanged))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if u := p.takeUrgent(); len(u) != 3 {
		t.Errorf("urgent %v, want all three", u)
	}
	// A window later, with no home answering, all three are offline.
	clock = now.Add(p.window)
	m.showPresence()
	offline := map[PresenceChanged]bool{}
	for range 3 {
		offline[(<-m.events.out).(PresenceChanged)] = true
	}
	if !offline[PresenceChanged{1, false}] || !offline[PresenceChanged{2, false}] || !offline[PresenceChanged{3, false}] {
		t.Errorf("after the window: %v", offline)
	}
}

// TestPresenceDue: each home address is pinged once however many contacts
// share it, never twice at a time, and an offline home that messages wait
// for is pinged more often.
func TestPresenceDue(t *testing.T) {
	p := newPresence(testPresenceInterval)
	relay, peer := "192.0.2.1:7070", "192.0.2.2:7070"
	p.homeOf = map[store.ContactID]string{1: relay, 2: relay, 3: relay, 4: peer}
	p.homes = map[string]*homeProbe{relay: {}, peer: {}}
	now := time.Now()
	due := p.due(now)
	slices.Sort(due)
	if !slices.Equal(due, []string{relay, peer}) {
		t.Fatalf("first round %v", due)
	}
	if again := p.due(now.Add(time.Hour)); len(again) != 0 {
		t.Fatalf("pinged while a ping is in flight: %v", again)
	}
	p.record(probeResult{addr: relay, at: now})
	p.record(probeResult{addr: peer, at: now, err: context.DeadlineExceeded})
	p.failed(store.Contact{ID: 4, Address: peer}, transport.ErrUnreachable, now)
	cases := []struct {
		after time.Duration
		want  []string
	}{
		{p.fast - time.Millisecond, nil},
		{p.fast, []string{peer}}, // offline, messages waiting
		{p.interval, []string{relay}},
	}
	for _, c := range cases {
		got := p.due(now.Add(c.after))
		if !slices.Equal(got, c.want) {
			t.Errorf("after %v: %v, want %v", c.after, got, c.want)
		}
	}
}

// TestPresenceHeardThenDown: a failed ping outweighs what was heard from
// the contact before it (a peer that quits right after writing goes
// offline at the next ping, not a window later), and what is heard after
// it counts again.
func TestPresenceHeardThenDown(t *testing.T) {
	const addr = "192.0.2.1:7070"
	cases := []struct {
		name           string
		heard, pingErr time.Duration // after the start: a message, then a failed ping
		want           bool
	}{
		{"heard, then the ping fails", 0, time.Second, false},
		{"the ping fails, then heard", time.Second, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPresence(testPresenceInterval)
			start := time.Now()
			clock := start.Add(2 * time.Second) // within the window of both
			m := &Messenger{presence: p, events: newEventQueue(), now: func() time.Time { return clock }}
			defer m.events.close()
			p.homeOf = map[store.ContactID]string{1: addr}
			p.homes = map[string]*homeProbe{addr: {answered: start}}
			p.observe(start.Add(c.heard), MessageReceived{Contact: 1})
			p.homes[addr].busy = true
			p.record(probeResult{addr: addr, at: start.Add(c.pingErr), err: transport.ErrUnreachable})
			m.showPresence()
			if got := m.Online(1); got != c.want {
				t.Errorf("online %v, want %v", got, c.want)
			}
		})
	}
}
