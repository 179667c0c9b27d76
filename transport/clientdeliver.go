package transport

import "fmt"

// maxBacklog bounds the deliveries a [Conn] holds beyond its channel's
// buffer. A home pushes at most its PushWindow (256 by default) before it
// waits for Acks, so only a broken home ever reaches it.
const maxBacklog = 1 << 16

// inbox hands pushed envelopes to the Deliveries channel without ever
// blocking the reader. Why: a consumer that acknowledges each envelope
// before taking the next (as it should, once the envelope is stored)
// waits for the OK of its Ack, which the home sent after more Delivers;
// a reader blocked on a full channel would never read that OK. What does
// not fit in the channel waits in order in a backlog, which a pump
// goroutine feeds to the channel.
type inbox struct {
	backlog    []*Deliver
	pumping    bool // a pump runs: the backlog is not empty
	readerDone bool // the reader ended: whoever finishes last closes the channel
}

// deliver queues a pushed envelope, in order; false if the connection
// ended.
func (c *Conn) deliver(d *Deliver) bool {
	c.mu.Lock()
	if !c.in.pumping {
		select {
		case c.deliveries <- d:
			c.mu.Unlock()
			return true
		default:
		}
	}
	if len(c.in.backlog) >= maxBacklog {
		c.mu.Unlock()
		c.end(lost(fmt.Errorf("%w: home pushed over %d envelopes unacknowledged", ErrUnexpected, maxBacklog)))
		return false
	}
	c.in.backlog = append(c.in.backlog, d)
	if !c.in.pumping {
		c.in.pumping = true
		go c.pump(d)
	}
	c.mu.Unlock()
	return true
}

// pump feeds the backlog to the channel, starting with d, until it is
// empty or the connection ended (dropping the rest, as a reader would).
func (c *Conn) pump(d *Deliver) {
	for {
		select {
		case c.deliveries <- d:
		case <-c.done:
			c.mu.Lock()
			c.in.backlog = nil
			c.stopPumping()
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		c.in.backlog[0] = nil
		c.in.backlog = c.in.backlog[1:]
		if len(c.in.backlog) == 0 {
			c.stopPumping()
			c.mu.Unlock()
			return
		}
		d = c.in.backlog[0]
		c.mu.Unlock()
	}
}

// stopPumping ends the pump's turn (c.mu held), closing the channel if
// the reader has ended meanwhile.
func (c *Conn) stopPumping() {
	c.in.pumping = false
	if c.in.readerDone {
		close(c.deliveries)
	}
}

// readerDone closes the channel once the reader has ended, unless a pump
// still feeds it (which then closes it).
func (c *Conn) readerDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.readerDone = true
	if !c.in.pumping {
		close(c.deliveries)
	}
}
