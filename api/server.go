package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"ratchat/chat"
)

// SocketName is the name of the api socket in the profile folder.
const SocketName = "ratchat.sock"

// Defaults of [Config].
const (
	DefaultMaxConns     = 32
	DefaultIdleTimeout  = 5 * time.Minute
	DefaultWriteTimeout = 30 * time.Second
)

// socketPerm is the api socket's mode. Why 0600: whoever can connect can
// read every message and send as the profile, without the passphrase, so
// only the profile's owner may; the profile folder is 0700 as well.
const socketPerm = 0o600

// Config adjusts a [Server]; zero values take the defaults.
type Config struct {
	// Logger receives the server's logs (never a message's content); nil
	// discards them.
	Logger *slog.Logger
	// MaxConns bounds the connections served at once; more are answered
	// with [CodeBusy] and closed.
	MaxConns int
	// IdleTimeout bounds the wait for the next request (reading it
	// included) on a connection; WriteTimeout the writing of a response.
	IdleTimeout, WriteTimeout time.Duration
}

// Server answers JSON-RPC 2.0 calls for one messenger: on the Unix socket
// in its profile folder once [Server.Listen] ran, and in-process through
// [Server.Call].
type Server struct {
	m   atomic.Pointer[chat.Messenger] // Swap replaces it after a restore
	cfg Config
	log *slog.Logger

	ctx    context.Context // ends with Close: calls in progress stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	signAgents atomic.Bool // api/access.go: serve --sign-agents
	httpCfg    HTTPConfig  // api/http.go: set by ListenHTTP

	mu    sync.Mutex
	l     net.Listener
	path  string
	conns map[net.Conn]struct{}
	subs  map[string]*subscription // events.subscribe's, by consumer (api/events_subscribe.go)
}

// NewServer returns a server for m. It listens nowhere until
// [Server.Listen].
func NewServer(m *chat.Messenger, cfg Config) *Server {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: log, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{},
		subs: map[string]*subscription{}}
	s.m.Store(m)
	return s
}

// Swap makes the server answer for m from now on: the interface's restore
// closes the messenger it had and opens the profile again. m must own the
// same profile (the socket stays where it is).
func (s *Server) Swap(m *chat.Messenger) { s.m.Store(m) }

// SocketPath returns the path of the api socket of the profile in dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketName) }

// Listen creates the socket in the messenger's profile folder and serves
// it until Close. Only a messenger that owns its profile may listen (it
// holds the profile's lock, so no other process can be listening there):
// a file left at the socket's path by a process that died is removed
// first.
func (s *Server) Listen() error {
	dir, err := s.m.Load().ProfileDir()
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	path := SocketPath(dir)
	if err := removeStale(path); err != nil {
		return err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	if err := os.Chmod(path, socketPerm); err != nil {
		l.Close()
		return fmt.Errorf("api: %w", err)
	}
	s.mu.Lock()
	s.l, s.path = l, path
	s.mu.Unlock()
	s.log.Info("api listening", "socket", path)
	s.wg.Add(1)
	go s.accept(l)
	return nil
}

// removeStale removes a socket left at path. Anything else there is left
// alone and refused: it is not ours to delete.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("api: %w", err)
	case fi.Mode()&os.ModeSocket == 0:
		return fmt.Errorf("api: %s exists and is not a socket", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("api: removing a stale socket: %w", err)
	}
	return nil
}

// Close stops listening, removes the socket, ends the calls in progress
// and closes every connection. It leaves the messenger open: close that
// after.
func (s *Server) Close() error {
	s.cancel()
	s.mu.Lock()
	var err error
	if s.l != nil {
		err = s.l.Close() // a listener made by net.Listen unlinks its socket
		s.l = nil
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// accept serves each connection in its own goroutine, up to MaxConns.
func (s *Server) accept(l net.Listener) {
	defer s.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn("api accept", "err", err)
			}
			return
		}
		if !s.track(c) {
			s.refuse(c)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.serveConn(c)
		}()
	}
}

