package chat

import (
	"context"
	"errors"
	"sync"
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
	ob := m.newOutbox(ctx)
	defer ob.stop()
	for {
		if err := m.deliverDue(ctx, ob); err != nil && ctx.Err() == nil {
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

// outboxParallel bounds the contacts the outbox delivers to at once: each
// has at most one deposit in flight (its items go in order), so this is
// also the bound on deposits in flight. Contacts on one home share its
// pooled connection, which multiplexes them; a home takes 128 deposits
// (and 2 MiB of them) per connection at a time (transport.Limits'
// MaxInFlight and MaxInFlightBytes), commits them in batches, and reads
// the rest when those are committed. Why 128: a message to a group of 256
// is one envelope per member, and a relay's commit costs about the same
// for one deposit as for a batch of them.
const outboxParallel = 128

// deliverDue makes one pass over the outbox. Items go out in the order
// they were queued, per contact: an item still waiting out its backoff
// holds back the later items to the same contact, even those that are due
// (a receipt queued after a failed message, say), so that the contact
// never sees them out of order. Each contact with items due gets a lane,
// a goroutine that deposits them one after the other; up to
// outboxParallel lanes run at once, so that a message to a large group
// does not wait for a round trip per member, and a contact whose home is
// slow or down holds up no one else. The pass returns once its lanes have
// started; a contact whose lane still runs is left to that lane (the pass
// after it ends looks at the contact again).
func (m *Messenger) deliverDue(ctx context.Context, ob *outbox) error {
	items, err := m.st.Pending(ctx)
	if err != nil || len(items) == 0 {
		return err
	}
	urgent := ob.takeUrgent(m.presence.takeUrgent()) // their home came back: no waiting out the backoff
	lanes := outboxLanes(items, m.now(), urgent)
	lanes = ob.idle(lanes, urgent)
	if len(lanes) == 0 {
		return nil
	}
	// The ratchet states that sealed these items reach the disk before any
	// item leaves: commits are only synced at checkpoints, and a power cut
	// after a deposit must not roll our ratchet back, which would seal the
	// next message under a message key already used. One fsync a pass, for
	// every item in it.
	if err := m.st.Sync(); err != nil {
		ob.release(lanes)
		return err
	}
	ids := make([]store.ContactID, len(lanes))
	for i, l := range lanes {
		ids[i] = l.contact
	}
	contacts, err := m.st.ContactsByID(ctx, ids)
	if err != nil {
		ob.release(lanes)
		return err
	}
	for i, l := range lanes {
		if !ob.acquire(ctx) {
			ob.release(lanes[i:])
			return nil
		}
		u := urgent[l.contact]
		c, ok := contacts[l.contact]
		ob.lanes.Add(1)
		go func() {
			defer ob.lanes.Done()
			defer ob.done(l.contact)
			if !ok {
				return // removed since; its items went with it
			}
			if err := m.deliverLane(ctx, c, l, u, ob.dq); err != nil && ctx.Err() == nil {
				m.log.Warn("outbox", "err", err)
			}
		}()
	}
	return nil
}

// outboxLane is what one pass delivers to one contact: its due items, in
// the order they were queued, up to the first that is not due.
type outboxLane struct {
	contact store.ContactID
	items   []store.OutboxItem
}

// outboxLanes splits the outbox (oldest first) into lanes, one per contact
// with an item due, in the order of their first items. A contact's lane
// stops at its first item that waits out a backoff, unless the contact is
// urgent.
func outboxLanes(items []store.OutboxItem, now time.Time, urgent map[store.ContactID]bool) []outboxLane {
	var lanes []outboxLane
	at := map[store.ContactID]int{} // lane index
	blocked := map[store.ContactID]bool{}
	for _, item := range items {
		if blocked[item.Contact] {
			continue
		}
		if item.NextAttempt.After(now) && !urgent[item.Contact] {
			blocked[item.Contact] = true
			continue
		}
		i, ok := at[item.Contact]
		if !ok {
			i = len(lanes)
			at[item.Contact] = i
			lanes = append(lanes, outboxLane{contact: item.Contact})
		}
		lanes[i].items = append(lanes[i].items, item)
	}
	return lanes
}

// deliverLane deposits a lane's items one after the other, handing each
// to dq once its home stored it (it returns when dq has dequeued them),
// and stops at the first that fails, which is scheduled for a retry: the
// later ones wait behind it. A held contact gets nothing. The error is
// the store's, not the delivery's.
func (m *Messenger) deliverLane(ctx context.Context, c store.Contact, l outboxLane, urgent bool, dq *dequeuer) error {
	// The lane ends when its items are dequeued: until then a pass would
	// find them still queued and deposit them again.
	var dequeued sync.WaitGroup
	defer dequeued.Wait()
	if c.Held {
		return nil
	}
	var token transport.Token // read once a lane: a lane is a few items to one contact
	for _, item := range l.items {
		if ctx.Err() != nil {
			return nil
		}
		err := error(nil)
		if token.IsZero() {
			token, err = m.depositToken(ctx, c)
		}
		if err == nil {
			err = m.deposit(ctx, c, token, item)
		}
		if err != nil {
			if errors.Is(err, errNoToken) {
				return nil // it waits for the contact's token, which wakes the outbox
			}
			m.presence.failed(c, err, m.now())
			if urgent {
				item.Attempts = 0 // the backoff starts over
			}
			return m.retryLater(ctx, item, err)
		}
		dequeued.Add(1)
		dq.add(c.ID, item, &dequeued)
	}
	return nil
}

// deposit deposits one item at the contact's home with the token it
// gave us, and the lifetime of a disappearing message; the caller
// dequeues it.
func (m *Messenger) deposit(ctx context.Context, c store.Contact, token transport.Token, item store.OutboxItem) error {
	lifetime, err := m.depositLifetime(ctx, item)
	if err != nil {
		return err
	}
	if !m.pool.lifetimes(c.Address) {
		lifetime = 0
	}
	conn, err := m.pool.get(ctx, c.Address)
	if err != nil {
		return err
	}
	// A deposit that hangs must not stall the whole outbox.
	dctx, cancel := context.WithTimeout(ctx, depositTimeout)
	defer cancel()
	if _, err := conn.DepositWithLifetime(dctx, c.Identity, token, item.Payload, lifetime); err != nil {
		var refused *transport.RefusedError
		if !errors.As(err, &refused) {
			m.pool.drop(c.Address, conn)
		} else if lifetime != 0 && refused.Code == transport.CodeMalformed {
			// A home from before lifetimes: it refused the kind and
			// closed the connection. Deposit without one from now on
			// (it keeps the envelope up to its retention, as it keeps
			// every envelope); the recipient's own timer still deletes
			// the message once read.
			m.log.Info("home takes no message lifetimes", "home", c.Address)
			m.pool.noLifetimes(c.Address)
			m.pool.drop(c.Address, conn)
			return m.deposit(ctx, c, token, item)
		}
		return err
	}
	m.presence.answered(c, m.now())
	m.chunkDeposited(item.ID)
	return nil
}

// depositLifetime is how long the contact's home should keep item's
// envelope for the contact to fetch, counted from the deposit: for a
// disappearing message, what is left until it disappears here, which is
// the conversation's timer when it goes out at once (its expiry was set
// at sending to now plus the timer), and less on a later try, so that
// the home never keeps it past the moment it is gone on our side. As
// WhatsApp does: a message not fetched within the period disappears
// undelivered. Anything else (receipts, control messages, messages
// without a timer) has none.
func (m *Messenger) depositLifetime(ctx context.Context, item store.OutboxItem) (time.Duration, error) {
	if item.Message == 0 {
		return 0, nil
	}
	at, err := m.st.Expiry(ctx, item.Message)
	if err != nil || at.IsZero() {
		return 0, err
	}
	d := at.Sub(m.now()).Round(time.Second)
	return min(max(d, transport.MinLifetime), transport.MaxLifetime), nil
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
