package chat

import (
	"sync"
	"time"

	"ratchat/store"
)

// receiptDelay is how long delivery receipts wait to be sent together: a
// burst of messages is then acknowledged by one receipt (one encryption,
// one envelope) instead of one each, and the receipt work stays off the
// path of the next message. A user does not see 50 ms on a tick.
const receiptDelay = 50 * time.Millisecond

// receiptBatch collects delivery receipts per contact until they are sent.
type receiptBatch struct {
	mu      sync.Mutex
	pending map[store.ContactID][]store.MessageID
	armed   bool
}

// deliveryReceipt queues a delivery receipt for message id of contact and
// makes sure a flush is coming.
func (m *Messenger) deliveryReceipt(contact store.ContactID, id store.MessageID) {
	b := &m.receipts
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending == nil {
		b.pending = map[store.ContactID][]store.MessageID{}
	}
	b.pending[contact] = append(b.pending[contact], id)
	if !b.armed {
		b.armed = true
		time.AfterFunc(receiptDelay, m.flushReceipts)
	}
}

// flushReceipts sends the queued delivery receipts, one receipt per
// contact (or more, past MaxReceiptIDs).
func (m *Messenger) flushReceipts() {
	b := &m.receipts
	b.mu.Lock()
	pending := b.pending
	b.pending, b.armed = nil, false
	b.mu.Unlock()
	if len(pending) == 0 || m.ctx.Err() != nil {
		return
	}
	m.lockSessions()
	defer m.mu.Unlock()
	for id, ids := range pending {
		c, err := m.st.Contact(m.ctx, id)
		if err != nil {
			m.log.Warn("delivery receipt", "err", err)
			continue
		}
		for len(ids) > 0 {
			n := min(len(ids), MaxReceiptIDs)
			if err := m.queueReceipt(m.ctx, c, ReceiptDelivered, ids[:n]...); err != nil && m.ctx.Err() == nil {
				m.log.Warn("delivery receipt", "err", err)
			}
			ids = ids[n:]
		}
	}
}
