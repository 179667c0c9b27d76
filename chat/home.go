package chat

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"sync"
	"time"

	"ratchat/keys"
	"ratchat/transport"
)

// refillEvery is how often the home's prekey stock is checked even when no
// session started: bundles can be fetched without a message following.
const refillEvery = 10 * time.Minute

// settingRelayIdentity pins the relay's identity key the first time we
// reach it (trust on first use), so that our Auth signature is never made
// for an impostor afterwards.
const settingRelayIdentity = "relay_identity"

// startHome starts the profile's own home (peer mode) or prepares the
// connection to its relay.
func (m *Messenger) startHome() error {
	if m.cfg.Relay != "" {
		m.home = m.cfg.Relay
		if v, err := m.st.Setting(m.ctx, settingRelayIdentity); err == nil {
			if k, err := parseHexKey(v); err == nil {
				m.homeKey = k
			}
		}
		return nil
	}
	srv, err := transport.NewServer(transport.Config{
		Mode:    transport.PeerMode,
		Owner:   m.identity.Public,
		DataDir: filepath.Join(m.st.Dir(), "home"),
		Limits:  m.cfg.Limits,
		Logger:  m.log,
		Now:     m.now,
	})
	if err != nil {
		return err
	}
	addr := m.cfg.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return err
	}
	m.server, m.listener, m.homeKey = srv, l, m.identity.Public
	m.home = m.cfg.Advertise
	if m.home == "" {
		m.home = l.Addr().String()
	}
	go srv.Serve(l)
	return nil
}

// stopHome shuts the peer-mode home down.
func (m *Messenger) stopHome() error {
	if m.server == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return m.server.Shutdown(ctx)
}

// homeDialAddr is where we reach our own home: the listener itself in peer
// mode (the advertised address may be one that only others can reach),
// the relay otherwise.
func (m *Messenger) homeDialAddr() string {
	if m.listener != nil {
		return m.listener.Addr().String()
	}
	return m.home
}

// stockOwnHome uploads our prekeys to our peer-mode home once, at start.
func (m *Messenger) stockOwnHome(ctx context.Context) error {
	opts := m.cfg.Client
	opts.HomeIdentity = &m.homeKey
	conn, err := transport.Dial(ctx, m.homeDialAddr(), &m.identity, opts)
	if err != nil {
		return err
	}
	defer conn.Close()
	return m.syncPreKeys(ctx, conn)
}

// homeLoop keeps the owner's connection to the home: it authenticates,
// keeps the prekeys supplied, and handles every delivery, reconnecting
// with backoff when the connection ends.
func (m *Messenger) homeLoop(ctx context.Context) {
	wait := m.cfg.RetryMin
	for ctx.Err() == nil {
		cameUp, err := m.serveHome(ctx)
		if ctx.Err() != nil {
			return
		}
		m.events.emit(HomeState{Connected: false, Err: err})
		m.log.Info("home connection ended", "err", err)
		var pause time.Duration
		pause, wait = homeBackoff(wait, cameUp, m.cfg.RetryMin, max(m.cfg.RetryMin, min(m.cfg.RetryMax, homeRetryMax)))
		if !sleep(ctx, pause/2+rand.N(pause/2+1)) {
			return
		}
	}
}

// homeRetryMax bounds the wait between tries to reach the home. Why
// shorter than the outbox's: while its home is unreachable a profile
// receives nothing and shows "offline", so once a relay is back after an
// outage its profiles should be back within half a minute, not five.
const homeRetryMax = 30 * time.Second

// homeBackoff is the pause before the next try to reach the home (before
// jitter: between half of it and all of it), and the wait after that
// one: least again after a connection that had come up (a drop after
// hours online is not one more failure in a row), otherwise twice the
// last wait, up to most.
func homeBackoff(wait time.Duration, cameUp bool, least, most time.Duration) (pause, next time.Duration) {
	if cameUp {
		wait = least
	}
	wait = min(max(wait, least), most)
	return wait, min(2*wait, most)
}

