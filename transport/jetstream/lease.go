package jetstream

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// leaseState is what a front end knows of the partition leases: who holds
// each (from a watch on the lease bucket), which it holds itself, and a
// channel closed at every change, for requests waiting for a partition
// to find a holder.
type leaseState struct {
	mu        sync.Mutex
	holders   map[int]string       // partition → lease value ("name" or "name ready")
	frontEnds map[string]int64     // live front ends, from their presence keys: the bytes they hold
	seen      map[string]time.Time // when each front end's presence was last announced, as watched
	ttl       time.Duration        // the lease TTL
	held      map[int]*part        // partitions this front end holds
	changed   chan struct{}
	stopTick  chan struct{}
	loopDone  chan struct{}
	started   bool // the loop runs
	watcher   jetstream.KeyWatcher
}

// present reports whether the front end holding a lease (its value) is
// announced, and was within a lease TTL (l.mu held). Why the time as
// well: a front end announces itself every lease round, and one whose
// presence key stopped changing is gone, even if the watch missed its
// key's deletion (seen on a cluster whose node serving the watch was
// killed); its leases are then tried, which fails while they are held.
func (l *leaseState) present(value string) bool {
	name := holderName(value)
	_, ok := l.frontEnds[name]
	return ok && time.Since(l.seen[name]) < l.ttl
}

// liveFrontEnds counts the front ends present, at least one (l.mu held).
func (l *leaseState) liveFrontEnds() int {
	n := 0
	for name := range l.frontEnds {
		if l.present(name) {
			n++
		}
	}
	return max(n, 1)
}

// readySuffix marks a lease whose holder serves the partition.
const readySuffix = " ready"

// holderName is the front end a lease's value names.
func holderName(value string) string { return strings.TrimSuffix(value, readySuffix) }

// changes returns a channel closed at the next change of the leases.
func (l *leaseState) changes() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// notify closes the change channel (l.mu held).
func (l *leaseState) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// startLeases starts the watch on the lease bucket and the loop that
// takes, renews, balances and gives up leases.
func (s *Store) startLeases(ctx context.Context) error {
	l := &s.lease
	l.holders, l.frontEnds, l.held = map[int]string{}, map[string]int64{}, map[int]*part{}
	l.seen, l.ttl = map[string]time.Time{}, s.cfg.LeaseTTL
	l.changed, l.stopTick, l.loopDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	w, err := s.leases.WatchAll(s.ctx)
	if err != nil {
		return err
	}
	l.watcher = w
	initial := make(chan struct{})
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.watchLeases(w, initial) }()
	select {
	case <-initial:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.lease.started = true
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.leaseLoop() }()
	return nil
}

// watchLeases keeps the lease map current until the store closes.
func (s *Store) watchLeases(w jetstream.KeyWatcher, initial chan struct{}) {
	l := &s.lease
	for e := range w.Updates() {
		if e == nil {
			close(initial)
			continue
		}
		deleted := e.Operation() != jetstream.KeyValuePut
		l.mu.Lock()
		switch k := e.Key(); {
		case strings.HasPrefix(k, "fe."):
			if deleted {
				delete(l.frontEnds, k[3:])
				delete(l.seen, k[3:])
			} else {
				n, _ := strconv.ParseInt(string(e.Value()), 10, 64)
				l.frontEnds[k[3:]] = n
				l.seen[k[3:]] = time.Now()
			}
		case strings.HasPrefix(k, "p."):
			n, err := strconv.Atoi(k[2:])
			if err != nil {
				break
			}
			if deleted {
				delete(l.holders, n)
			} else {
				l.holders[n] = string(e.Value())
			}
		}
		l.notify()
		l.mu.Unlock()
	}
}

// leaseLoop runs a lease round at once and then three times per TTL.
func (s *Store) leaseLoop() {
	defer close(s.lease.loopDone)
	t := time.NewTicker(s.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		s.leaseRound()
		select {
		case <-t.C:
		case <-s.lease.stopTick:
			return
		}
	}
}

// leaseRound announces this front end, renews its leases, and takes or
// gives up partitions towards an even share.
func (s *Store) leaseRound() {
	l := &s.lease
	l.mu.Lock()
	held := make([]*part, 0, len(l.held))
	for _, p := range l.held {
		held = append(held, p)
	}
	n := l.liveFrontEnds()
	l.mu.Unlock()
	kept := s.renewAll(held)
	idle := max(16, s.cfg.IdleMailboxes/max(1, len(held)))
	for i, p := range held {
		if !kept[i] {
			s.dropPartition(p, false)
			continue
		}
		p.mu.Lock()
		p.forgetIdle(idle)
		p.forgetDedups(time.Now().UnixMilli() - dupWindow.Milliseconds())
		replies := p.sweepRecs()
		p.mu.Unlock()
		if len(replies) > 0 {
			go s.ackConsumed(p, replies)
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.LeaseTTL/3)
	defer cancel()
	s.balance(ctx, (s.cfg.Partitions+n-1)/n)
}

// renewAll announces this front end and renews the leases held, all at
// once, each write given a lease round; it reports which leases are still
// held. One after another, the writes of a cluster under load outlasted
// the round.
func (s *Store) renewAll(held []*part) []bool {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.LeaseTTL/3)
	defer cancel()
	kept := make([]bool, len(held))
	var unanswered atomic.Int32
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := s.leases.Put(ctx, "fe."+s.cfg.Name, []byte(strconv.FormatInt(s.heldBytes(), 10))); err != nil {
			s.log.Warn("announcing front end", "err", err)
		}
	})
	for i, p := range held {
		wg.Go(func() {
			var err error
			kept[i], err = p.renew(ctx)
			switch {
			case !kept[i]:
				s.log.Warn("lost partition lease", "partition", p.n, "err", err)
			case err != nil:
				unanswered.Add(1)
			}
		})
	}
	wg.Wait()
	if n := unanswered.Load(); n > 0 {
		s.log.Warn("partition leases not renewed this round; held until they end", "leases", n, "err", ctx.Err())
	}
	return kept
}

