package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync"
	"time"
)

// ErrSubscriptionEnded is returned by [Subscription.Next] once the
// subscription ended: unsubscribed, or its connection closed (the cause
// is joined to it). A consumer then subscribes again, from its cursor.
var ErrSubscriptionEnded = errors.New("api: the subscription ended")

// clientMux routes what arrives on a client's connection once it
// subscribed: answers to their calls (by id), notifications to their
// subscriptions (by consumer).
type clientMux struct {
	c   *Client
	wmu sync.Mutex // one request line at a time

	mu      sync.Mutex
	next    int64
	pending map[string]chan response
	subs    map[string]*Subscription
	err     error         // why the reader ended
	done    chan struct{} // closed when it did
}

// Subscription is a stream of events from [Client.Subscribe].
type Subscription struct {
	// Consumer is the consumer's name; After the cursor the stream
	// started after; Window how many events may be delivered and not
	// acknowledged.
	Consumer string
	After    int64
	Window   int

	c    *Client
	mu   sync.Mutex
	q    []EventsNotification // bounded by the server's window
	wake chan struct{}        // 1 slot: something was queued, or the end
	err  error                // set when the stream ended
}

// Subscribe starts streaming the events of a consumer on this client's
// connection (events.subscribe): from p.After, or after the consumer's
// acknowledged cursor. Read them with [Subscription.Next] or
// [Subscription.Events], acknowledge with [Subscription.Ack]; at most
// p.Window events come unacknowledged. Other calls on the client go on
// meanwhile.
func (c *Client) Subscribe(ctx context.Context, p EventsSubscribeParams) (*Subscription, error) {
	mux, err := c.muxed()
	if err != nil {
		return nil, err
	}
	sub := &Subscription{Consumer: p.Consumer, c: c, wake: make(chan struct{}, 1)}
	mux.mu.Lock()
	if _, dup := mux.subs[p.Consumer]; dup {
		mux.mu.Unlock()
		return nil, fmt.Errorf("%w: %q is subscribed on this client already", ErrInvalidParams, p.Consumer)
	}
	mux.subs[p.Consumer] = sub // before the call: nothing that follows its answer is lost
	mux.mu.Unlock()
	var res EventsSubscribeResult
	if err := mux.call(ctx, "events.subscribe", p, &res); err != nil {
		mux.drop(p.Consumer, sub)
		return nil, err
	}
	sub.After, sub.Window = res.After, res.Window
	return sub, nil
}

// muxed switches the client to routing by a reader of its own, once.
func (c *Client) muxed() (*clientMux, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return nil, c.broken
	}
	if c.mux == nil {
		c.conn.SetDeadline(time.Time{})
		c.mux = &clientMux{c: c, next: c.next, pending: map[string]chan response{},
			subs: map[string]*Subscription{}, done: make(chan struct{})}
		go c.mux.read()
	}
	return c.mux, nil
}

// call is Client.Call once the client is routed: the request goes out,
// and its answer comes from the reader. When ctx ends first the call
// fails; the client stays usable (a late answer is dropped).
func (mux *clientMux) call(ctx context.Context, method string, params, result any) error {
	mux.mu.Lock()
	if mux.err != nil {
		mux.mu.Unlock()
		return mux.err
	}
	mux.next++
	id := strconv.FormatInt(mux.next, 10)
	ch := make(chan response, 1)
	mux.pending[id] = ch
	mux.mu.Unlock()
	defer func() {
		mux.mu.Lock()
		delete(mux.pending, id)
		mux.mu.Unlock()
	}()
	line, err := requestLine(json.RawMessage(id), method, params)
	if err != nil {
		return err
	}
	if err := mux.write(ctx, line); err != nil {
		return err
	}
	select {
	case resp := <-ch:
		if resp.Error != nil {
			return resp.Error
		}
		return decodeResult(resp.Result, result)
	case <-ctx.Done():
		return fmt.Errorf("api: %w", ctx.Err())
	case <-mux.done:
		return mux.err
	}
}

// write writes a request line within ctx's deadline.
func (mux *clientMux) write(ctx context.Context, line []byte) error {
	mux.wmu.Lock()
	defer mux.wmu.Unlock()
	deadline, _ := ctx.Deadline()
	mux.c.conn.SetWriteDeadline(deadline)
	if _, err := mux.c.conn.Write(line); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	return nil
}

