package chat

import (
	"context"
	"errors"
	"sync"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// Presence. A contact is online when its home answered us recently: the
// messenger pings every contact's home now and then, and also counts a
// deposit that the home took, and anything that arrives from the contact.
// Why the home and not the contact: in peer mode the home is the contact's
// own process, and it is where our messages go; a relay answers for all
// its profiles, and whether one of them is running is not ours to learn.
//
// With the default interval I = 10 s: a home is pinged every I, with a
// timeout of I/2, and counts as online for 2.5 I (25 s) after it last
// answered; a failed ping marks it offline at once, so a home that goes
// away shows offline within 1.5 I (15 s), even when the contact wrote
// just before (what was heard before the failed ping no longer counts).
// A home that is offline while messages wait for it is pinged every I/4,
// and when it answers, the outbox tries those messages at once, whatever
// their backoff: a restarted peer gets them within seconds.

// defaultPresenceInterval is how often a contact's home is pinged.
const defaultPresenceInterval = 10 * time.Second

// maxProbes bounds the pings in flight: a profile with many contacts in
// peer mode (one home each) pings them a few at a time.
const maxProbes = 16

// Online reports whether the contact's home answered recently (or the
// contact wrote to us lately), as the last [PresenceChanged] said.
func (m *Messenger) Online(id store.ContactID) bool {
	p := m.presence
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shown[id]
}

// homeProbe is what we know of one home address.
type homeProbe struct {
	answered time.Time // when it last answered (a ping or a deposit)
	down     bool      // the last ping failed
	downAt   time.Time // when it was last found down
	probed   time.Time // when the last ping started
	busy     bool      // a ping is in flight
}

// presence holds what the presence loop knows. Other goroutines record
// what they see (an answer, something heard, a failed delivery) and poke
// the loop, which alone decides flips and emits them, in order.
type presence struct {
	interval, fast, timeout, window time.Duration

	mu      sync.Mutex
	homeOf  map[store.ContactID]string // each contact's home address
	homes   map[string]*homeProbe      // one entry per address, however many contacts share it
	heard   map[store.ContactID]time.Time
	waiting map[store.ContactID]bool // its last delivery failed
	shown   map[store.ContactID]bool // the state the last event reported
	urgent  map[store.ContactID]bool // the outbox should try it now, whatever the backoff
	stale   bool                     // contacts changed: reload them
	poke    chan struct{}
}

func newPresence(interval time.Duration) *presence {
	if interval <= 0 {
		interval = defaultPresenceInterval
	}
	return &presence{
		interval: interval, fast: interval / 4, timeout: interval / 2, window: interval * 5 / 2,
		homeOf: map[store.ContactID]string{}, homes: map[string]*homeProbe{},
		heard: map[store.ContactID]time.Time{}, waiting: map[store.ContactID]bool{},
		shown: map[store.ContactID]bool{}, urgent: map[store.ContactID]bool{},
		stale: true, poke: make(chan struct{}, 1),
	}
}

// wake tells the presence loop to look again.
func (p *presence) wake() {
	select {
	case p.poke <- struct{}{}:
	default:
	}
}

// observe learns from the events the messenger emits: whatever arrives
// from a contact shows it is there, and a changed contact may have moved.
func (p *presence) observe(now time.Time, e Event) {
	var from store.ContactID
	switch e := e.(type) {
	case MessageReceived:
		from = e.Contact
	case StatusChanged:
		if e.Status != store.StatusDelivered && e.Status != store.StatusRead {
			return // only a receipt comes from the contact
		}
		from = e.Contact
	case FileProgress:
		if e.Outgoing {
			return
		}
		from = e.Contact
	case ContactChanged:
		p.mu.Lock()
		p.stale = true
		p.mu.Unlock()
		p.wake()
		return
	default:
		return
	}
	p.mu.Lock()
	p.heard[from] = now
	p.mu.Unlock()
	p.wake()
}

// answered records that a contact's home took a deposit.
func (p *presence) answered(c store.Contact, now time.Time) {
	p.mu.Lock()
	if h := p.homes[c.Address]; h != nil {
		h.answered, h.down = now, false
	}
	delete(p.waiting, c.ID)
	p.mu.Unlock()
	p.wake()
}

// failed records that a delivery to a contact failed: its home is pinged
// more often until it answers. A home that did not answer at all is down
// from now: if it only restarted between two pings, its answer to the next
// one still counts as a return, and the outbox tries again at once.
func (p *presence) failed(c store.Contact, err error, now time.Time) {
	p.mu.Lock()
	p.waiting[c.ID] = true
	h := p.homes[c.Address]
	down := h != nil && (errors.Is(err, transport.ErrUnreachable) || errors.Is(err, transport.ErrConnectionLost))
	if down {
		h.down, h.downAt = true, now
	}
	p.mu.Unlock()
	if down {
		p.wake()
	}
}

// takeUrgent returns the contacts whose home came back since the last
// call: the outbox tries their items now.
func (p *presence) takeUrgent() map[store.ContactID]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.urgent
	p.urgent = map[store.ContactID]bool{}
	return u
}

// probeResult is the outcome of one ping.
type probeResult struct {
	addr string
	at   time.Time
	err  error
}

