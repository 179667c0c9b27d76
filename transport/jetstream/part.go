package jetstream

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
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

	leaseMu  sync.Mutex // serializes the lease's updates
	leaseEnd time.Time  // (leaseMu) when the lease ends unrenewed: its last write's sending plus the TTL

	mu       sync.Mutex
	rev      uint64 // the lease's revision
	ready    bool   // caught up and serving
	stopped  bool
	done     chan struct{} // closed when it stops being served here
	want     uint64        // messages stored when the consumer was made
	got      uint64        // of those, how many arrived
	cc       jetstream.ConsumeContext
	sub      *nats.Subscription
	bytes    int64 // of all its envelopes
	boxes    map[keys.PublicKey]*box
	byID     map[uint64]*entry       // the envelopes, by id
	segs     map[uint64]*segment     // the segments holding them, by stream sequence
	recs     map[uint64]*ackRec      // the ack records naming them, by stream sequence
	dedups   map[depositID]dedupSeen // the deposits of the last dupWindow, to their ids
	inflight map[depositID]*deposit  // the deposits of the writer's batch being stored
	recent   []dedupItem             // dedups in the order they came, to forget them
	head     int                     // recent[:head] are forgotten
	ttls     ttlHeap                 // the envelopes of byID with a lifetime (see ttl.go)
}

// box is what a holder keeps of one mailbox.
type box struct {
	used   bool // since the last forgetIdle
	exists bool // the owner record was seen (never cached absent)
	tokens map[mailbox.TokenHash]mailbox.TokenKind
	use    usage
	quotas map[string]*usage // by quota (see segEntry)
	ids    []uint64          // its envelopes' ids, in order
}

// loaded reports whether the box has its owner record and tokens read.
func (b *box) loaded() bool { return b.exists && b.tokens != nil }

// usage is an envelope count and bytes.
type usage struct{ count, bytes int64 }

func (u *usage) add(n, size int64) { u.count += n; u.bytes += n * size }

// entry is one stored envelope in a holder's index.
type entry struct {
	owner    keys.PublicKey
	size     int64
	offset   int64 // in its segment's data
	quota    string
	received int64 // ms
	expires  int64 // ms, from its lifetime; 0 for none
	dedup    depositID
}

// segment is what the index keeps of a stored segment.
type segment struct {
	live  int      // its envelopes still in the index
	reply string   // the consumer's ack subject, once delivered
	ttl   bool     // NATS deletes it by itself (a lifetime)
	recs  []uint64 // the ack records naming it
}

// ackRec is what the index keeps of a delivered ack record: it is
// acknowledged once no segment it names is stored and its deposit ids
// are past the dedup window.
type ackRec struct {
	reply  string
	live   int   // the segments it names still stored
	stored int64 // ms
}

// dedupSeen is a remembered deposit's envelope id, and when it was last
// seen (ms): stored, or acknowledged.
type dedupSeen struct {
	id uint64
	at int64
}

// dedupItem is one deposit id remembered, and since when (ms).
type dedupItem struct {
	id depositID
	at int64
}

func newPart(s *Store, n int, rev uint64) *part {
	return &part{s: s, n: n, rev: rev, boxes: map[keys.PublicKey]*box{}, byID: map[uint64]*entry{},
		segs: map[uint64]*segment{}, recs: map[uint64]*ackRec{}, dedups: map[depositID]dedupSeen{},
		inflight: map[depositID]*deposit{},
		done:     make(chan struct{})}
}

// renew writes the lease again (its value, and a new TTL), and reports
// whether it is still held. A write left unanswered (a cluster too busy
// to answer within the round, or a node lost) keeps it until it ends, as
// NATS does, and the next round writes again: dropped at once, every
// partition of a front end under load was lost and taken again (R3 load,
// 64 partitions: leases renewed one after another outlasted the round's
// timeout). A write refused because the lease changed keeps it only if
// the lease still names this front end: an earlier write was stored and
// its answer lost.
func (p *part) renew(ctx context.Context) (bool, error) {
	p.leaseMu.Lock()
	defer p.leaseMu.Unlock()
	ctx, cancel := context.WithDeadline(ctx, p.leaseEnd)
	defer cancel()
	key := partitionKey(p.n)
	sent := time.Now()
	rev, err := p.s.leases.Update(ctx, key, []byte(p.leaseValue()), p.leaseRev())
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		e, getErr := p.s.leases.Get(ctx, key)
		switch {
		case getErr == nil && holderName(string(e.Value())) == p.s.cfg.Name:
			sent = time.Now()
			rev, err = p.s.leases.Update(ctx, key, []byte(p.leaseValue()), e.Revision())
		case getErr == nil || errors.Is(getErr, jetstream.ErrKeyNotFound):
			return false, err // another front end's, or expired
		default:
			err = getErr
		}
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return false, err
	}
	if err != nil {
		return time.Now().Before(p.leaseEnd), err
	}
	p.setLeaseRev(rev)
	p.leaseEnd = sent.Add(p.s.cfg.LeaseTTL)
	return true, nil
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
		return
	}
	p.awaitCaughtUp(cons)
}