// track adds a connection, unless there are MaxConns already or the
// server is closing.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) >= s.cfg.MaxConns || s.ctx.Err() != nil {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// untrack closes and forgets a connection.
func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// refuse answers a connection over the limit with CodeBusy and closes it.
func (s *Server) refuse(c net.Conn) {
	s.log.Warn("api connection refused: too many", "max", s.cfg.MaxConns)
	c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	s.write(c, response{JSONRPC: version, Error: errorf(CodeBusy, "api: too many connections (%d)", s.cfg.MaxConns)})
	c.Close()
}

// serveConn answers the requests of one connection: one line at a time,
// in order, until the connection subscribes (events.subscribe). From then
// on each line runs as soon as it is read, up to [maxInFlight] at once,
// and is answered when it completes (matched by its id), so that an ack
// never waits behind a long poll; subscriptions push their notifications
// from goroutines of their own meanwhile. Every line goes out whole,
// under the connection's write lock.
func (s *Server) serveConn(c net.Conn) {
	sc := newSockConn(s, c)
	defer sc.close()
	r := bufio.NewReaderSize(c, 64<<10)
	for {
		sc.setReadDeadline()
		line, err := readLine(r, MaxRequestSize)
		if errors.Is(err, ErrTooLarge) {
			sc.write(response{JSONRPC: version, Error: errorf(CodeTooLarge, "api: request over %d bytes", MaxRequestSize)})
			return // the rest of that line cannot be told from the next request
		}
		if err != nil {
			return // closed, idle too long, or gone: calls in progress end
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !sc.streaming() {
			if !sc.runLine(line) {
				return
			}
			continue
		}
		select {
		case sc.slots <- struct{}{}: // at most maxInFlight lines run at once
		case <-sc.ctx.Done():
			return
		}
		sc.track(1)
		go func() {
			defer func() { <-sc.slots }()
			defer sc.track(-1)
			sc.runLine(line)
		}()
	}
}

// maxInFlight bounds the lines of one subscribed connection that run at
// once; the connection is not read further meanwhile.
const maxInFlight = 16

// sockConn is one connection of the socket: its context (it ends with
// the connection), its write lock, and its subscriptions.
type sockConn struct {
	s      *Server
	c      net.Conn
	ctx    context.Context
	cancel context.CancelFunc
	wmu    sync.Mutex    // one whole line at a time
	slots  chan struct{} // lines running, once subscribed

	mu       sync.Mutex
	subs     map[string]*subscription // by the consumer's name in the store
	inFlight int                      // lines running in goroutines of their own
	calls    sync.WaitGroup           // those lines
}

// sockConnKey keys a call's connection in its context; lineKey the
// subscriptions its line made.
type (
	sockConnKey struct{}
	lineKey     struct{}
)

// lineSubs are the subscriptions a line made: they start once its
// answer is out, so that their notifications come after it.
type lineSubs struct {
	subs []*subscription
}

// newSockConn returns the state of connection c.
func newSockConn(s *Server, c net.Conn) *sockConn {
	ctx, cancel := context.WithCancel(s.ctx)
	return &sockConn{s: s, c: c, ctx: ctx, cancel: cancel, subs: map[string]*subscription{},
		slots: make(chan struct{}, maxInFlight)}
}

// runLine answers one line and starts the subscriptions it made; it
// reports whether the answer went out.
func (sc *sockConn) runLine(line []byte) bool {
	ls := &lineSubs{}
	ctx := context.WithValue(context.WithValue(sc.ctx, sockConnKey{}, sc), lineKey{}, ls)
	ok := true
	if out := sc.s.answer(ctx, line); out != nil {
		ok = sc.write(out)
	}
	for _, sub := range ls.subs {
		close(sub.begin)
	}
	if !ok {
		sc.c.Close() // the reader stops too
	}
	return ok
}

// sockConnFrom returns the connection a call came on, or nil (HTTP, an
// in-process call).
func sockConnFrom(ctx context.Context) *sockConn {
	sc, _ := ctx.Value(sockConnKey{}).(*sockConn)
	return sc
}

// startAfterAnswer has sub start once its line's answer is out (at once
// if the call came from no line).
func startAfterAnswer(ctx context.Context, sub *subscription) {
	if ls, ok := ctx.Value(lineKey{}).(*lineSubs); ok {
		ls.subs = append(ls.subs, sub)
		return
	}
	close(sub.begin)
}

// track counts the lines running in goroutines of their own; when the
// last ends on a connection with no subscription, its idle time starts.
func (sc *sockConn) track(d int) {
	if d > 0 {
		sc.calls.Add(1)
	} else {
		defer sc.calls.Done()
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.inFlight += d
	sc.deadlineLocked()
}

// setReadDeadline sets the wait for the next line: none while the
// connection is subscribed or a call runs (a consumer waiting for events
// has nothing to say until one comes), else the idle timeout.
func (sc *sockConn) setReadDeadline() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.deadlineLocked()
}

// deadlineLocked is setReadDeadline with sc.mu held. A read already
// waiting takes the new deadline too.
func (sc *sockConn) deadlineLocked() {
	if len(sc.subs) > 0 || sc.inFlight > 0 {
		sc.c.SetReadDeadline(time.Time{})
		return
	}
	sc.c.SetReadDeadline(time.Now().Add(sc.s.cfg.IdleTimeout))
}

// write writes one line under the write lock and reports whether it
// went out.
func (sc *sockConn) write(v any) bool {
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	return sc.s.write(sc.c, v)
}

// streaming reports whether a subscription runs on the connection.
func (sc *sockConn) streaming() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.subs) > 0
}

