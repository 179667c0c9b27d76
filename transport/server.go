package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// Server is a ratchat home: it keeps its owners' mailboxes and prekeys,
// takes deposits from anyone, and pushes each owner its mail. The same
// code serves one owner (peer mode) or many (relay mode); see [Config].
type Server struct {
	cfg   Config
	lim   Limits
	home  keys.PublicKey
	store mailbox.Backend
	stats counters
	limit *limiter // per-address and per-owner limits

	nextConn atomic.Uint64
	shutting atomic.Bool

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	owners    map[keys.PublicKey]*serverConn // owners whose mail is being pushed
	connWG    sync.WaitGroup

	stopExpiry chan struct{}
	expiryDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// NewServer opens the home's database in cfg.DataDir (or takes
// cfg.Backend) and returns a server ready to [Server.Serve]. In peer mode
// it creates the owner's mailbox. The server closes its backend when it
// closes, also one it was given.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	store := cfg.Backend
	if store == nil {
		opts := cfg.Limits.MailboxOptions()
		opts.Now = cfg.Now // lifetimes are checked against the clock deposits are timed by
		if store, err = mailbox.Open(cfg.DataDir, opts); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, lim: cfg.Limits, store: store, home: cfg.Owner, limit: newLimiter(cfg.Limits),
		listeners: map[net.Listener]struct{}{}, conns: map[*serverConn]struct{}{},
		owners: map[keys.PublicKey]*serverConn{}, stopExpiry: make(chan struct{}), expiryDone: make(chan struct{})}
	if err := s.initHome(); err != nil {
		store.Close()
		return nil, err
	}
	if cfg.Mode == RelayMode && len(cfg.AllowList) == 0 {
		// Why a warning: an open relay is a choice an operator should know
		// it made; anyone on the internet can then register a mailbox.
		cfg.Logger.Warn("open relay: anyone who proves an identity key gets a mailbox; give an allow-list to restrict it")
	}
	go s.expiryLoop()
	return s, nil
}

// initHome sets the identity the home presents: the owner's in peer mode
// (whose mailbox it creates), the relay's own otherwise.
func (s *Server) initHome() error {
	if s.cfg.Mode == PeerMode {
		_, err := s.store.Register(s.cfg.Owner, s.cfg.Now())
		return err
	}
	home, err := s.store.HomeIdentity(context.Background(), s.cfg.Rand)
	s.home = home
	return err
}

// Identity returns the identity key the home presents in its Hello.
func (s *Server) Identity() keys.PublicKey { return s.home }

// Stats returns the home's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Serve accepts connections on l until [Server.Shutdown] or [Server.Close]
// (then it returns [ErrClosed]) or until l fails. It may be called for
// several listeners.
func (s *Server) Serve(l net.Listener) error {
	if !s.track(l) {
		l.Close()
		return ErrClosed
	}
	defer s.untrack(l)
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.shutting.Load() {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("transport: accepting: %w", err)
		}
		backoff = 0
		s.admit(c)
	}
}

// track registers a listener, unless the server is shutting down.
func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting.Load() {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	delete(s.listeners, l)
	s.mu.Unlock()
}

// admit starts serving c, or turns it away with CodeBusy when the server
// is at its connection limit, or c's address at its own (or the server is
// stopping).
func (s *Server) admit(c net.Conn) {
	addr := addrKey(c.RemoteAddr())
	s.mu.Lock()
	full := len(s.conns) >= s.lim.MaxConns
	stopping := s.shutting.Load()
	addrFull := false
	var sc *serverConn
	if !full && !stopping {
		addrFull = !s.limit.connect(addr, s.cfg.Now())
	}
	if !full && !stopping && !addrFull {
		sc = newServerConn(s, c, addr)
		s.conns[sc] = struct{}{}
		s.connWG.Add(1)
	}
	s.mu.Unlock()
	if sc == nil {
		s.stats.connsRefused.Add(1)
		code, text := CodeBusy, ""
		switch {
		case stopping:
			code = CodeShuttingDown
		case addrFull:
			s.stats.addrLimited.Add(1)
			text = "too many connections from your address"
		}
		go refuse(c, code, text)
		return
	}
	s.stats.connsAccepted.Add(1)
	s.stats.connsActive.Add(1)
	go sc.serve()
}

// refuse sends an Error to a connection the server will not serve, giving
// it a second, and closes it.
func refuse(c net.Conn, code ErrorCode, text string) {
	defer c.Close()
	body, err := MarshalMessage(0, &Error{Code: code, Text: text})
	if err != nil {
		return
	}
	c.SetWriteDeadline(time.Now().Add(time.Second))
	WriteFrame(c, body)
}

// forget removes a closed connection.
func (s *Server) forget(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	if c.owner != nil && s.owners[*c.owner] == c {
		delete(s.owners, *c.owner)
	}
	s.mu.Unlock()
	s.limit.disconnect(c.addr)
	s.stats.connsActive.Add(-1)
	s.connWG.Done()
}

// subscribe makes c the connection that gets its owner's pushes, and
// returns the one it replaces (nil if none).
func (s *Server) subscribe(c *serverConn) *serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.owners[*c.owner]
	s.owners[*c.owner] = c
	return old
}

// Expire deletes the envelopes older than the retention time, now, and
// (in relay mode) the mailboxes whose owner has not authenticated for
// that long, with their envelopes and prekeys; it returns how many
// envelopes went in all. The server also does this every
// [Limits.ExpireEvery]; envelopes past their time are never delivered,
// swept or not. An owner connected now counts as seen now.
func (s *Server) Expire() (int, error) {
	now := s.cfg.Now()
	cutoff := now.Add(-s.lim.Retention)
	n, _, err := s.store.Expire(cutoff)
	if err != nil {
		return 0, err
	}
	if s.cfg.Mode == RelayMode {
		m, e, _, err := s.store.ExpireMailboxes(cutoff, s.connectedOwners(), now)
		if err != nil {
			return n, err
		}
		n += e
		s.stats.mailboxesExpired.Add(uint64(m))
		if m > 0 {
			s.cfg.Logger.Info("expired mailboxes", "count", m)
		}
	}
	s.stats.expired.Add(uint64(n))
	if n > 0 {
		s.cfg.Logger.Info("expired envelopes", "count", n)
	}
	return n, nil
}

// connectedOwners lists the owners authenticated on a connection now.
func (s *Server) connectedOwners() []keys.PublicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []keys.PublicKey
	for c := range s.conns {
		if c.owner != nil {
			out = append(out, *c.owner)
		}
	}
	return out
}

// expiryLoop sweeps expired envelopes until the server closes.
func (s *Server) expiryLoop() {
	defer close(s.expiryDone)
	t := time.NewTicker(s.lim.ExpireEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if _, err := s.Expire(); err != nil {
				s.cfg.Logger.Error("expiring envelopes", "err", err)
			}
		case <-s.stopExpiry:
			return
		}
	}
}