// awaitCaughtUp serves the partition once its consumer has nothing left to
// deliver and every delivery was indexed, should the count taken when the
// consumer was made never be reached: a message deleted before its
// delivery (a late ack from the partition's previous holder, whose
// consumer had the same name; an expiry) is never delivered. It checks
// once a second until the partition serves or stops.
func (p *part) awaitCaughtUp(cons jetstream.Consumer) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-p.done:
			return
		}
		p.mu.Lock()
		ready, got := p.ready, p.got
		p.mu.Unlock()
		if ready {
			return
		}
		ctx, cancel := p.s.opCtx()
		info, err := cons.Info(ctx)
		cancel()
		if err == nil && info.NumPending == 0 && info.Delivered.Consumer <= got {
			p.s.log.Debug("partition caught up short of its count", "partition", p.n, "got", got)
			p.serve()
			return
		}
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

// delivered indexes a message the consumer delivered (headers only): a
// segment (its envelopes, unless indexed already), or an ack record (its
// envelopes leave the index). Either is acknowledged at once if nothing
// it holds or names is left.
func (p *part) delivered(m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		return
	}
	seq := meta.Sequence.Stream
	var replies []string
	p.mu.Lock()
	switch {
	case strings.HasSuffix(m.Subject(), segmentSuffix):
		replies = p.deliveredSegment(m, seq)
	case strings.HasSuffix(m.Subject(), ackSuffix):
		replies = p.deliveredAcks(m, seq)
	default:
		replies = []string{m.Reply()} // not ours: let it go
		p.s.log.Warn("dropping a message of unknown subject", "partition", p.n, "subject", m.Subject())
	}
	serve := false
	if !p.ready {
		// Caught up: as many as were stored when the consumer was made,
		// or none left after this one (the count may have changed since).
		p.got++
		serve = (p.got >= p.want || meta.NumPending == 0) && p.cc != nil
	}
	p.mu.Unlock()
	if len(replies) > 0 {
		go p.s.ackAll(replies) // a failure leaves it stored: the next holder sees it again
	}
	if serve {
		go p.serve() // not in the consumer's callback: it waits on the server
	}
}

// deliveredSegment indexes a delivered segment (p.mu held) and returns
// the acks to send: its own if none of its envelopes is left.
func (p *part) deliveredSegment(m jetstream.Msg, seq uint64) []string {
	sg := p.segs[seq]
	if sg == nil { // a segment the writer here has not indexed yet, or another holder's
		size, _ := strconv.ParseInt(m.Headers().Get("Nats-Msg-Size"), 10, 64)
		entries, err := parseTable(m.Headers().Get(hdrTable), size)
		if err != nil {
			p.s.log.Error("dropping a segment whose table does not parse", "partition", p.n, "seq", seq, "err", err)
			return []string{m.Reply()}
		}
		sg = p.addSegment(seq, entries, m.Headers().Get(jetstream.MsgTTLHeader) != "")
	}
	sg.reply = m.Reply()
	if sg.live == 0 {
		return p.dropSegment(seq, sg, nil)
	}
	return nil
}

// deliveredAcks applies a delivered ack record (p.mu held) and returns
// the acks to send.
func (p *part) deliveredAcks(m jetstream.Msg, seq uint64) []string {
	acks, err := parseAcks(m.Headers().Get(hdrAcks))
	if err != nil {
		p.s.log.Error("dropping an ack record that does not parse", "partition", p.n, "seq", seq, "err", err)
		return []string{m.Reply()}
	}
	stored := time.Now().UnixMilli()
	if meta, err := m.Metadata(); err == nil {
		stored = meta.Timestamp.UnixMilli()
	}
	var replies []string
	named := map[uint64]bool{}
	recent := stored > time.Now().UnixMilli()-dupWindow.Milliseconds()
	for _, a := range acks {
		if e := p.byID[a.id]; e != nil {
			replies = p.removeEntry(a.id, e, replies)
		}
		if recent {
			p.remember(a.dedup, a.id, stored)
		}
		segSeq, _ := segmentOf(a.id)
		if sg := p.segs[segSeq]; sg != nil && !named[segSeq] {
			named[segSeq] = true
			sg.recs = append(sg.recs, seq)
		}
	}
	rec := &ackRec{reply: m.Reply(), live: len(named), stored: stored}
	p.recs[seq] = rec
	if len(named) == 0 {
		return p.releaseRec(seq, rec, replies)
	}
	return replies
}

