package jetstream

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"ratchat/transport/mailbox"
)

// The number of mailboxes, for [mailbox.Options.MaxMailboxes]: each
// partition's count is a key of the index bucket, n.<partition>, raised
// by compare-and-set when a mailbox is created, and set to what the
// shards hold by each expiry pass of the partition's holder (which
// mends what a front end dying between a creation and its count left
// out). A front end reads the counts at most every countFresh.

// countFresh is how long a front end uses the sum of the counts it read.
const countFresh = time.Second

// mailboxCounts is a front end's last sum of the partitions' counts.
type mailboxCounts struct {
	at    time.Time
	total int
}

// mayCreateMailbox refuses a new mailbox past MaxMailboxes.
func (s *Store) mayCreateMailbox(ctx context.Context) error {
	if s.cfg.Limits.MaxMailboxes <= 0 {
		return nil
	}
	s.countMu.Lock()
	defer s.countMu.Unlock()
	if time.Since(s.counts.at) >= countFresh {
		total := 0
		for p := range s.cfg.Partitions {
			n, _, err := s.readCount(ctx, p, false)
			if err != nil {
				return fmt.Errorf("jetstream: counting mailboxes: %w", err)
			}
			total += n
		}
		s.counts = mailboxCounts{at: time.Now(), total: total}
	}
	if s.counts.total >= s.cfg.Limits.MaxMailboxes {
		return mailbox.ErrFull
	}
	return nil
}

// readCount reads partition p's count and its revision (0 if unset),
// from the stream's leader if leader.
func (s *Store) readCount(ctx context.Context, p int, leader bool) (int, uint64, error) {
	v, rev, err := s.indexGet(ctx, countKey(p), leader)
	if err != nil || rev == 0 {
		return 0, 0, err
	}
	if len(v) != 8 {
		return 0, 0, fmt.Errorf("%w: mailbox count", ErrRecord)
	}
	return int(binary.BigEndian.Uint64(v)), rev, nil
}

// partCount is what a front end last read or wrote of a partition's
// count, so that a change is one write when nobody else changed it.
type partCount struct {
	mu    sync.Mutex
	known bool
	n     int
	rev   uint64
}

// countChange adds delta to partition p's count, and to this front end's
// sum until it reads the counts again. A failure is logged: the mailbox
// was created, and the next expiry pass sets the count.
func (s *Store) countChange(ctx context.Context, p, delta int) {
	s.countMu.Lock()
	s.counts.total += delta
	s.countMu.Unlock()
	c := &s.partCounts[p]
	c.mu.Lock()
	defer c.mu.Unlock()
	for try := range maxRetries {
		if !c.known {
			n, rev, err := s.readCount(ctx, p, try > 0)
			if err != nil {
				break
			}
			c.n, c.rev, c.known = n, rev, true
		}
		n := max(c.n+delta, 0)
		v := binary.BigEndian.AppendUint64(nil, uint64(n))
		var rev uint64
		var err error
		if c.rev == 0 {
			rev, err = s.index.Create(ctx, countKey(p), v)
		} else {
			rev, err = s.index.Update(ctx, countKey(p), v, c.rev)
		}
		if err == nil {
			c.n, c.rev = n, rev
			return
		}
		c.known = false
		if !casConflict(err) && !errors.Is(err, jetstream.ErrKeyNotFound) || casWait(ctx, try) != nil {
			break
		}
	}
	s.log.Warn("counting a new mailbox failed; the next expiry pass counts it", "partition", p)
}

// setCount sets partition p's count to n, as its shards were just read.
func (s *Store) setCount(ctx context.Context, p, n int) {
	c := &s.partCounts[p]
	c.mu.Lock()
	defer c.mu.Unlock()
	rev, err := s.index.Put(ctx, countKey(p), binary.BigEndian.AppendUint64(nil, uint64(n)))
	if err != nil {
		c.known = false
		s.log.Warn("storing a mailbox count failed", "partition", p, "err", err)
		return
	}
	c.n, c.rev, c.known = n, rev, true
}
