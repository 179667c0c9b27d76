package jetstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// maxRetries bounds the compare-and-set rounds of one key-value update
// that other front ends keep changing.
const maxRetries = 16

// Register implements [mailbox.Backend].
func (s *Store) Register(owner keys.PublicKey, now time.Time) (bool, error) {
	return s.RegisterWith(owner, now, nil)
}

// RegisterWith implements [mailbox.Backend]: the owner's line is added to
// its index shard (by compare-and-set, so that of two front ends
// creating it one does) or its time seen updated, when it is older than
// seenEvery. [mailbox.Options.MaxMailboxes] is checked against the
// partitions' counts, read at most once a second: it may be passed by
// the registrations of that second.
func (s *Store) RegisterWith(owner keys.PublicKey, now time.Time, mayCreate func() error) (bool, error) {
	if s.isClosed() {
		return false, mailbox.ErrClosed
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	ms := now.UnixMilli()
	lines, rev, err := s.readShard(ctx, partition(owner, s.cfg.Partitions), shardOf(owner), false)
	if err != nil {
		return false, fmt.Errorf("jetstream: registering: %w", err)
	}
	i, found := findLine(lines, owner)
	if found && ms-lines[i].Seen < seenEvery.Milliseconds() {
		return false, nil // the common case: one read
	}
	// (A follower may not have a line created a moment ago: then the
	// checks below are asked for nothing, and the compare-and-set, which
	// the leader decides, finds the line and records the visit. Why not
	// ask the leader first: its answer in JSON, for every new mailbox,
	// was 21 % of a front end's CPU while mailboxes were created.)
	if !found {
		if err := s.mayCreateMailbox(ctx); err != nil {
			return false, err
		}
		if mayCreate != nil {
			if err := mayCreate(); err != nil {
				return false, err
			}
		}
	}
	created := false
	err = s.changeLine(ctx, owner, &shardRead{lines, rev}, func(l *mboxLine, exists bool) (lineChange, error) {
		created = false
		switch {
		case !exists:
			// (If it existed at the read and was expired since, it is
			// created again without the checks: one visit, one
			// registration.)
			l.Created, l.Seen, created = ms, ms, true
			return lineWrite, nil
		case ms-l.Seen < seenEvery.Milliseconds():
			return lineKeep, nil
		default:
			l.Seen = ms
			return lineWrite, nil
		}
	})
	if err != nil {
		return false, fmt.Errorf("jetstream: registering: %w", err)
	}
	if created {
		s.countChange(ctx, partition(owner, s.cfg.Partitions), 1)
	}
	return created, nil
}

// Registered implements [mailbox.Backend].
func (s *Store) Registered(ctx context.Context, owner keys.PublicKey) (bool, error) {
	if s.isClosed() {
		return false, mailbox.ErrClosed
	}
	_, found, err := s.readLine(ctx, owner)
	if err != nil {
		return false, fmt.Errorf("jetstream: reading mailbox: %w", err)
	}
	return found, nil
}

// HomeIdentity implements [mailbox.Backend]: the first front end to start
// makes it, and all share it.
func (s *Store) HomeIdentity(ctx context.Context, rand io.Reader) (keys.PublicKey, error) {
	for range maxRetries {
		e, err := s.kv.Get(ctx, keyHome)
		if err == nil {
			return keys.NewPublicKey(e.Value())
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return keys.PublicKey{}, fmt.Errorf("jetstream: reading home identity: %w", err)
		}
		kp, err := keys.GenerateKeyPair(rand)
		if err != nil {
			return keys.PublicKey{}, err
		}
		if _, err := s.kv.Create(ctx, keyHome, kp.Public[:]); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return keys.PublicKey{}, fmt.Errorf("jetstream: storing home identity: %w", err)
		}
	}
	return keys.PublicKey{}, fmt.Errorf("jetstream: storing home identity: %w", jetstream.ErrKeyExists)
}

// ExpireMailboxes implements [mailbox.Backend]: the owners in keep count
// as seen now (any partition), then the mailboxes of the partitions held
// here not seen since cutoff go, with their envelopes, tokens and
// prekeys. A line goes by compare-and-set of its shard, so that an owner
// registering meanwhile keeps its mailbox. Each partition's mailbox count
// is set to what its shards hold after.
func (s *Store) ExpireMailboxes(cutoff time.Time, keep []keys.PublicKey, now time.Time) (int, int, int64, error) {
	for _, o := range keep {
		if _, err := s.Register(o, now); err != nil && !errors.Is(err, mailbox.ErrFull) {
			return 0, 0, 0, err
		}
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	mailboxes, envelopes, size := 0, 0, int64(0)
	for _, p := range s.heldParts() {
		m, e, sz, err := s.expireMailboxes(ctx, p, cutoff.UnixMilli())
		mailboxes, envelopes, size = mailboxes+m, envelopes+e, size+sz
		if err != nil {
			return mailboxes, envelopes, size, err
		}
	}
	return mailboxes, envelopes, size, nil
}

// expireMailboxes expires one partition's idle mailboxes, shard by shard.
func (s *Store) expireMailboxes(ctx context.Context, p *part, cutoff int64) (mailboxes, envelopes int, size int64, err error) {
	count := 0
	for sh := range shardsPerPartition {
		lines, _, err := s.readShard(ctx, p.n, sh, false)
		if err != nil {
			return mailboxes, envelopes, size, err
		}
		for _, l := range lines {
			if l.Seen >= cutoff {
				count++
				continue
			}
			var gone mboxLine
			err := s.changeLine(ctx, l.Owner, nil, func(now *mboxLine, found bool) (lineChange, error) {
				if !found || now.Seen >= cutoff {
					return lineKeep, errLineMoved // seen meanwhile, or gone
				}
				gone = *now
				return lineRemove, nil
			})
			if errors.Is(err, errLineMoved) {
				count++
				continue
			}
			if err != nil {
				return mailboxes, envelopes, size, fmt.Errorf("jetstream: expiring mailbox: %w", err)
			}
			mailboxes++
			s.dropRecord(ctx, gone.Tokens)
			s.dropRecord(ctx, gone.PreKeys)
			n, sz, err := s.expireLocal(p, 0, &l.Owner)
			envelopes, size = envelopes+n, size+sz
			if err != nil {
				return mailboxes, envelopes, size, err
			}
		}
	}
	s.setCount(ctx, p.n, count)
	return mailboxes, envelopes, size, nil
}
