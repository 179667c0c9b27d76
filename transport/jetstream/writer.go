package jetstream

import (
	"context"
	"crypto/sha256"
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

// segmentBytes bounds a segment's data (one envelope larger is alone in
// its segment). Why: a NATS message is at most the server's max_payload,
// 1 MB by default, and the table's header counts too.
const segmentBytes = 512 << 10

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

	acks []ackedEnvelope // if set, not a deposit: envelopes to record as acknowledged

	part    *part
	quota   string
	err     error
	id      uint64
	counted bool     // its usage was added tentatively
	dup     bool     // stored already: id is the first one's
	first   *deposit // the same deposit, in this batch before it: answered as that one
	leading bool     // in its partition's inflight, as the first of its kind
}

// message is one stream message of a group commit: a segment of
// deposits, or an ack record.
type message struct {
	p      *part
	deps   []*deposit      // a segment's, in order; an ack record's requests
	acks   []ackedEnvelope // an ack record's envelopes
	ttl    int64           // a segment's Nats-TTL, if its deposit has a lifetime
	size   int             // a segment's data
	msg    *nats.Msg       // as published
	future jetstream.PubAckFuture
	err    error
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

// enqueue queues d, or, once the writer is closed (the front end is
// closing), answers that this is no longer the partition's holder: the
// caller asks the next one.
func (w *writer) enqueue(d *deposit) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		d.done(mailbox.DepositResult{Err: errNotHolder})
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

// commit checks, publishes and answers one batch: per partition, its
// deposits as segments (one alone if it has a lifetime, whose Nats-TTL is
// the segment's) and its acks as one ack record, all published before
// the first acknowledgement is awaited.
func (w *writer) commit(batch []*deposit) {
	s := w.s
	var msgs []*message
	open := map[int]*message{} // the partitions' segments being filled
	recs := map[int]*message{} // and ack records
	w.preload(batch)
	for _, d := range batch {
		if d.acks != nil {
			if d.part = s.readyPart(d.p); d.part == nil {
				d.err = errNotHolder
				continue
			}
			m := recs[d.p]
			if m == nil || len(m.acks)+len(d.acks) > maxAckRecord {
				m = &message{p: d.part}
				recs[d.p] = m
				msgs = append(msgs, m)
			}
			m.deps, m.acks = append(m.deps, d), append(m.acks, d.acks...)
			continue
		}
		if d.err == nil { // preload may have answered it
			w.check(d)
		}
		if d.err != nil || d.dup || d.first != nil {
			continue
		}
		if d.ttl != 0 {
			msgs = append(msgs, &message{p: d.part, deps: []*deposit{d}, ttl: d.ttl})
			continue
		}
		m := open[d.p]
		if m == nil || len(m.deps) == segmentSlots || m.size > 0 && m.size+len(d.body) > segmentBytes {
			m = &message{p: d.part}
			open[d.p] = m
			msgs = append(msgs, m)
		}
		m.deps = append(m.deps, d)
		m.size += len(d.body)
	}
	for _, m := range msgs {
		m.err = w.publish(m)
	}
	w.await(msgs)
	// Why publish again what went unanswered, rather than answer "ask
	// again": the segment may be stored, and a deposit asked again would
	// go in another segment, stored twice; the same segment published
	// again is stored once (its Nats-Msg-Id, within the dedup window).
	for try := 1; try < publishTries; try++ {
		var again []*message
		for _, m := range msgs {
			if errors.Is(m.err, errRetry) && m.msg != nil && !w.s.isClosed() {
				m.err = w.republish(m)
				again = append(again, m)
			}
		}
		if len(again) == 0 {
			break
		}
		w.await(again)
	}
	for _, m := range msgs {
		if m.err != nil {
			for _, d := range m.deps {
				d.err = m.err
			}
		}
	}
	for _, d := range batch {
		if !d.leading {
			continue
		}
		// d was in flight (see check): stored or not, it is not now.
		d.part.mu.Lock()
		if d.part.inflight[d.dedup] == d {
			delete(d.part.inflight, d.dedup)
		}
		d.part.mu.Unlock()
	}
	for _, d := range batch {
		if d.first != nil {
			d.err, d.id = d.first.err, d.first.id
		}
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

// preloadAtOnce bounds the mailboxes a group commit reads at once.
const preloadAtOnce = 32

// preload reads the owner records and tokens of the batch's mailboxes
// that the index does not have, all at once, so that check finds them,
// and refuses the deposits to mailboxes found not to exist.
// Why: a mailbox's first deposit since its partition was taken (or since
// its box was forgotten) needs two key-value reads; one after the other
// in the writer, a thousand mailboxes waking up together held every
// deposit of the front end for seconds.
func (w *writer) preload(batch []*deposit) {
	type key struct {
		p     int
		owner keys.PublicKey
	}
	cold := map[key]*part{}
	for _, d := range batch {
		k := key{d.p, d.owner}
		if _, ok := cold[k]; ok || d.acks != nil {
			continue
		}
		p := w.s.readyPart(d.p)
		if p == nil {
			continue
		}
		p.mu.Lock()
		if b := p.boxes[d.owner]; b == nil || !b.loaded() {
			cold[k] = p
		}
		p.mu.Unlock()
	}
	if len(cold) == 0 {
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	absent := map[key]bool{}
	sem := make(chan struct{}, preloadAtOnce)
	for k, p := range cold {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := w.s.lockBox(p, k.owner)
			switch {
			case err == nil:
				p.mu.Unlock()
			case errors.Is(err, mailbox.ErrUnknownMailbox):
				mu.Lock()
				absent[k] = true
				mu.Unlock()
			} // another error is check's to meet again and report
		})
	}
	wg.Wait()
	// Why answer these here: check would read the owner record again,
	// one deposit after the other, and deposits to mailboxes that do not
	// exist are what a hostile client sends.
	if len(absent) == 0 {
		return
	}
	for _, d := range batch {
		if d.acks == nil && absent[key{d.p, d.owner}] {
			d.err = mailbox.ErrUnknownMailbox
		}
	}
}

// publishTries bounds how often a group commit publishes a message that
// went unanswered.
const publishTries = 3

// await waits for the acknowledgements of msgs published, and indexes
// the segments stored.
func (w *writer) await(msgs []*message) {
	s := w.s
	ctx, cancel := context.WithTimeout(s.ctx, 2*s.cfg.LeaseTTL+time.Second)
	defer cancel()
	for _, m := range msgs {
		if m.err != nil {
			continue
		}
		select {
		case ack := <-m.future.Ok():
			if m.acks == nil {
				w.stored(m, ack.Sequence)
			}
		case err := <-m.future.Err():
			m.err = publishError(err)
		case <-ctx.Done():
			m.err = publishError(ctx.Err())
		}
	}
}

// republish sends a message of a group commit again, as it was.
func (w *writer) republish(m *message) error {
	var err error
	m.future, err = w.s.js.PublishMsgAsync(m.msg, jetstream.WithExpectStream(streamName))
	if err != nil {
		return publishError(err)
	}
	return nil
}

// publish sends one message of a group commit, asynchronously.
func (w *writer) publish(m *message) error {
	msg := nats.NewMsg(ackSubject(m.p.n))
	if m.acks != nil {
		h, err := marshalAcks(m.acks)
		if err != nil {
			return err
		}
		msg.Header.Set(hdrAcks, h)
	} else {
		entries := make([]segEntry, len(m.deps))
		size := 0
		for i, d := range m.deps {
			entries[i] = segEntry{owner: d.owner, quota: d.quota, dedup: d.dedup, size: int64(len(d.body)),
				received: d.now, ttl: d.ttl}
			size += len(d.body)
		}
		h, err := marshalTable(entries)
		if err != nil {
			return err
		}
		msg.Subject = segmentSubject(m.p.n)
		msg.Header.Set(hdrTable, h)
		msg.Data = make([]byte, 0, size)
		for _, d := range m.deps {
			msg.Data = append(msg.Data, d.body...)
		}
		if m.ttl != 0 {
			msg.Header.Set(jetstream.MsgTTLHeader, strconv.FormatInt(m.ttl, 10))
		}
		// Why a Nats-Msg-Id from the deposits: a segment published again
		// with the same deposits (after an unanswered try) is stored once.
		msg.Header.Set(jetstream.MsgIDHeader, segmentID(m.deps))
	}
	m.msg = msg
	return w.republish(m)
}

// segmentID is a segment's Nats-Msg-Id: a hash of its deposits' ids.
func segmentID(deps []*deposit) string {
	h := sha256.New()
	for _, d := range deps {
		h.Write(d.dedup[:])
	}
	return hexString(h.Sum(nil)[:16])
}

// stored indexes a published segment, unless the consumer did first, and
// offers its envelopes to their owners.
func (w *writer) stored(m *message, seq uint64) {
	p := m.p
	p.mu.Lock()
	for _, d := range m.deps {
		if d.counted { // the index counts them as a segment now
			p.count(&entry{owner: d.owner, size: int64(len(d.body)), quota: d.quota}, -1)
			d.counted = false
		}
	}
	if p.segs[seq] == nil {
		entries := make([]segEntry, len(m.deps))
		for i, d := range m.deps {
			entries[i] = segEntry{owner: d.owner, quota: d.quota, dedup: d.dedup, size: int64(len(d.body)),
				received: d.now, ttl: d.ttl}
		}
		p.addSegment(seq, entries, m.ttl != 0)
	}
	for i, d := range m.deps {
		d.id = envelopeID(seq, i)
	}
	p.mu.Unlock()
	for _, d := range m.deps {
		w.s.announce(d.owner, mailbox.Envelope{ID: d.id, Received: msTime(d.now), Body: d.body})
	}
}

// recordAcks stores an ack record of acks at partition n's holder (here),
// in the writer's next group commit.
func (w *writer) recordAcks(n int, acks []ackedEnvelope) error {
	out := make(chan error, 1)
	w.enqueue(&deposit{p: n, acks: acks, done: func(r mailbox.DepositResult) { out <- r.Err }})
	return <-out
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
	p.mu.Lock()
	if seen, ok := p.dedups[d.dedup]; ok { // asked again: stored once
		p.mu.Unlock()
		d.id, d.dup = seen.id, true
		return
	}
	if first := p.inflight[d.dedup]; first != nil { // asked again while the first is being stored
		p.mu.Unlock()
		d.first = first
		return
	}
	p.mu.Unlock()
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
	p.inflight[d.dedup], d.leading = d, true
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