// incoming is any line the server writes: an answer or a notification.
type incoming struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// read routes lines until the connection ends, then ends every call and
// subscription with the cause.
func (mux *clientMux) read() {
	var err error
	for err == nil {
		var b []byte
		if b, err = readLine(mux.c.r, MaxResponseSize); err != nil {
			err = fmt.Errorf("api: %w", err)
			break
		}
		var in incoming
		if json.Unmarshal(b, &in) != nil {
			err = fmt.Errorf("%w: a line that is not JSON-RPC", ErrParse)
			break
		}
		err = mux.route(in)
	}
	mux.mu.Lock()
	mux.err = err
	subs := mux.subs
	mux.subs = map[string]*Subscription{}
	mux.mu.Unlock()
	close(mux.done)
	for _, sub := range subs {
		sub.end(err)
	}
}

// route hands a line to its call or subscription.
func (mux *clientMux) route(in incoming) error {
	if in.Method != "" && in.ID == nil {
		if in.Method != NotifyEvents {
			return nil // a notification of a later version: not ours to read
		}
		var n EventsNotification
		if err := json.Unmarshal(in.Params, &n); err != nil {
			return fmt.Errorf("%w: a notification: %w", ErrParse, err)
		}
		mux.mu.Lock()
		sub := mux.subs[n.Consumer]
		mux.mu.Unlock()
		if sub != nil {
			sub.deliver(n)
		}
		return nil
	}
	if in.Error != nil && (in.ID == nil || string(in.ID) == "null") {
		return in.Error // the server answered the connection, not a call (busy, too large)
	}
	mux.mu.Lock()
	ch := mux.pending[string(in.ID)]
	mux.mu.Unlock()
	if ch != nil {
		ch <- response{JSONRPC: version, ID: in.ID, Result: in.Result, Error: in.Error}
	}
	return nil
}

// drop forgets a subscription (its subscribe failed, or it was closed).
func (mux *clientMux) drop(consumer string, sub *Subscription) {
	mux.mu.Lock()
	defer mux.mu.Unlock()
	if mux.subs[consumer] == sub {
		delete(mux.subs, consumer)
	}
}

// deliver queues a notification for Next.
func (s *Subscription) deliver(n EventsNotification) {
	s.mu.Lock()
	s.q = append(s.q, n)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// end marks the stream ended; Next returns what was queued, then the
// error.
func (s *Subscription) end(cause error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = ErrSubscriptionEnded
		if cause != nil {
			s.err = errors.Join(ErrSubscriptionEnded, cause)
		}
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Next returns the next batch of events (never empty), waiting for one
// until ctx ends. Once the subscription ended and every batch was
// read, it returns an error wrapping [ErrSubscriptionEnded].
func (s *Subscription) Next(ctx context.Context) (EventsNotification, error) {
	for {
		s.mu.Lock()
		if len(s.q) > 0 {
			n := s.q[0]
			s.q = s.q[1:]
			s.mu.Unlock()
			return n, nil
		}
		err := s.err
		s.mu.Unlock()
		if err != nil {
			return EventsNotification{}, err
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return EventsNotification{}, fmt.Errorf("api: %w", ctx.Err())
		}
	}
}

// Events yields the subscription's events one at a time, until ctx ends
// or the stream does (then it yields the error once, and stops). The
// caller acknowledges what it handled with [Subscription.Ack]: events
// keep coming only while fewer than the window are unacknowledged.
func (s *Subscription) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			n, err := s.Next(ctx)
			if err != nil {
				yield(Event{}, err)
				return
			}
			for _, e := range n.Events {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// Ack acknowledges every event up to seq for the subscription's consumer
// (events.ack) and returns its cursor.
func (s *Subscription) Ack(ctx context.Context, seq int64) (int64, error) {
	var r EventsAckResult
	err := s.c.Call(ctx, "events.ack", EventsAckParams{Consumer: s.Consumer, Seq: seq}, &r)
	return r.Acked, err
}

// Close ends the subscription (events.unsubscribe): no event of it
// arrives after. What was queued can still be read with Next, which then
// returns [ErrSubscriptionEnded].
func (s *Subscription) Close(ctx context.Context) error {
	err := s.c.Call(ctx, "events.unsubscribe", EventsUnsubscribeParams{Consumer: s.Consumer}, nil)
	s.c.mux.drop(s.Consumer, s)
	s.end(nil)
	return err
}
