package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Client calls the api of the process that owns a profile, over its
// socket. Calls on one client run one at a time, until the first
// [Client.Subscribe]: from then on a reader of its own routes each answer
// to its call and each notification to its subscription, and calls may
// run at once.
type Client struct {
	mu     sync.Mutex
	conn   net.Conn
	r      *bufio.Reader
	next   int64
	broken error      // set when a call left the stream out of step
	mux    *clientMux // set by the first Subscribe (api/client_subscribe.go)
}

// Dial connects to the api socket of the profile in dir. When no process
// listens there (no socket, or one left by a process that died) it
// returns an error wrapping [ErrNotRunning] and the cause: the caller may
// then open the profile itself.
func Dial(dir string) (*Client, error) {
	conn, err := net.Dial("unix", SocketPath(dir))
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOTDIR) {
			return nil, fmt.Errorf("%w: %w", ErrNotRunning, err)
		}
		return nil, fmt.Errorf("api: %w", err)
	}
	return &Client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Call calls a method with params (a params struct, or nil for none) and
// decodes its result into result (nil: ignore it). A failure the server
// reports is an [*Error], which matches the cause behind its code with
// [errors.Is] (chat.ErrNoContact for [CodeNoContact] ...). When ctx ends
// first the call fails, and the client cannot be used again.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	c.mu.Lock()
	if mux := c.mux; mux != nil {
		c.mu.Unlock()
		return mux.call(ctx, method, params, result)
	}
	defer c.mu.Unlock()
	if c.broken != nil {
		return c.broken
	}
	c.next++
	id := json.RawMessage(strconv.FormatInt(c.next, 10))
	line, err := requestLine(id, method, params)
	if err != nil {
		return err
	}
	resp, err := c.roundTrip(ctx, line)
	if err != nil {
		c.broken = err
		return err
	}
	if resp.Error != nil && (resp.ID == nil || string(resp.ID) == "null") {
		c.broken = resp.Error // the server answered the connection, not the call (busy, too large)
		return resp.Error
	}
	if string(resp.ID) != string(id) {
		c.broken = fmt.Errorf("%w: response to id %s, want %s", ErrInvalidRequest, resp.ID, id)
		return c.broken
	}
	if resp.Error != nil {
		return resp.Error
	}
	return decodeResult(resp.Result, result)
}

// requestLine is the line of a request: its JSON and a newline.
func requestLine(id json.RawMessage, method string, params any) ([]byte, error) {
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("api: encoding params: %w", err)
	}
	line, err := json.Marshal(request{JSONRPC: version, ID: id, Method: method, Params: raw})
	if err != nil {
		return nil, fmt.Errorf("api: encoding the request: %w", err)
	}
	return append(line, '\n'), nil
}

// roundTrip writes a request line and reads the response line, within
// ctx.
func (c *Client) roundTrip(ctx context.Context, line []byte) (response, error) {
	deadline, _ := ctx.Deadline() // zero: none
	c.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var resp response
	_, writeErr := c.conn.Write(line)
	// A server that refuses the connection (busy) answers at once and
	// closes: the write may then fail while its answer waits to be read.
	b, err := readLine(c.r, MaxResponseSize)
	if err != nil {
		if writeErr != nil {
			err = writeErr
		}
		return resp, c.failed(ctx, err)
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return resp, fmt.Errorf("%w: the response is not JSON-RPC: %w", ErrParse, err)
	}
	if resp.Error == nil && resp.Result == nil {
		return resp, fmt.Errorf("%w: a response with neither result nor error", ErrParse)
	}
	return resp, nil
}

// failed names why a round trip failed: ctx's end, or the connection's.
func (c *Client) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("api: %w", ctx.Err())
	}
	return fmt.Errorf("api: %w", err)
}
