package chat

import (
	"context"
	"sync"

	"ratchat/store"
)

// changes wakes everyone waiting for the messenger's state to change: each
// wait gets a channel that is closed at the next change. It is how the
// front ends wait for a message to leave without polling the store.
type changes struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next change.
func (c *changes) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// notify wakes every waiter.
func (c *changes) notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// WaitSent waits until an outgoing message has left (its contact's home
// accepted it) or failed, and returns its status. When ctx ends first it
// returns the status so far and an error wrapping [ErrTimeout].
func (m *Messenger) WaitSent(ctx context.Context, contact store.ContactID, id store.MessageID) (store.Status, error) {
	for {
		changed := m.changes.wait() // before reading, so no change is missed
		msg, err := m.st.Message(ctx, contact, id)
		if err != nil {
			return 0, err
		}
		if msg.Status != store.StatusQueued {
			return msg.Status, nil
		}
		select {
		case <-ctx.Done():
			return msg.Status, ErrTimeout
		case <-changed:
		}
	}
}

// Flush waits until the outbox holds nothing that is due now (what a
// command queued, such as the first message to a contact just added, went
// out), or ctx ends; it reports whether the outbox emptied. An item that
// failed and waits for a later retry is not due: Flush does not wait for it.
func (m *Messenger) Flush(ctx context.Context) bool {
	for {
		changed := m.changes.wait()
		due, err := m.st.Due(ctx)
		if err == nil && len(due) == 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-changed:
		}
	}
}
