package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// maxBatch bounds the deposits one group commit publishes.
const maxBatch = 512

// deposit is one deposit queued at a partition's holder.
type deposit struct {
	owner keys.PublicKey
	token mailbox.TokenHash
	dedup depositID
	body  []byte
	now   int64 // ms
	ttl   int64 // the lifetime in whole seconds (the Nats-TTL header); 0 for none
	p     int
	done  func(mailbox.DepositResult)

	part    *part
	quota   string
	err     error
	future  jetstream.PubAckFuture
	id      uint64
	counted bool // its usage was added tentatively
}

// writer is the one goroutine that stores the deposits of the partitions
// held here: it takes what is queued, checks each against its quotas
// (from the index), publishes them all asynchronously, waits for their
// acknowledgements together (group commit: the stream's write and
// replication are shared), then answers each and offers it to its owner,
// in order.
type writer struct {
	s      *Store
	mu     sync.RWMutex
	closed bool
	queue  chan *deposit
	done   chan struct{}
}

func newWriter(s *Store) *writer {
	return &writer{s: s, queue: make(chan *deposit, 4096), done: make(chan struct{})}
}

// enqueue queues d, or answers it with ErrClosed.
func (w *writer) enqueue(d *deposit) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		d.done(mailbox.DepositResult{Err: mailbox.ErrClosed})
		return
	}
	w.queue <- d
}

// close finishes what is queued and stops the writer.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *writer) run() {
	defer close(w.done)
	batch := make([]*deposit, 0, maxBatch)
	for d := range w.queue {
		batch = append(batch[:0], d)
	drain:
		for len(batch) < maxBatch {
			select {
			case d, ok := <-w.queue:
				if !ok {
					break drain
				}
				batch = append(batch, d)
			default:
				break drain
			}
		}
		w.commit(batch)
		clear(batch)
	}
}

// commit checks, publishes and answers one batch.
func (w *writer) commit(batch []*deposit) {
	s := w.s
	for _, d := range batch {
		w.check(d)
		if d.err != nil {
			continue
		}
		m := nats.NewMsg(envelopeSubject(d.p, d.owner))
		m.Data = d.body
		m.Header.Set(hdrReceived, strconv.FormatInt(d.now, 10))
		if d.quota != "" {
			m.Header.Set(hdrQuota, d.quota)
		}
		if d.ttl != 0 {
			m.Header.Set(jetstream.MsgTTLHeader, strconv.FormatInt(d.ttl, 10))
		}
		d.future, d.err = s.js.PublishMsgAsync(m, jetstream.WithMsgID(d.dedup.String()),
			jetstream.WithExpectStream(streamName))
		if d.err != nil {
			d.err = publishError(d.err)
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, 2*s.cfg.LeaseTTL+time.Second)
	defer cancel()
	for _, d := range batch {
		if d.future == nil {
			continue
		}
		select {
		case ack := <-d.future.Ok():
			d.id = ack.Sequence
			w.stored(d, ack.Duplicate)
		case err := <-d.future.Err():
			d.err = publishError(err)
		case <-ctx.Done():
			d.err = publishError(ctx.Err())
		}
	}
	for _, d := range batch {
		if d.err != nil && d.counted {
			d.part.mu.Lock()
			d.part.count(&entry{owner: d.owner, size: int64(len(d.body)), quota: d.quota}, -1)
			d.part.mu.Unlock()
		}
		if d.err != nil {
			d.done(mailbox.DepositResult{Err: d.err})
			continue
		}
		d.done(mailbox.DepositResult{ID: d.id})
	}
}

// stored indexes a published deposit and offers it to its owner.
func (w *writer) stored(d *deposit, duplicate bool) {
	p := d.part
	p.mu.Lock()
	if _, ok := p.bySeq[d.id]; ok || duplicate {
		// Indexed already, by the consumer (which counted it) or by the
		// first try of this deposit: take back the tentative count.
		p.count(&entry{owner: d.owner, size: int64(len(d.body)), quota: d.quota}, -1)
	} else {
		e := &entry{owner: d.owner, size: int64(len(d.body)), quota: d.quota, received: d.now}
		if d.ttl != 0 {
			e.expires = d.now + d.ttl*1000
		}
		p.bySeq[d.id] = e
		p.track(d.id, e)
	}
	d.counted = false
	p.mu.Unlock()
	if !duplicate {
		w.s.announce(d.owner, mailbox.Envelope{ID: d.id, Received: msTime(d.now), Body: d.body})
	}
}

// check refuses a deposit the mailbox or token quota has no room for, or
// counts it tentatively (d.err or d.counted).
func (w *writer) check(d *deposit) {
	p := w.s.readyPart(d.p)
	if p == nil {
		d.err = errNotHolder
		return
	}
	d.part = p
	w.s.pruneExpired(p) // what passed its lifetime counts no more
	lim := w.s.cfg.Limits
	size := int64(len(d.body))
	var total int64
	if lim.MaxTotalBytes > 0 {
		total = w.s.totalBytes() // before p.mu: it takes the lease lock
	}
	b, err := w.s.lockBox(p, d.owner)
	if err != nil {
		d.err = err
		return
	}
	defer p.mu.Unlock()
	kind, ok := b.tokens[d.token]
	if !ok {
		d.err = mailbox.ErrUnknownToken
		return
	}
	d.quota = hexString(d.token[:])
	maxN, maxB, qerr := int64(lim.MaxContactEnvelopes), lim.MaxContactBytes, mailbox.ErrTokenQuota
	if kind == mailbox.TokenRequest {
		d.quota, maxN, maxB, qerr = "r", int64(lim.MaxRequestEnvelopes), lim.MaxRequestBytes, mailbox.ErrRequestQuota
	}
	q := b.quotas[d.quota]
	if q != nil && (q.count+1 > maxN || q.bytes+size > maxB) || q == nil && (1 > maxN || size > maxB) {
		d.err = qerr
		return
	}
	if b.use.count+1 > int64(lim.MaxEnvelopes) || b.use.bytes+size > lim.MaxBytes {
		d.err = mailbox.ErrQuota
		return
	}
	if lim.MaxTotalBytes > 0 && total+size > lim.MaxTotalBytes {
		d.err = mailbox.ErrFull
		return
	}
	p.count(&entry{owner: d.owner, size: size, quota: d.quota}, 1)
	d.counted = true
}

// publishError maps a refused publish to the mailbox sentinels: the
// stream's own limits back up the holder's checks.
func publishError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "maximum messages per subject"):
		return mailbox.ErrQuota
	case strings.Contains(msg, "maximum bytes"), strings.Contains(msg, "insufficient resources"):
		return mailbox.ErrFull
	case errors.Is(err, context.Canceled):
		return mailbox.ErrClosed
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, jetstream.ErrAsyncPublishTimeout),
		errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionReconnecting),
		strings.Contains(msg, "in process"):
		return errRetry
	}
	return fmt.Errorf("jetstream: storing: %w", err)
}