// serveHome runs one connection to the home until it ends. Deliveries
// are handled in order, so when the home's catch-up marker comes out of
// the channel, every envelope that waited at the home has been handled:
// the messenger is settled.
func (m *Messenger) serveHome(ctx context.Context) (cameUp bool, err error) {
	opts := m.cfg.Client
	opts.MarkCaughtUp = true
	if m.homeKey != (keys.PublicKey{}) {
		opts.HomeIdentity = &m.homeKey
	}
	conn, err := transport.Dial(ctx, m.homeDialAddr(), &m.identity, opts)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if m.homeKey == (keys.PublicKey{}) { // first contact with the relay
		m.homeKey = conn.Home()
		if err := m.st.SetSetting(ctx, settingRelayIdentity, m.homeKey.String()); err != nil {
			return false, err
		}
	}
	defer m.homeGone(conn)
	if err := m.syncTokens(ctx, conn); err != nil {
		return false, err
	}
	if err := m.syncPreKeys(ctx, conn); err != nil {
		return false, err
	}
	if err := m.applyPending(ctx); err != nil {
		return false, err
	}
	if err := conn.Fetch(ctx); err != nil {
		return false, err
	}
	m.readyOnce.Do(func() { close(m.ready) })
	m.events.emit(HomeState{Connected: true})
	actx, cancel := context.WithCancel(ctx)
	acks := m.startAcker(actx, conn)
	defer acks.stop(cancel)
	tick := time.NewTicker(refillEvery)
	defer tick.Stop()
	for {
		select {
		case <-m.refill:
			if err := m.syncPreKeys(ctx, conn); err != nil {
				return true, err
			}
		case <-tick.C:
			if err := m.syncPreKeys(ctx, conn); err != nil {
				return true, err
			}
		case d, ok := <-conn.Deliveries():
			if !ok {
				return true, conn.Err()
			}
			if d.IsCaughtUp() {
				m.settling.settle()
				continue
			}
			if err := m.handleDelivery(ctx, acks, d); err != nil {
				return true, err
			}
		case <-ctx.Done():
			return true, ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connPool keeps one anonymous connection per contact home, for deposits
// and bundle fetches.
type connPool struct {
	opts  transport.ClientOptions
	mu    sync.Mutex
	conns map[string]*transport.Conn
	// old are the homes that refused a deposit with a lifetime (from
	// before lifetimes), until the process ends: they may be upgraded.
	old map[string]bool
}

func newConnPool(opts transport.ClientOptions) *connPool {
	return &connPool{opts: opts, conns: map[string]*transport.Conn{}, old: map[string]bool{}}
}

// lifetimes reports whether addr takes deposits with a lifetime, as far
// as this process knows.
func (p *connPool) lifetimes(addr string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.old[addr]
}

// noLifetimes notes that addr refused a deposit with a lifetime.
func (p *connPool) noLifetimes(addr string) {
	p.mu.Lock()
	p.old[addr] = true
	p.mu.Unlock()
}

// get returns a live connection to addr, dialling if needed.
func (p *connPool) get(ctx context.Context, addr string) (*transport.Conn, error) {
	p.mu.Lock()
	c := p.conns[addr]
	p.mu.Unlock()
	if c != nil && c.Err() == nil {
		return c, nil
	}
	c, err := transport.DialAnonymous(ctx, addr, p.opts)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.conns[addr]; old != nil && old.Err() == nil {
		c.Close()
		return old, nil
	}
	p.conns[addr] = c
	return c, nil
}

// drop closes addr's connection after an error, so the next get redials.
func (p *connPool) drop(addr string, c *transport.Conn) {
	p.mu.Lock()
	if p.conns[addr] == c {
		delete(p.conns, addr)
	}
	p.mu.Unlock()
	c.Close()
}

func (p *connPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, c := range p.conns {
		c.Close()
		delete(p.conns, addr)
	}
}

// parseHexKey reads a public key as [keys.PublicKey.String] prints it.
func parseHexKey(s string) (keys.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return keys.PublicKey{}, err
	}
	return keys.ParsePublicKey(b)
}

// Ready waits until the profile's prekeys are at its home, so that someone
// given our invite can start a session with us: at once in peer mode (Start
// stocked our own home), after the first connection to the relay
// otherwise. It fails with ctx's error when that takes too long (the relay
// cannot be reached); the messenger keeps trying.
func (m *Messenger) Ready(ctx context.Context) error {
	select {
	case <-m.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chat: the home at %s has not answered: %w", m.home, ctx.Err())
	}
}
