package jetstream

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// part is a partition this front end holds: its consumer, the index of
// its stored envelopes (no bodies) that makes quotas and acks exact, and
// its request subscription.
type part struct {
	s *Store
	n int

	leaseMu sync.Mutex // serializes the lease's updates

	mu      sync.Mutex
	rev     uint64 // the lease's revision
	ready   bool   // caught up and serving
	stopped bool
	done    chan struct{} // closed when it stops being served here
	want    uint64        // envelopes stored when the consumer was made
	got     uint64        // of those, how many arrived
	cc      jetstream.ConsumeContext
	sub     *nats.Subscription
	bytes   int64 // of all its envelopes
	boxes   map[keys.PublicKey]*box
	bySeq   map[uint64]*entry
	ttls    ttlHeap // the envelopes of bySeq with a lifetime (see ttl.go)
}

// box is what a holder keeps of one mailbox.
type box struct {
	used   bool // since the last forgetIdle
	exists bool // the owner record was seen (never cached absent)
	tokens map[mailbox.TokenHash]mailbox.TokenKind
	use    usage
	quotas map[string]*usage // by Rc-Quota value
}

// usage is an envelope count and bytes.
type usage struct{ count, bytes int64 }

func (u *usage) add(n, size int64) { u.count += n; u.bytes += n * size }

// entry is one stored envelope in a holder's index.
type entry struct {
	owner    keys.PublicKey
	size     int64
	quota    string
	received int64         // ms
	expires  int64         // ms, from its lifetime; 0 for none
	reply    string        // the consumer's ack subject, once delivered
	acked    bool          // acknowledged before the consumer delivered it
	ackDone  chan struct{} // if acked: closed once the late ack is confirmed
}

func newPart(s *Store, n int, rev uint64) *part {
	return &part{s: s, n: n, rev: rev, boxes: map[keys.PublicKey]*box{}, bySeq: map[uint64]*entry{},
		done: make(chan struct{})}
}

// renew writes the lease again (its value, and a new TTL).
func (p *part) renew(ctx context.Context) error {
	p.leaseMu.Lock()
	defer p.leaseMu.Unlock()
	rev, err := p.s.leases.Update(ctx, partitionKey(p.n), []byte(p.leaseValue()), p.leaseRev())
	if err != nil {
		return err
	}
	p.setLeaseRev(rev)
	return nil
}

// release deletes the lease, if it is still this holder's.
func (p *part) release(ctx context.Context) error {
	p.leaseMu.Lock()
	defer p.leaseMu.Unlock()
	return p.s.leases.Delete(ctx, partitionKey(p.n), jetstream.LastRevision(p.leaseRev()))
}

func (p *part) leaseRev() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rev
}

func (p *part) setLeaseRev(rev uint64) {
	p.mu.Lock()
	p.rev = rev
	p.mu.Unlock()
}

func (p *part) isReady() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ready && !p.stopped
}

// leaseValue is what the lease says: the holder, and whether it serves.
func (p *part) leaseValue() string {
	if p.isReady() {
		return p.s.cfg.Name + readySuffix
	}
	return p.s.cfg.Name
}

// consumerConfig is a partition's consumer. Why these settings: see the
// package doc ("Partitions").
func (s *Store) consumerConfig(n int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable: consumerPrefix + strconv.Itoa(n), FilterSubject: subjectPrefix + strconv.Itoa(n) + ".*",
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: s.cfg.Retention + time.Hour,
		MaxDeliver: -1, MaxAckPending: -1, HeadersOnly: true, MemoryStorage: true, Replicas: s.cfg.Replicas,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}

// pullExpiry is how long a partition consumer's pull request lasts. nats.go
// asks for heartbeats every half of it, and pulls again when two are
// missed. Why short (nats.go's default is 30 s): a pull can be lost,
// typically the first one after the consumer is made in a cluster, when the
// front end's NATS node does not yet know the new consumer leader's interest
// ("no responders"); nothing is delivered to the partition until the next
// pull, and acks wait for their envelopes' delivery meanwhile
// (BenchmarkNATSMapping saw 25 s stalls with the default).
const pullExpiry = 3 * time.Second

// startPartition makes the partition's consumer afresh, so that every
// envelope still stored (also those a dead holder had pulled) is
// delivered here, indexes the backlog, then serves.
func (s *Store) startPartition(p *part) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
	defer cancel()
	name := consumerPrefix + strconv.Itoa(p.n)
	if err := s.stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		s.log.Warn("deleting old consumer", "partition", p.n, "err", err)
	}
	cons, err := s.stream.CreateConsumer(ctx, s.consumerConfig(p.n))
	if err != nil {
		s.logUnlessClosing("creating consumer", p.n, err)
		s.dropPartition(p, true)
		return
	}
	p.mu.Lock()
	p.want = cons.CachedInfo().NumPending
	p.mu.Unlock()
	s.log.Debug("took partition", "partition", p.n, "backlog", p.want)
	cc, err := cons.Consume(p.delivered, jetstream.PullMaxMessages(4096), jetstream.PullExpiry(pullExpiry),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				s.log.Debug("consuming", "partition", p.n, "err", err)
			}
		}))
	if err != nil {
		s.logUnlessClosing("consuming", p.n, err)
		s.dropPartition(p, true)
		return
	}
	p.mu.Lock()
	stopped := p.stopped
	p.cc = cc
	caughtUp := p.got >= p.want
	p.mu.Unlock()
	if stopped {
		cc.Stop()
		return
	}
	if caughtUp {
		p.serve()
	}
}