// close ends the connection, the calls running on it and its
// subscriptions, and waits until none writes any more.
func (sc *sockConn) close() {
	sc.cancel()
	sc.c.Close() // a write blocked on a reader that stopped reading returns
	sc.calls.Wait()
	sc.mu.Lock()
	subs := make([]*subscription, 0, len(sc.subs))
	for _, sub := range sc.subs {
		subs = append(subs, sub)
	}
	sc.mu.Unlock()
	for _, sub := range subs {
		sub.stop()
	}
}

// answer runs a line's requests and returns what to write back: a
// response, a batch of them, or nil when only notifications came.
func (s *Server) answer(ctx context.Context, line []byte) any {
	calls, batch, perr := decodeLine(line)
	if perr != nil {
		return response{JSONRPC: version, Error: perr}
	}
	var out []response
	for _, p := range calls {
		resp := s.run(ctx, p)
		if !p.notification() {
			out = append(out, resp)
		}
	}
	switch {
	case len(out) == 0:
		return nil
	case !batch:
		return out[0]
	}
	return out
}

// run answers one request.
func (s *Server) run(ctx context.Context, p parsed) response {
	resp := response{JSONRPC: version, ID: p.req.ID}
	if p.err != nil {
		resp.Error = p.err
		return resp
	}
	result, err := s.dispatch(ctx, p.req.Method, p.req.Params)
	if err != nil {
		resp.Error = toError(err)
		if resp.Error.Code == CodeInternal && ctx.Err() == nil { // not a call cut short by its caller or by Close
			s.log.Error("api call failed", "method", p.req.Method, "err", err)
		}
		return resp
	}
	resp.Result = result
	return resp
}

// dispatch runs a method and returns its result as JSON.
func (s *Server) dispatch(ctx context.Context, name string, params json.RawMessage) (json.RawMessage, error) {
	m, ok := find(name)
	if !ok {
		return nil, errorf(CodeMethodNotFound, "api: no method %q", name)
	}
	params, err := s.authorize(ctx, name, params) // api/access.go: roles and agents' conversations
	if err != nil {
		return nil, err
	}
	result, err := m.call(ctx, s.m.Load(), params)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("api: encoding the result: %w", err)
	}
	return b, nil
}

// write writes one response line and reports whether it went out.
func (s *Server) write(c net.Conn, v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("api encoding a response", "err", err)
		return false
	}
	c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	_, err = c.Write(append(b, '\n'))
	return err == nil
}

// Call runs a method in-process, as a client on the socket would see it:
// params and result go through JSON, and a failure is an [*Error]. It is
// how a command that opened the profile itself gives the same answers as
// the process that owns it.
func (s *Server) Call(ctx context.Context, method string, params, result any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("api: encoding params: %w", err)
	}
	out, err := s.dispatch(ctx, method, raw)
	if err != nil {
		return toError(err)
	}
	return decodeResult(out, result)
}

// decodeResult reads a result into v (nil: ignore it).
func decodeResult(raw json.RawMessage, v any) error {
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("api: decoding the result: %w", err)
	}
	return nil
}

var _ io.Closer = (*Server)(nil)
