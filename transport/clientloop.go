package transport

import (
	"context"
	"fmt"
	"time"
)

// readLoop reads what the home sends: answers go to the request waiting
// for them, deliveries to the channel. It ends the connection on any
// read error or protocol violation, and then closes the channel.
func (c *Conn) readLoop() {
	defer c.readerDone()
	idle := time.Duration(0)
	if c.opts.KeepAlive > 0 {
		// Why: a home that vanished without a FIN must not leave the owner
		// waiting forever; three missed keep-alives end the connection.
		idle = 3 * c.opts.KeepAlive
	}
	for {
		body, err := c.f.read(idle, nil)
		if err != nil {
			c.end(lost(err))
			return
		}
		id, m, err := ParseMessage(body)
		if err != nil {
			c.end(lost(err))
			return
		}
		if !c.dispatch(id, m) {
			return
		}
	}
}

// dispatch handles one message from the home.
func (c *Conn) dispatch(id uint32, m Message) bool {
	switch m := m.(type) {
	case *Deliver:
		return c.deliver(m)
	case *CaughtUp:
		return c.caughtUp(id)
	case *Error:
		if id == 0 {
			c.end(lost(&RefusedError{Code: m.Code, Text: m.Text}))
			return false
		}
	case *Hello, *Auth, *Deposit, *FetchBundle, *UploadPreKeys, *CountPreKeys, *Fetch, *Ack, *Ping, *Tokens:
		c.end(lost(fmt.Errorf("%w: home sent %s", ErrUnexpected, m.Kind())))
		return false
	}
	c.mu.Lock()
	ch := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ch != nil {
		ch <- m // buffered: never blocks
	}
	return true
}

// caughtUp handles the home's CaughtUp: a push, once per connection.
// With MarkCaughtUp it joins the deliveries, in order, as the marker.
func (c *Conn) caughtUp(id uint32) bool {
	c.mu.Lock()
	again := c.caught
	c.caught = true
	c.mu.Unlock()
	if id != 0 || again {
		c.end(lost(fmt.Errorf("%w: home sent CaughtUp with id %d or twice", ErrUnexpected, id)))
		return false
	}
	if !c.opts.MarkCaughtUp {
		return true
	}
	return c.deliver(&Deliver{})
}

// roundTrip sends a request and waits for its answer. An Error answer is
// returned as a [*RefusedError].
func (c *Conn) roundTrip(ctx context.Context, req Message) (Message, error) {
	ch := make(chan Message, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.nextID++
	if c.nextID == 0 {
		c.nextID = 1
	}
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.write(id, req); err != nil {
		return nil, err
	}
	select {
	case m := <-ch:
		return answer(m)
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	case <-c.done:
		// The answer may have come just before the connection ended (a
		// refusal is often the home's last word): it wins.
		select {
		case m := <-ch:
			return answer(m)
		default:
			return nil, c.Err()
		}
	}
}

// answer turns an Error answer into a [*RefusedError].
func answer(m Message) (Message, error) {
	if e, ok := m.(*Error); ok {
		return nil, &RefusedError{Code: e.Code, Text: e.Text}
	}
	return m, nil
}

// write sends one request; a failed write ends the connection.
func (c *Conn) write(id uint32, m Message) error {
	body, err := MarshalMessage(id, m)
	if err != nil {
		c.forget(id)
		return err
	}
	err = c.f.write(body)
	if err != nil {
		c.end(lost(err))
		return c.Err()
	}
	return nil
}

// forget drops a request nobody waits for any more.
func (c *Conn) forget(id uint32) {
	c.mu.Lock()
	if c.pending != nil {
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

// expectOK sends a request whose answer is OK.
func (c *Conn) expectOK(ctx context.Context, req Message) error {
	m, err := c.roundTrip(ctx, req)
	if err != nil {
		return err
	}
	if _, ok := m.(*OK); !ok {
		return c.unexpected(m)
	}
	return nil
}

// unexpected ends the connection over an answer of the wrong kind.
func (c *Conn) unexpected(m Message) error {
	err := fmt.Errorf("%w: home answered %s", ErrUnexpected, m.Kind())
	c.end(lost(err))
	return err
}

// keepAlive pings the home every KeepAlive until the connection ends.
func (c *Conn) keepAlive() {
	t := time.NewTicker(c.opts.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.opts.KeepAlive)
			err := c.Ping(ctx)
			cancel()
			if err != nil {
				c.end(lost(err))
				return
			}
		case <-c.done:
			return
		}
	}
}