// addSegment indexes a stored segment's envelopes (p.mu held).
func (p *part) addSegment(seq uint64, entries []segEntry, ttl bool) *segment {
	sg := &segment{ttl: ttl}
	p.segs[seq] = sg
	var off int64
	now := time.Now()
	for i, t := range entries {
		e := &entry{owner: t.owner, size: t.size, offset: off, quota: t.quota, received: t.received, dedup: t.dedup}
		if t.ttl != 0 {
			e.expires = t.received + t.ttl*1000
		}
		off += t.size
		if expired(e.expires, now) {
			continue // gone, or about to be: NATS deletes it
		}
		id := envelopeID(seq, i)
		p.byID[id] = e
		p.count(e, 1)
		b := p.box(e.owner)
		b.ids = insertID(b.ids, id)
		p.track(id, e)
		p.remember(t.dedup, id, t.received)
		sg.live++
	}
	return sg
}

// removeEntry takes an envelope out of the index and its usage (p.mu
// held), and returns replies with the acks to send added: its segment's
// if it held nothing else, and then the ack records left naming nothing.
func (p *part) removeEntry(id uint64, e *entry, replies []string) []string {
	delete(p.byID, id)
	p.count(e, -1)
	if b := p.boxes[e.owner]; b != nil {
		b.ids = deleteID(b.ids, id)
	}
	seq, _ := segmentOf(id)
	sg := p.segs[seq]
	if sg == nil {
		return replies
	}
	sg.live--
	if sg.live > 0 || sg.reply == "" {
		return replies // still holding others, or not delivered yet (then acked on delivery)
	}
	return p.dropSegment(seq, sg, replies)
}

// dropSegment forgets a segment with nothing left (p.mu held) and returns
// replies with its ack added (none for one NATS deletes by itself), and
// those of the ack records that named only it.
func (p *part) dropSegment(seq uint64, sg *segment, replies []string) []string {
	delete(p.segs, seq)
	if sg.reply != "" {
		replies = append(replies, sg.reply)
	}
	for _, r := range sg.recs {
		rec := p.recs[r]
		if rec == nil {
			continue
		}
		if rec.live--; rec.live == 0 {
			replies = p.releaseRec(r, rec, replies)
		}
	}
	return replies
}

// releaseRec acknowledges an ack record that names no stored segment
// (p.mu held), once it is past the dedup window; before, it stays, and
// sweepRecs acknowledges it later. Why keep it: it tells a later holder
// the deposit ids of envelopes whose segments are gone, so that a deposit
// asked again after a front end died is not stored twice.
func (p *part) releaseRec(seq uint64, rec *ackRec, replies []string) []string {
	if rec.stored > time.Now().UnixMilli()-dupWindow.Milliseconds() {
		return replies
	}
	delete(p.recs, seq)
	return append(replies, rec.reply)
}

// sweepRecs acknowledges the ack records that name no stored segment and
// are past the dedup window (p.mu held), and returns their acks.
func (p *part) sweepRecs() []string {
	var replies []string
	for seq, rec := range p.recs {
		if rec.live == 0 {
			replies = p.releaseRec(seq, rec, replies)
		}
	}
	return replies
}

// remember notes a deposit's id (p.mu held), and forgets those older than
// the dedup window.
func (p *part) remember(d depositID, id uint64, at int64) {
	if d == (depositID{}) {
		return
	}
	if seen, ok := p.dedups[d]; !ok || at >= seen.at {
		p.dedups[d] = dedupSeen{id, at}
	}
	p.recent = append(p.recent, dedupItem{d, at})
	p.forgetDedups(at - dupWindow.Milliseconds())
}

// forgetDedups forgets the deposit ids not seen since cut (ms) (p.mu
// held). remember calls it, and so does each lease round: after a burst
// and silence, the ids would otherwise stay until the partition's next
// deposit.
func (p *part) forgetDedups(cut int64) {
	for p.head < len(p.recent) && p.recent[p.head].at < cut {
		// An id seen again since (its ack, after its deposit) stays.
		if it := p.recent[p.head]; p.dedups[it.id].at <= it.at {
			delete(p.dedups, it.id)
		}
		p.head++
	}
	// Why a head and not a copy per call: the window holds minutes of
	// deposits; moving them all for each one forgotten would make every
	// deposit cost the window's size. Compacted once half is behind.
	if p.head > len(p.recent)/2 {
		n := copy(p.recent, p.recent[p.head:])
		clear(p.recent[n:])
		p.recent, p.head = p.recent[:n], 0
	}
}

// insertID adds id to the sorted ids.
func insertID(ids []uint64, id uint64) []uint64 {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

// deleteID removes id from the sorted ids.
func deleteID(ids []uint64, id uint64) []uint64 {
	if i, found := slices.BinarySearch(ids, id); found {
		return slices.Delete(ids, i, i+1)
	}
	return ids
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
	if _, err := p.renew(ctx); err != nil {
		// The lease round writes it again, ready, or drops the partition.
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
		// Drained, not unsubscribed: the requests already queued here are
		// answered "not the holder", and asked again at once, where
		// unsubscribing dropped them to wait out their timeout.
		sub.Drain()
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
