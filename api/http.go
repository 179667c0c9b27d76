package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"ratchat/chat"
)

// Defaults of [HTTPConfig].
const (
	DefaultHTTPMaxConns     = 256
	DefaultHTTPHeaderTime   = 10 * time.Second
	DefaultHTTPReadTimeout  = 30 * time.Second
	DefaultHTTPIdleTimeout  = 2 * time.Minute
	DefaultHTTPWriteTimeout = 30 * time.Second
)

// The paths of the HTTP endpoint.
const (
	PathRPC     = "/rpc"
	PathEvents  = "/events"
	PathMetrics = "/metrics"
)

// HTTPConfig adjusts [Server.ListenHTTP]; zero values take the defaults.
//
// Why no overall write timeout: a call may wait (send's wait_seconds, up
// to an hour) and /events streams for as long as its consumer reads.
// Instead /rpc bounds the writing of its answer once it has one, and the
// header, body and idle times bound what a client that says nothing holds.
type HTTPConfig struct {
	// MaxConns bounds the connections open at once; more wait in the
	// kernel's backlog until one closes.
	MaxConns int
	// HeaderTimeout bounds reading a request's headers, ReadTimeout the
	// whole request, IdleTimeout a kept-alive connection's wait for the
	// next, WriteTimeout the writing of an /rpc answer.
	HeaderTimeout, ReadTimeout, IdleTimeout, WriteTimeout time.Duration
}

// Handler returns the HTTP endpoint's handler: it authenticates every
// request by its bearer token (401 without a valid one), refuses a path
// the token's role may not use (403), and hands the rest to mux, on which
// it registers POST /rpc. The other parts of serve put their handlers on
// mux (/events, /metrics) and read the caller with [CallerFrom].
func (s *Server) Handler(mux *http.ServeMux) http.Handler {
	mux.HandleFunc("POST "+PathRPC, s.ServeRPC)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ratchat"`)
			http.Error(w, "401 unauthorized: an api token is needed (Authorization: Bearer rct_...)", http.StatusUnauthorized)
			return
		}
		if !mayUse(c.Role, r.URL.Path) {
			http.Error(w, fmt.Sprintf("403 forbidden: a %s token may not use %s", c.Role, r.URL.Path), http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// mayUse reports whether a role may use a path. Every token may post to
// /rpc, where each method is checked (a refusal is a JSON-RPC error with
// [CodeForbidden], in its place in a batch); besides, an agent uses
// /events (filtered to its conversations), a metrics token /metrics, an
// admin everything.
func mayUse(r Role, path string) bool {
	switch r {
	case RoleOwner, RoleAdmin:
		return true
	case RoleAgent:
		return path == PathRPC || path == PathEvents || strings.HasPrefix(path, PathEvents+"/")
	case RoleMetrics:
		return path == PathRPC || path == PathMetrics
	}
	return false
}

// authenticate finds the caller of an HTTP request by its token.
func (s *Server) authenticate(r *http.Request) (Caller, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Caller{}, chat.ErrBadToken
	}
	m := s.m.Load()
	t, err := m.AuthenticateAPI(r.Context(), strings.TrimSpace(token))
	if err != nil {
		if !errors.Is(err, chat.ErrBadToken) {
			s.log.Error("api: authenticating a token", "err", err)
		}
		return Caller{}, chat.ErrBadToken
	}
	return CallerOf(m, t), nil
}

// ServeRPC answers POST /rpc: a JSON-RPC 2.0 request or batch as the body
// (at most [MaxRequestSize] bytes), its response as the answer (204 with
// no body when only notifications came). The caller is the request's
// context's ([WithCaller]); without one, the owner.
func (s *Server) ServeRPC(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestSize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.writeHTTP(w, http.StatusRequestEntityTooLarge, response{JSONRPC: version,
			Error: errorf(CodeTooLarge, "api: request over %d bytes", MaxRequestSize)})
		return
	case err != nil:
		http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	out := s.Answer(r.Context(), body)
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.httpWriteTimeout()))
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.writeHTTP(w, http.StatusOK, out)
}

// Answer runs a request body (one request, or a batch) for ctx's caller,
// as the socket runs a line, and returns what to answer: a response, a
// batch of them, or nil when only notifications came. Calls in progress
// end when the server closes.
func (s *Server) Answer(ctx context.Context, body []byte) any {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	return s.answer(ctx, body)
}

// writeHTTP writes a JSON answer.
func (s *Server) writeHTTP(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("api encoding a response", "err", err)
		http.Error(w, "500 internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// httpWriteTimeout is the bound on writing an /rpc answer.
func (s *Server) httpWriteTimeout() time.Duration {
	if d := s.httpCfg.WriteTimeout; d > 0 {
		return d
	}
	return DefaultHTTPWriteTimeout
}

// HTTPServer is the running HTTP endpoint.
type HTTPServer struct {
	srv  *http.Server
	l    net.Listener
	done chan error
}

// ListenHTTP serves h (see [Server.Handler]) on addr until Close. Why a
// loopback address is expected but not enforced: behind a TLS proxy the
// operator decides; the tokens are bearer secrets and must not cross a
// network in the clear, which the docs say.
func (s *Server) ListenHTTP(addr string, h http.Handler, cfg HTTPConfig) (*HTTPServer, error) {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultHTTPMaxConns
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = DefaultHTTPHeaderTime
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultHTTPReadTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultHTTPIdleTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultHTTPWriteTimeout
	}
	s.httpCfg = cfg
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	hs := &HTTPServer{
		srv: &http.Server{Handler: h, ReadHeaderTimeout: cfg.HeaderTimeout, ReadTimeout: cfg.ReadTimeout,
			IdleTimeout: cfg.IdleTimeout, MaxHeaderBytes: 16 << 10,
			BaseContext: func(net.Listener) context.Context { return s.ctx }},
		l:    &limitListener{Listener: l, sem: make(chan struct{}, cfg.MaxConns)},
		done: make(chan error, 1),
	}
	s.log.Info("api listening", "http", l.Addr().String())
	go func() { hs.done <- hs.srv.Serve(hs.l) }()
	return hs, nil
}

// Addr returns the address the endpoint listens on.
func (h *HTTPServer) Addr() string { return h.l.Addr().String() }

// Close stops listening and closes every connection (a stream of /events
// included).
func (h *HTTPServer) Close() error {
	err := h.srv.Close()
	if serr := <-h.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// limitListener accepts at most cap(sem) connections at once: Accept
// waits for one to close.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

// Accept waits for room, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

// limitConn gives its room back when closed.
type limitConn struct {
	net.Conn
	release func()
}

// Close closes the connection and frees its room.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