// logUnlessClosing logs a partition's failure to start as an error,
// unless the front end is closing, which cancels what was under way.
func (s *Store) logUnlessClosing(what string, partition int, err error) {
	if s.ctx.Err() != nil {
		s.log.Debug(what, "partition", partition, "err", err)
		return
	}
	s.log.Error(what, "partition", partition, "err", err)
}

// delivered indexes one envelope the consumer delivered (headers only).
func (p *part) delivered(m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		return
	}
	owner, ok := subjectOwner(m.Subject())
	if !ok {
		m.Term()
		return
	}
	size, _ := strconv.ParseInt(m.Headers().Get("Nats-Msg-Size"), 10, 64)
	recv, _ := strconv.ParseInt(m.Headers().Get(hdrReceived), 10, 64)
	seq := meta.Sequence.Stream
	p.mu.Lock()
	e := p.bySeq[seq]
	ackNow := false
	switch {
	case e == nil:
		e = &entry{owner: owner, size: size, quota: m.Headers().Get(hdrQuota), received: recv,
			expires: expiresAt(m.Headers(), recv)}
		p.bySeq[seq] = e
		p.count(e, 1)
		p.track(seq, e)
	case e.acked:
		delete(p.bySeq, seq)
		ackNow = true
	}
	late := e.ackDone
	e.reply = m.Reply()
	serve := false
	if !p.ready {
		p.got++
		serve = p.got >= p.want && p.cc != nil
	}
	p.mu.Unlock()
	if ackNow {
		go func() {
			ctx, cancel := p.s.opCtx()
			defer cancel()
			m.DoubleAck(ctx)
			close(late)
		}()
	}
	if serve {
		go p.serve() // not in the consumer's callback: it waits on the server
	}
}

// count adds (n=1) or removes (n=-1) an envelope from its mailbox's usage
// (p.mu held).
func (p *part) count(e *entry, n int64) {
	b := p.box(e.owner)
	b.use.add(n, e.size)
	p.bytes += n * e.size
	if e.quota != "" {
		q := b.quotas[e.quota]
		if q == nil {
			q = &usage{}
			b.quotas[e.quota] = q
		}
		q.add(n, e.size)
	}
}

// box returns owner's box, making an empty one (p.mu held).
func (p *part) box(owner keys.PublicKey) *box {
	b := p.boxes[owner]
	if b == nil {
		b = &box{quotas: map[string]*usage{}}
		p.boxes[owner] = b
	}
	b.used = true
	return b
}

// forgetIdle drops, once the partition keeps more than max boxes, those
// of mailboxes that hold no envelope here and were not used since the
// last call (p.mu held), and returns how many. Their tokens are read
// again from the keys bucket on their next use. A box with envelopes is
// kept whatever its age: the index counts them against it.
func (p *part) forgetIdle(max int) int {
	if len(p.boxes) <= max {
		return 0
	}
	n := 0
	for owner, b := range p.boxes {
		if b.use.count == 0 && !b.used {
			delete(p.boxes, owner)
			n++
			continue
		}
		b.used = false
	}
	return n
}

// serve starts answering the partition's requests and marks the lease
// ready, which wakes the requests waiting for it.
func (p *part) serve() {
	s := p.s
	sub, err := s.nc.Subscribe(rpcPrefix+strconv.Itoa(p.n), s.serveRequest(p))
	if err != nil {
		s.log.Error("serving partition", "partition", p.n, "err", err)
		s.dropPartition(p, true)
		return
	}
	p.mu.Lock()
	if p.stopped || p.ready {
		p.mu.Unlock()
		sub.Unsubscribe()
		return
	}
	p.sub, p.ready = sub, true
	p.mu.Unlock()
	s.log.Debug("serving partition", "partition", p.n)
	s.nc.Flush()
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.LeaseTTL)
	defer cancel()
	if err := p.renew(ctx); err != nil {
		s.log.Warn("marking partition ready", "partition", p.n, "err", err)
	}
	s.lease.mu.Lock()
	s.lease.notify()
	s.lease.mu.Unlock()
}

// stopServing ends the requests and the consumer; the index goes.
func (p *part) stopServing() {
	p.mu.Lock()
	if !p.stopped {
		close(p.done) // acks awaiting a delivery here try the next holder
	}
	p.stopped, p.ready = true, false
	sub, cc := p.sub, p.cc
	p.mu.Unlock()
	if sub != nil {
		sub.Unsubscribe()
	}
	if cc != nil {
		cc.Stop()
	}
}

// subjectOwner parses the owner out of mbox.<partition>.<owner>.
func subjectOwner(subject string) (keys.PublicKey, bool) {
	i := strings.LastIndexByte(subject, '.')
	var owner keys.PublicKey
	if i < 0 || len(subject)-i-1 != 2*len(owner) {
		return owner, false
	}
	if _, err := hex.Decode(owner[:], []byte(subject[i+1:])); err != nil {
		return owner, false
	}
	return owner, true
}
