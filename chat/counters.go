package chat

import (
	"context"
	"errors"
	"sync/atomic"

	"ratchat/session"
	"ratchat/transport"
)

// Counters counts what the messenger did since it started, for the
// metrics (package metrics): how many messages came and went, how many
// sessions were started and how many failed, how many messages could not
// be decrypted. They count events, never who or what: no contact, no
// content. The zero value is ready; every field is atomic, so the
// messenger's goroutines count without a lock and a scrape reads without
// one.
type Counters struct {
	messagesIn, messagesOut  atomic.Uint64
	agreements, agreementErr atomic.Uint64
	decryptFailures          atomic.Uint64
}

// CountersSnapshot is the value of the [Counters] at one moment.
type CountersSnapshot struct {
	// MessagesIn counts messages received and stored (1:1 and group; a
	// redelivered duplicate is not counted again). MessagesOut counts
	// messages we wrote and committed for sending (a group message once).
	MessagesIn, MessagesOut uint64
	// KeyAgreementsStarted counts sessions started: by us (PQXDH from a
	// contact's bundle: adding a contact, a reset, a retry's fresh
	// session, a group member's first session) or by a peer (its
	// PreKeySignalMessage accepted). KeyAgreementsFailed counts those that
	// failed: a bundle that did not verify, a prekey message rejected.
	KeyAgreementsStarted, KeyAgreementsFailed uint64
	// DecryptFailures counts messages that could not be decrypted (1:1 or
	// group, a session's protocol error), a redelivered duplicate aside.
	DecryptFailures uint64
}

// Counters returns the counters' current values.
func (m *Messenger) Counters() CountersSnapshot {
	c := &m.counters
	return CountersSnapshot{
		MessagesIn: c.messagesIn.Load(), MessagesOut: c.messagesOut.Load(),
		KeyAgreementsStarted: c.agreements.Load(), KeyAgreementsFailed: c.agreementErr.Load(),
		DecryptFailures: c.decryptFailures.Load(),
	}
}

// received counts one message received and stored.
func (c *Counters) received() { c.messagesIn.Add(1) }

// sent counts one message of ours committed for sending.
func (c *Counters) sent() { c.messagesOut.Add(1) }

// initiated counts a session we started from a bundle (session.Initiate):
// started, or failed when err is set. A failure to reach the contact's
// home never gets here: no key agreement was attempted.
func (c *Counters) initiated(err error) {
	if err != nil {
		c.agreementErr.Add(1)
		return
	}
	c.agreements.Add(1)
}

// decrypted counts what one 1:1 decryption says: a peer's prekey message
// that started a session, or that failed (a key agreement failed, and a
// decryption failure); any other protocol error is a decryption failure.
// A duplicate is no failure: the message was stored before.
func (c *Counters) decrypted(msgType uint8, res *session.Decrypted, err error) {
	switch {
	case err == nil:
		if res != nil && res.NewSession {
			c.agreements.Add(1)
		}
	case errors.Is(err, session.ErrDuplicate) || !session.IsProtocolError(err):
	default:
		if msgType == transport.TypePreKey {
			c.agreementErr.Add(1)
		}
		c.decryptFailures.Add(1)
	}
}

// groupDecryptFailed counts a group message that could not be decrypted.
func (c *Counters) groupDecryptFailed() { c.decryptFailures.Add(1) }

// OutboxDepth returns how many items wait in the outbox (messages,
// receipts and other control messages not yet accepted by a home).
func (m *Messenger) OutboxDepth(ctx context.Context) (int64, error) {
	return m.st.OutboxDepth(ctx)
}

// EventLag returns, for each event consumer by name, how many events of
// the log are past its acknowledged cursor (webhooks are the consumers
// "webhook:<id>").
func (m *Messenger) EventLag(ctx context.Context) (map[string]int64, error) {
	cursors, err := m.st.EventConsumers(ctx)
	if err != nil {
		return nil, err
	}
	last, err := m.st.LastEventSeq(ctx) // after the cursors: a lag is never negative
	if err != nil {
		return nil, err
	}
	lag := make(map[string]int64, len(cursors))
	for name, acked := range cursors {
		lag[name] = max(last-acked, 0)
	}
	return lag, nil
}
