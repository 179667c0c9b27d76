package chat

import (
	"context"
	"errors"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// outboxPoll is how often the outbox looks for due items when nothing
// wakes it: retries come due on their own schedule.
const outboxPoll = time.Second

// depositTimeout bounds one deposit, answer included.
const depositTimeout = 30 * time.Second

// giveUpAfter is how long an item may wait before its message is marked
// failed: as long as a home keeps an envelope.
const giveUpAfter = 30 * 24 * time.Hour

// outboxLoop delivers queued envelopes to their contacts' homes, in order
// per contact, retrying with exponential backoff. Items live in the store,
// so they survive restarts; a message may be delivered twice (the home
// said Stored but we crashed before dequeuing), and its id makes the
// second one a no-op on the other side.
func (m *Messenger) outboxLoop(ctx context.Context) {
	for {
		if err := m.deliverDue(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("outbox", "err", err)
		}
		t := time.NewTimer(outboxPoll)
		select {
		case <-m.wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

// deliverDue makes one pass over the outbox. Items go out in the order
// they were queued, per contact: an item still waiting out its backoff
// holds back the later items to the same contact, even those that are due
// (a receipt queued after a failed message, say), so that the contact
// never sees them out of order.
func (m *Messenger) deliverDue(ctx context.Context) error {
	items, err := m.st.Pending(ctx)
	if err != nil || len(items) == 0 {
		return err
	}
	// The ratchet states that sealed these items reach the disk before any
	// item leaves: commits are only synced at checkpoints, and a power cut
	// after a deposit must not roll our ratchet back, which would seal the
	// next message under a message key already used. One fsync a pass, for
	// every item in it.
	if err := m.st.Sync(); err != nil {
		return err
	}
	now := m.now()
	urgent := m.presence.takeUrgent() // their home came back: no waiting out the backoff
	blocked := map[store.ContactID]bool{}
	contacts := map[store.ContactID]store.Contact{}
	for _, item := range items {
		if blocked[item.Contact] || ctx.Err() != nil {
			continue
		}
		if item.NextAttempt.After(now) && !urgent[item.Contact] {
			blocked[item.Contact] = true
			continue
		}
		c, ok := contacts[item.Contact]
		if !ok {
			if c, err = m.st.Contact(ctx, item.Contact); err != nil {
				return err
			}
			contacts[item.Contact] = c
		}
		if c.Held {
			blocked[c.ID] = true
			continue
		}
		if err := m.deliver(ctx, c, item); err != nil {
			blocked[c.ID] = true
			if errors.Is(err, errNoToken) {
				continue // it waits for the contact's token, which wakes the outbox
			}
			m.presence.failed(c, err, m.now())
			if urgent[c.ID] {
				item.Attempts = 0 // the backoff starts over
			}
			if err := m.retryLater(ctx, item, err); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliver deposits one item at the contact's home and dequeues it.
func (m *Messenger) deliver(ctx context.Context, c store.Contact, item store.OutboxItem) error {
	token, err := m.depositToken(ctx, c)
	if err != nil {
		return err
	}
	conn, err := m.pool.get(ctx, c.Address)
	if err != nil {
		return err
	}
	// A deposit that hangs must not stall the whole outbox.
	dctx, cancel := context.WithTimeout(ctx, depositTimeout)
	defer cancel()
	if _, err := conn.Deposit(dctx, c.Identity, token, item.Payload); err != nil {
		var refused *transport.RefusedError
		if !errors.As(err, &refused) {
			m.pool.drop(c.Address, conn)
		}
		return err
	}
	m.presence.answered(c, m.now())
	m.chunkDeposited(item.ID)
	msg, changed, err := m.st.DequeueDelivered(ctx, item, store.StatusSent)
	m.changes.notify()
	if err == nil && changed {
		// A group message's row is the group's, its status the summary.
		m.events.emit(StatusChanged{Contact: conversationOf(msg, c.ID), ID: msg.ID, Status: msg.Status})
	}
	return err
}

// conversationOf is the conversation of a row an outbox item carried to
// contact: the contact's own, or a group's.
func conversationOf(msg store.Message, contact store.ContactID) store.ContactID {
	if msg.Conversation != 0 {
		return msg.Conversation
	}
	return contact
}

// retryLater schedules the next attempt, or gives the item up once it is
// older than a home would keep it.
func (m *Messenger) retryLater(ctx context.Context, item store.OutboxItem, cause error) error {
	m.log.Info("delivery failed", "attempts", item.Attempts+1, "err", cause)
	if m.now().Sub(item.Created) > giveUpAfter {
		msg, changed, err := m.st.DequeueDelivered(ctx, item, store.StatusFailed)
		m.changes.notify()
		if err == nil && changed {
			m.events.emit(StatusChanged{Contact: conversationOf(msg, item.Contact), ID: msg.ID, Status: msg.Status})
		}
		return err
	}
	delay := m.cfg.RetryMin << min(item.Attempts, 20)
	delay = min(delay, m.cfg.RetryMax)
	err := m.st.RecordAttempt(ctx, item.ID, m.now().Add(delay))
	m.changes.notify()
	return err
}