// presenceLoop pings contacts' homes and reports who is online.
func (m *Messenger) presenceLoop(ctx context.Context) {
	p := m.presence
	results := make(chan probeResult)
	var probes sync.WaitGroup
	defer probes.Wait()
	tick := time.NewTicker(p.fast)
	defer tick.Stop()
	for {
		if err := m.reloadPresence(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("presence", "err", err)
		}
		for _, addr := range p.due(m.now()) {
			probes.Add(1)
			go func() {
				defer probes.Done()
				err := m.ping(ctx, addr)
				select {
				case results <- probeResult{addr: addr, at: m.now(), err: err}:
				case <-ctx.Done():
				}
			}()
		}
		m.showPresence()
		select {
		case r := <-results:
			p.record(r)
		case <-p.poke:
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// reloadPresence reads the contacts when they changed, and forgets the
// homes and contacts that are gone.
func (m *Messenger) reloadPresence(ctx context.Context) error {
	p := m.presence
	p.mu.Lock()
	stale := p.stale
	p.stale = false
	p.mu.Unlock()
	if !stale {
		return nil
	}
	contacts, err := m.st.Contacts(ctx)
	if err != nil {
		p.mu.Lock()
		p.stale = true
		p.mu.Unlock()
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.homeOf = map[store.ContactID]string{}
	homes := map[string]*homeProbe{}
	for _, c := range contacts {
		if c.Address == "" {
			continue
		}
		p.homeOf[c.ID] = c.Address
		if homes[c.Address] = p.homes[c.Address]; homes[c.Address] == nil {
			homes[c.Address] = &homeProbe{}
		}
	}
	p.homes = homes
	for _, set := range []map[store.ContactID]bool{p.shown, p.waiting, p.urgent} {
		for id := range set {
			if _, ok := p.homeOf[id]; !ok {
				delete(set, id)
			}
		}
	}
	for id := range p.heard {
		if _, ok := p.homeOf[id]; !ok {
			delete(p.heard, id)
		}
	}
	return nil
}

// due returns the homes to ping now, each address once, and marks them
// busy: an online home every interval (an answer to a deposit counts), an
// offline one every interval too, or every fast interval while messages
// wait for it. At most maxProbes are in flight.
func (p *presence) due(now time.Time) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	waiting := map[string]bool{}
	for id := range p.waiting {
		waiting[p.homeOf[id]] = true
	}
	busy := 0
	for _, h := range p.homes {
		if h.busy {
			busy++
		}
	}
	var out []string
	for addr, h := range p.homes {
		if busy == maxProbes {
			break
		}
		last, every := h.probed, p.interval
		if p.up(h, now) {
			last = latest(h.probed, h.answered)
		} else if waiting[addr] {
			every = p.fast
		}
		if h.busy || !h.probed.IsZero() && now.Sub(last) < every {
			continue
		}
		h.busy, h.probed = true, now
		busy++
		out = append(out, addr)
	}
	return out
}

// latest returns the later of two times.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// up reports whether a home answered within the window and its last ping
// did not fail.
func (p *presence) up(h *homeProbe, now time.Time) bool {
	return h != nil && !h.down && !h.answered.IsZero() && now.Sub(h.answered) < p.window
}

// heardLately reports whether something arrived from the contact within
// the window, and after its home h was last found down. Why the second
// condition: a home that refuses a ping is newer news than a message heard
// before, so a peer that quits right after writing shows offline at the
// next ping rather than a whole window later.
func (p *presence) heardLately(id store.ContactID, h *homeProbe, now time.Time) bool {
	heard, ok := p.heard[id]
	if !ok || now.Sub(heard) >= p.window {
		return false
	}
	return h == nil || !h.down || heard.After(h.downAt)
}

// record notes a ping's outcome.
func (p *presence) record(r probeResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.homes[r.addr]
	if h == nil {
		return // the address is no one's home any more
	}
	h.busy = false
	if r.err != nil {
		h.down, h.downAt = true, r.at
		return
	}
	h.answered, h.down = latest(h.answered, r.at), false
}

// showPresence reports every contact whose state changed. A contact that
// comes online becomes urgent for the outbox, which is woken.
func (m *Messenger) showPresence() {
	p := m.presence
	now := m.now()
	var flips []PresenceChanged
	p.mu.Lock()
	for id, addr := range p.homeOf {
		h := p.homes[addr]
		online := p.up(h, now) || p.heardLately(id, h, now)
		if online == p.shown[id] {
			continue
		}
		p.shown[id] = online
		if online {
			p.urgent[id] = true
		}
		flips = append(flips, PresenceChanged{Contact: id, Online: online})
	}
	p.mu.Unlock()
	for _, f := range flips {
		m.events.emit(f)
		if f.Online {
			m.wakeOutbox()
		}
	}
}

// ping asks the home at addr to answer, within the presence timeout.
func (m *Messenger) ping(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, m.presence.timeout)
	defer cancel()
	var err error
	// Why twice: the pooled connection may have died since its last use
	// (the home restarted); the second try dials afresh.
	for range 2 {
		conn, gerr := m.pool.get(ctx, addr)
		if gerr != nil {
			return gerr
		}
		if err = conn.Ping(ctx); err == nil {
			return nil
		}
		m.pool.drop(addr, conn)
	}
	return err
}