// balance gives up partitions beyond target, or takes free ones up to it.
func (s *Store) balance(ctx context.Context, target int) {
	l := &s.lease
	l.mu.Lock()
	have := len(l.held)
	var extra []*part
	var free []int
	if have > target {
		for _, p := range l.held {
			if len(extra) < have-target {
				extra = append(extra, p)
			}
		}
	} else if have < target {
		for n := range s.cfg.Partitions {
			// Free: no lease, or one whose front end is gone (its lease
			// expires soon, if the expiry was not seen).
			if h, taken := l.holders[n]; !taken || !l.present(h) {
				free = append(free, n)
			}
		}
	}
	l.mu.Unlock()
	for _, p := range extra {
		s.dropPartition(p, true)
	}
	rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	for _, n := range free[:min(len(free), max(target-have, 0))] {
		sent := time.Now()
		rev, err := s.leases.Create(ctx, partitionKey(n), []byte(s.cfg.Name))
		if err != nil {
			if !errors.Is(err, jetstream.ErrKeyExists) {
				s.log.Warn("taking partition", "partition", n, "err", err)
			}
			continue
		}
		p := newPart(s, n, rev)
		p.leaseEnd = sent.Add(s.cfg.LeaseTTL)
		l.mu.Lock()
		l.held[n] = p
		l.mu.Unlock()
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.startPartition(p) }()
	}
}

// dropPartition stops serving a partition; release also deletes its lease
// (a partition given up on purpose, rather than lost), so that another
// front end takes it at once.
func (s *Store) dropPartition(p *part, release bool) {
	l := &s.lease
	l.mu.Lock()
	if l.held[p.n] != p {
		l.mu.Unlock()
		return
	}
	delete(l.held, p.n)
	l.notify()
	l.mu.Unlock()
	p.stopServing()
	if release {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LeaseTTL)
		defer cancel()
		if err := p.release(ctx); err != nil {
			s.log.Warn("giving up partition", "partition", p.n, "err", err)
		}
	}
}

// stopLeases ends the lease loop (Close).
func (s *Store) stopLeases() {
	if s.lease.stopTick == nil {
		return
	}
	close(s.lease.stopTick)
	if s.lease.started {
		<-s.lease.loopDone
	}
}

// releaseAll gives up every partition held and this front end's
// presence (Close).
func (s *Store) releaseAll() {
	s.lease.mu.Lock()
	var held []*part
	for _, p := range s.lease.held {
		held = append(held, p)
	}
	s.lease.mu.Unlock()
	for _, p := range held {
		s.dropPartition(p, true)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LeaseTTL)
	defer cancel()
	s.leases.Delete(ctx, "fe."+s.cfg.Name)
}

// heldBytes are the envelope bytes in the partitions held here.
func (s *Store) heldBytes() int64 {
	var n int64
	for _, p := range s.heldParts() {
		p.mu.Lock()
		n += p.bytes
		p.mu.Unlock()
	}
	return n
}

// totalBytes are the envelope bytes of all mailboxes, for MaxTotalBytes:
// those of the partitions held here, exactly, and the others' as their
// holders last announced them (each lease round). Why not the stream's
// byte count: it includes subjects and headers, and is one request away.
// So with several front ends the limit may be passed by what they store
// within a lease round; nothing stored is ever dropped for it.
func (s *Store) totalBytes() int64 {
	s.lease.mu.Lock()
	var n int64
	for name, b := range s.lease.frontEnds {
		if name != s.cfg.Name {
			n += b
		}
	}
	held := make([]*part, 0, len(s.lease.held))
	for _, p := range s.lease.held {
		held = append(held, p)
	}
	s.lease.mu.Unlock()
	for _, p := range held {
		p.mu.Lock()
		n += p.bytes
		p.mu.Unlock()
	}
	return n
}

// readyPart returns the partition if this front end holds it and serves
// it, else nil.
func (s *Store) readyPart(n int) *part {
	s.lease.mu.Lock()
	p := s.lease.held[n]
	s.lease.mu.Unlock()
	if p == nil || !p.isReady() {
		return nil
	}
	return p
}
