package transport

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"ratchat/keys"
)

// ClientOptions configure a [Conn]. Zero fields take the defaults noted.
type ClientOptions struct {
	// HomeIdentity, if set, is the identity key the home must present;
	// Dial fails with [ErrWrongHome] otherwise. An owner should always
	// set it for its own home (its own key in peer mode, the relay's key
	// for a relay), so that its signature is only ever made for that home.
	HomeIdentity *keys.PublicKey

	Rand         io.Reader     // for the Auth signature (default crypto/rand)
	DialTimeout  time.Duration // for TCP and the Hello, if ctx has no earlier deadline (default 10s)
	KeepAlive    time.Duration // a Ping this often keeps the connection alive (default 60s; negative: never)
	WriteTimeout time.Duration // for each frame to be written (default 30s)
	Deliveries   int           // buffer of the deliveries channel (default 64)

	// MarkCaughtUp puts the home's [CaughtUp] on the deliveries channel, in
	// order, as a [Deliver] whose [Deliver.IsCaughtUp] is true: every
	// envelope that waited when the home handled [Conn.Fetch] came before
	// it. Unset, the marker is dropped, for consumers that do not look
	// for it. A home that predates CaughtUp never sends one.
	MarkCaughtUp bool

	// DialContext opens the TCP connection (default: a net.Dialer).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o ClientOptions) withDefaults() ClientOptions {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = 60 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.Deliveries <= 0 {
		o.Deliveries = 64
	}
	if o.DialContext == nil {
		o.DialContext = (&net.Dialer{}).DialContext
	}
	return o
}

// Conn is a client's connection to a home: either the owner's
// (authenticated, from [Dial]) or anyone's (from [DialAnonymous]), which
// may only deposit envelopes and fetch bundles. Its methods are safe for
// concurrent use, and several requests may be in flight at once.
type Conn struct {
	conn  net.Conn
	f     *framer
	opts  ClientOptions
	hello Hello

	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]chan Message
	err     error // why the connection ended; set once
	in      inbox // deliveries beyond the channel's buffer
	caught  bool  // the home said CaughtUp

	deliveries chan *Deliver
	done       chan struct{}
}

// Dial connects to the home at addr as its owner: it reads the Hello,
// signs the challenge with identity, and returns once the home accepted
// it. Errors wrap [ErrUnreachable] if no home answered, [ErrWrongHome],
// or are a [*RefusedError] (CodeAuthFailed, CodeForbidden, CodeBusy...).
// Call [Conn.Fetch] to start receiving the mailbox.
func Dial(ctx context.Context, addr string, identity *keys.KeyPair, opts ClientOptions) (*Conn, error) {
	c, err := DialAnonymous(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	a, err := NewAuth(c.opts.Rand, identity, &c.hello)
	if err == nil {
		err = c.expectOK(ctx, a)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// DialAnonymous connects to the home at addr without authenticating, to
// deposit envelopes or fetch bundles. Errors are as for [Dial].
func DialAnonymous(ctx context.Context, addr string, opts ClientOptions) (*Conn, error) {
	opts = opts.withDefaults()
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	nc, err := opts.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	c := &Conn{conn: nc, opts: opts, pending: map[uint32]chan Message{},
		f:          newFramer(nc, MaxFrameSize, opts.WriteTimeout, opts.WriteTimeout),
		deliveries: make(chan *Deliver, opts.Deliveries), done: make(chan struct{})}
	if err := c.readHello(dctx); err != nil {
		nc.Close()
		return nil, err
	}
	go c.readLoop()
	if opts.KeepAlive > 0 {
		go c.keepAlive()
	}
	return c, nil
}

// readHello reads the home's first message, which must be a Hello of our
// protocol version (or an Error turning us away).
func (c *Conn) readHello(ctx context.Context) error {
	dl, _ := ctx.Deadline()
	c.conn.SetReadDeadline(dl)
	body, err := ReadFrame(c.f.r, MaxFrameSize)
	if err != nil {
		return fmt.Errorf("%w: reading hello: %w", ErrUnreachable, err)
	}
	_, m, err := ParseMessage(body)
	if err != nil {
		return fmt.Errorf("%w: hello: %w", ErrUnreachable, err)
	}
	switch m := m.(type) {
	case *Hello:
		if m.Version != ProtocolVersion {
			return fmt.Errorf("%w: home speaks protocol version %d", ErrUnexpected, m.Version)
		}
		if c.opts.HomeIdentity != nil && !c.opts.HomeIdentity.Equal(m.Home) {
			return ErrWrongHome
		}
		c.hello = *m
		return nil
	case *Error:
		return &RefusedError{Code: m.Code, Text: m.Text}
	}
	return fmt.Errorf("%w: %s instead of Hello", ErrUnexpected, m.Kind())
}

// Home returns the identity key the home presented.
func (c *Conn) Home() keys.PublicKey { return c.hello.Home }

// Deliveries returns the channel of envelopes the home pushes after
// [Conn.Fetch]. It is closed when the connection ends. Acknowledge each
// envelope with [Conn.Ack] once it is safely stored; waiting for that
// Ack before taking the next envelope is fine: what does not fit in the
// channel's buffer waits in memory (the home pushes at most its
// PushWindow of unacknowledged envelopes), never blocking the answers.
// With [ClientOptions.MarkCaughtUp], one item may be the catch-up marker
// instead of an envelope: check [Deliver.IsCaughtUp].
func (c *Conn) Deliveries() <-chan *Deliver { return c.deliveries }

// Done is closed when the connection has ended; [Conn.Err] then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended ([ErrClosed] after Close), or nil
// while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection. Requests in flight fail with [ErrClosed].
func (c *Conn) Close() error {
	c.end(ErrClosed)
	return nil
}

// end records why the connection ended (the first reason wins), fails the
// requests in flight, and closes the socket.
func (c *Conn) end(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	c.pending = nil
	close(c.done)
	c.mu.Unlock()
	c.conn.Close()
}

// lost wraps a failure of the connection.
func lost(err error) error {
	if errors.Is(err, ErrConnectionLost) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrConnectionLost, err)
}
