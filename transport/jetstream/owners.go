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

// RegisterWith implements [mailbox.Backend]: the owner record is created
// (refusing a second creator by revision) or its time seen updated.
// [mailbox.Options.MaxMailboxes] is checked against the bucket's count
// of records, which other front ends change concurrently: it may be
// passed by as many registrations as run at once.
func (s *Store) RegisterWith(owner keys.PublicKey, now time.Time, mayCreate func() error) (bool, error) {
	if s.isClosed() {
		return false, mailbox.ErrClosed
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	key := recordKey("o", partition(owner, s.cfg.Partitions), owner)
	for range maxRetries {
		e, err := s.owners.Get(ctx, key)
		if err == nil {
			rec, err := parseOwnerRecord(e.Value())
			if err != nil {
				return false, err
			}
			rec.Seen = now.UnixMilli()
			if _, err := s.owners.Update(ctx, key, rec.marshal(), e.Revision()); errors.Is(err, jetstream.ErrKeyExists) {
				continue
			} else if err != nil {
				return false, fmt.Errorf("jetstream: registering: %w", err)
			}
			return false, nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return false, fmt.Errorf("jetstream: registering: %w", err)
		}
		if err := s.mayCreateMailbox(ctx); err != nil {
			return false, err
		}
		if mayCreate != nil {
			if err := mayCreate(); err != nil {
				return false, err
			}
		}
		rec := ownerRecord{Created: now.UnixMilli(), Seen: now.UnixMilli()}
		if _, err := s.owners.Create(ctx, key, rec.marshal()); errors.Is(err, jetstream.ErrKeyExists) {
			continue // registered meanwhile by another front end
		} else if err != nil {
			return false, fmt.Errorf("jetstream: registering: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("jetstream: registering: %w", jetstream.ErrKeyExists)
}

// mayCreateMailbox refuses a new mailbox past MaxMailboxes.
func (s *Store) mayCreateMailbox(ctx context.Context) error {
	if s.cfg.Limits.MaxMailboxes <= 0 {
		return nil
	}
	st, err := s.owners.Status(ctx)
	if err != nil {
		return fmt.Errorf("jetstream: counting mailboxes: %w", err)
	}
	if st.Values() >= uint64(s.cfg.Limits.MaxMailboxes) {
		return mailbox.ErrFull
	}
	return nil
}

// Registered implements [mailbox.Backend].
func (s *Store) Registered(ctx context.Context, owner keys.PublicKey) (bool, error) {
	if s.isClosed() {
		return false, mailbox.ErrClosed
	}
	_, err := s.owners.Get(ctx, recordKey("o", partition(owner, s.cfg.Partitions), owner))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jetstream: reading mailbox: %w", err)
	}
	return true, nil
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
// prekeys. The owner record goes first, by revision, so that an owner
// registering meanwhile keeps its mailbox.
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

// expireMailboxes expires one partition's idle mailboxes.
func (s *Store) expireMailboxes(ctx context.Context, p *part, cutoff int64) (mailboxes, envelopes int, size int64, err error) {
	w, err := s.owners.Watch(ctx, "o."+fmt.Sprint(p.n)+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return 0, 0, 0, fmt.Errorf("jetstream: listing mailboxes: %w", err)
	}
	defer w.Stop()
	var idle []jetstream.KeyValueEntry
	for e := range w.Updates() {
		if e == nil {
			break
		}
		if rec, err := parseOwnerRecord(e.Value()); err == nil && rec.Seen < cutoff {
			idle = append(idle, e)
		}
	}
	for _, e := range idle {
		owner, ok := subjectOwner(e.Key())
		if !ok {
			continue
		}
		err := s.owners.Delete(ctx, e.Key(), jetstream.LastRevision(e.Revision()))
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // seen meanwhile
		}
		if err != nil {
			return mailboxes, envelopes, size, fmt.Errorf("jetstream: expiring mailbox: %w", err)
		}
		mailboxes++
		n, sz, err := s.expireLocal(p, 0, &owner)
		envelopes, size = envelopes+n, size+sz
		if err != nil {
			return mailboxes, envelopes, size, err
		}
		for _, kind := range []string{"t", "k"} {
			if err := s.kv.Purge(ctx, recordKey(kind, p.n, owner)); err != nil {
				return mailboxes, envelopes, size, fmt.Errorf("jetstream: expiring mailbox: %w", err)
			}
		}
	}
	return mailboxes, envelopes, size, nil
}
