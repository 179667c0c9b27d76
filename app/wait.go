package app

import (
	"context"
	"time"

	"ratchat/store"
)

// pollEvery is how often the command line's waits look at the store.
const pollEvery = 50 * time.Millisecond

// WaitSent waits until an outgoing message has left (its contact's home
// accepted it) or failed, and returns its status; when ctx ends first it
// returns the status so far with an error wrapping [ErrTimeout].
func (c *Core) WaitSent(ctx context.Context, contact store.ContactID, id store.MessageID) (store.Status, error) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		c.mu.RLock()
		m, err := c.st.Message(ctx, contact, id)
		c.mu.RUnlock()
		if err != nil && ctx.Err() == nil {
			return 0, err
		}
		if err == nil && m.Status != store.StatusQueued {
			return m.Status, nil
		}
		select {
		case <-ctx.Done():
			return m.Status, ErrTimeout
		case <-t.C:
		}
	}
}

// Flush waits until the outbox has nothing due (what a command queued,
// such as the first message to a contact just added, went out), or ctx
// ends. It reports whether the outbox emptied. An item that failed and
// waits for a later retry is not due: Flush does not wait for it.
func (c *Core) Flush(ctx context.Context) bool {
	t := time.NewTicker(4 * pollEvery)
	defer t.Stop()
	quiet := 0
	for quiet < 2 { // twice in a row: a failed item comes due again soon
		c.mu.RLock()
		due, err := c.st.Due(ctx)
		c.mu.RUnlock()
		if err == nil && len(due) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}
