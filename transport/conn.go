package transport

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"ratchat/keys"
)

// serverConn is one client connection of a [Server]. Its reader goroutine
// (serve) reads and handles requests one after the other; deposits are
// answered from their own goroutines once committed (so several can share
// one commit), pushes come from the pusher, and the framer serializes
// (and coalesces) the writes of all of them.
type serverConn struct {
	srv  *Server
	conn net.Conn
	f    *framer
	log  *slog.Logger

	addr  netip.Addr // what per-address limits count it as (see addrKey)
	hello Hello
	owner *keys.PublicKey // set (under the server's mu) once Auth verified; read-only afterwards
	// anonUntil is when an unauthenticated connection is closed unless it
	// makes an allowed deposit or bundle fetch first ([Limits.AnonTimeout]).
	// Only the reader touches it.
	anonUntil time.Time
	bucket    tokenBucket
	goodbye   *Error // sent when the connection ends, after pending answers
	byeID     uint32 // the request id the goodbye answers, if any

	draining atomic.Bool
	inFlight *flightLimit   // the deposits awaiting their commit
	acking   chan struct{}  // a slot per ack being handled (maxAcksInFlight)
	answers  sync.WaitGroup // deposits and acks not yet answered

	pushMu sync.Mutex
	pusher *pusher // non-nil once the owner sent Fetch
}

func newServerConn(s *Server, c net.Conn, addr netip.Addr) *serverConn {
	id := s.nextConn.Add(1)
	return &serverConn{
		srv: s, conn: c, addr: addr, log: s.cfg.Logger.With("conn", id),
		f:        newFramer(c, MaxFrameSize, s.lim.FrameTimeout, s.lim.WriteTimeout),
		bucket:   newTokenBucket(s.lim.RequestRate, s.lim.RequestBurst, s.cfg.Now()),
		inFlight: newFlightLimit(s.lim.MaxInFlight, s.lim.MaxInFlightBytes),
		acking:   make(chan struct{}, maxAcksInFlight),
	}
}

// serve runs the connection: Hello, then requests until the peer leaves,
// misbehaves, times out, or the server drains it.
func (c *serverConn) serve() {
	defer c.finish()
	c.hello = Hello{Version: ProtocolVersion, Home: c.srv.home}
	if _, err := io.ReadFull(c.srv.cfg.Rand, c.hello.Challenge[:]); err != nil {
		c.log.Error("reading randomness", "err", err)
		return
	}
	if c.send(0, &c.hello) != nil {
		return
	}
	idle := c.srv.lim.HandshakeTimeout
	c.worked()
	for {
		wait := idle
		if c.owner == nil {
			if wait = min(wait, time.Until(c.anonUntil)); wait <= 0 {
				c.readFailed(os.ErrDeadlineExceeded)
				return
			}
		}
		body, err := c.f.read(wait, c.draining.Load)
		if err != nil {
			c.readFailed(err)
			return
		}
		idle = c.srv.lim.IdleTimeout
		if !c.bucket.allow(c.srv.cfg.Now()) {
			c.srv.stats.rateLimited.Add(1)
			c.fail(requestID(body), CodeRateLimited, "")
			continue
		}
		id, msg, err := ParseMessage(body)
		if err != nil {
			c.drop(requestID(body), CodeMalformed, "cannot parse request")
			return
		}
		if !c.handle(id, msg) {
			return
		}
	}
}

// worked records that an unauthenticated connection did something useful
// (an allowed deposit or bundle fetch): it may stay [Limits.AnonTimeout]
// longer.
func (c *serverConn) worked() {
	c.anonUntil = time.Now().Add(c.srv.lim.AnonTimeout)
}

// requestID reads the request id of a body that may not parse, so that
// an error can still name the request; 0 if there is none.
func requestID(body []byte) uint32 {
	if len(body) < headerSize {
		return 0
	}
	return uint32(body[1])<<24 | uint32(body[2])<<16 | uint32(body[3])<<8 | uint32(body[4])
}

// readFailed chooses the goodbye of a connection whose read failed: a
// draining server says it is shutting down, a timeout or an oversized
// frame gets an Error, a peer that left gets nothing.
func (c *serverConn) readFailed(err error) {
	var ne net.Error
	var tooLarge *FrameTooLargeError
	switch {
	case c.draining.Load():
		c.goodbye = &Error{Code: CodeShuttingDown}
	case errors.As(err, &tooLarge):
		c.drop(0, CodeMalformed, "frame too large")
	case errors.As(err, &ne) && ne.Timeout():
		c.srv.stats.timeouts.Add(1)
		c.log.Debug("connection timed out")
		c.goodbye = &Error{Code: CodeTimeout}
	case errors.Is(err, io.EOF):
	default:
		c.log.Debug("connection lost", "err", err)
	}
}

// drop counts a protocol error and sets the goodbye; the caller then
// returns, which closes the connection. Why close: a peer that sends
// garbage is broken or hostile, and nothing it sends next can be trusted
// to be framed right.
func (c *serverConn) drop(id uint32, code ErrorCode, text string) {
	c.srv.stats.protocolErrors.Add(1)
	c.log.Info("dropping connection", "code", code.String())
	c.goodbye, c.byeID = &Error{Code: code, Text: text}, id
}

// send writes one message. A failed write closes the connection, which
// ends the reader too.
func (c *serverConn) send(id uint32, m Message) error {
	body, err := MarshalMessage(id, m)
	if err != nil {
		c.log.Error("encoding reply", "kind", m.Kind().String(), "err", err)
		c.conn.Close()
		return err
	}
	err = c.f.write(body)
	if err != nil {
		c.conn.Close()
	}
	return err
}

// fail answers request id with an Error.
func (c *serverConn) fail(id uint32, code ErrorCode, text string) {
	c.send(id, &Error{Code: code, Text: text})
}

// drain makes the reader stop after the request it is handling.
func (c *serverConn) drain() {
	c.draining.Store(true)
	c.conn.SetReadDeadline(aLongTimeAgo)
}

// finish waits for the connection's deposits to be answered, says its
// goodbye, stops its pusher and closes it.
func (c *serverConn) finish() {
	c.answers.Wait()
	c.pushMu.Lock()
	p := c.pusher
	c.pushMu.Unlock()
	if p != nil {
		p.stop()
	}
	if c.goodbye != nil && c.send(c.byeID, c.goodbye) == nil {
		lingerClose(c.conn)
	}
	c.conn.Close()
	c.srv.forget(c)
}

// Bounds of lingerClose.
const (
	lingerTime  = time.Second
	lingerBytes = 64 << 10
)

// lingerClose half-closes c and discards what the peer still sends, for
// a bounded time and amount, before the caller closes it. Why: closing a
// socket with unread input makes the kernel send a reset, which can
// destroy our last message (the Error saying why) before the peer reads
// it.
func lingerClose(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok || tc.CloseWrite() != nil {
		return
	}
	tc.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, tc, lingerBytes)
}
