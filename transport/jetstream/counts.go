package jetstream

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
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
			n, _, err := s.readCount(ctx, p)
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

// readCount reads partition p's count and its revision (0 if unset).
func (s *Store) readCount(ctx context.Context, p int) (int, uint64, error) {
	e, err := s.index.Get(ctx, countKey(p))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	if len(e.Value()) != 8 {
		return 0, 0, fmt.Errorf("%w: mailbox count", ErrRecord)
	}
	return int(binary.BigEndian.Uint64(e.Value())), e.Revision(), nil
}

// countChange adds delta to partition p's count, and to this front end's
// sum until it reads the counts again. A failure is logged: the mailbox
// was created, and the next expiry pass sets the count.
func (s *Store) countChange(ctx context.Context, p, delta int) {
	s.countMu.Lock()
	s.counts.total += delta
	s.countMu.Unlock()
	for range maxRetries {
		n, rev, err := s.readCount(ctx, p)
		if err != nil {
			break
		}
		v := binary.BigEndian.AppendUint64(nil, uint64(max(n+delta, 0)))
		if rev == 0 {
			_, err = s.index.Create(ctx, countKey(p), v)
		} else {
			_, err = s.index.Update(ctx, countKey(p), v, rev)
		}
		if err == nil {
			return
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			break
		}
	}
	s.log.Warn("counting a new mailbox failed; the next expiry pass counts it", "partition", p)
}

// setCount sets partition p's count to n, as its shards were just read.
func (s *Store) setCount(ctx context.Context, p, n int) {
	if _, err := s.index.Put(ctx, countKey(p), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
		s.log.Warn("storing a mailbox count failed", "partition", p, "err", err)
	}
}
