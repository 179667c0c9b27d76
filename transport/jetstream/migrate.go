package jetstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
)

// Moving the mailboxes' records from a key per mailbox (the buckets
// ratchat_owners and ratchat_keys of before the index) to the index. One
// front end does it, at its start, holding the layout record: it says
// so every migrateBeat, and the others, waiting to start, take the move
// over if the record has not changed for migrateStale (its front end
// died). Front ends of the version before the index must all be stopped
// first (docs/DEPLOY.md, Upgrade): one still running would write where
// nobody reads any more.
const (
	migrateBeat    = 5 * time.Second
	migrateTimeout = time.Hour
)

// migrateStale is how long a layout record saying "migrating" may stay
// unchanged before another front end takes the move over (a variable
// for the tests).
var migrateStale = time.Minute

// migrate waits until the records are in the index, moving them itself
// if nobody else is.
func (s *Store) migrate(ctx context.Context) error {
	// Why not the caller's context: a relay gives its start 30 s, and
	// moving a million mailboxes takes longer.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), migrateTimeout)
	defer cancel()
	var lastRev uint64
	var since time.Time
	for {
		e, err := s.kv.Get(ctx, keyLayout)
		if err != nil {
			return fmt.Errorf("jetstream: reading layout: %w", err)
		}
		have := string(e.Value())
		if err := s.compareLayout(have); !errors.Is(err, errOldRecords) {
			return err
		}
		stale := e.Revision() == lastRev && time.Since(since) >= migrateStale
		if !strings.Contains(have, layoutMigrating) || stale {
			rev, err := s.kv.Update(ctx, keyLayout, []byte(s.migrating()), e.Revision())
			if err == nil {
				return s.moveRecords(ctx, rev)
			}
			if !casConflict(err) {
				return fmt.Errorf("jetstream: recording layout: %w", err)
			}
			continue // another front end began meanwhile
		}
		if e.Revision() != lastRev {
			lastRev, since = e.Revision(), time.Now()
			s.log.Info("waiting for another front end to move the mailboxes' records to the index", "layout", have)
		}
		t := time.NewTimer(time.Second)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("jetstream: waiting for the records to move: %w", ctx.Err())
		}
	}
}

// oldMailbox is a mailbox in the buckets of before the index.
type oldMailbox struct {
	key   string
	value []byte
}

// moveRecords moves the records, holding the layout record at rev.
func (s *Store) moveRecords(ctx context.Context, rev uint64) error {
	beat := time.Now()
	holding := func() error {
		if time.Since(beat) < migrateBeat {
			return nil
		}
		r, err := s.kv.Update(ctx, keyLayout, []byte(s.migrating()), rev)
		if err != nil {
			return fmt.Errorf("jetstream: moving the records: the layout record changed (another front end took the move over?): %w", err)
		}
		rev, beat = r, time.Now()
		return nil
	}
	// What a move that stopped half-way left.
	if err := s.records.Purge(ctx); err != nil {
		return fmt.Errorf("jetstream: moving the records: %w", err)
	}
	str, err := s.js.Stream(ctx, kvStreamPrefix+bucketIndex)
	if err == nil {
		err = str.Purge(ctx)
	}
	if err != nil {
		return fmt.Errorf("jetstream: moving the records: %w", err)
	}
	olds, err := s.oldMailboxes(ctx)
	if err != nil {
		return err
	}
	s.log.Info("moving the mailboxes' records to the index", "mailboxes", len(olds))
	shards := map[[2]int][]mboxLine{}
	counts := make([]int, s.cfg.Partitions)
	for i, o := range olds {
		owner, ok := subjectOwner(o.key)
		rec, err := parseOwnerRecord(o.value)
		if !ok || err != nil {
			s.log.Warn("an owner record that does not parse, left out")
			continue
		}
		p := partition(owner, s.cfg.Partitions)
		l := mboxLine{Owner: owner, Created: rec.Created, Seen: rec.Seen}
		if l.Tokens, err = s.moveRecord(ctx, recTokens, p, owner); err != nil {
			return err
		}
		if l.PreKeys, err = s.moveRecord(ctx, recPreKeys, p, owner); err != nil {
			return err
		}
		k := [2]int{p, shardOf(owner)}
		shards[k] = append(shards[k], l)
		counts[p]++
		if err := holding(); err != nil {
			return err
		}
		if (i+1)%10000 == 0 {
			s.log.Info("moving the mailboxes' records", "done", i+1, "of", len(olds))
		}
	}
	for k, lines := range shards {
		slices.SortFunc(lines, func(a, b mboxLine) int { return bytes.Compare(a.Owner[:], b.Owner[:]) })
		if len(lines) > maxShardLines {
			return fmt.Errorf("jetstream: moving the records: %d mailboxes in one index shard", len(lines))
		}
		if _, err := s.index.Put(ctx, shardKey(k[0], k[1]), marshalShard(lines)); err != nil {
			return fmt.Errorf("jetstream: moving the records: %w", err)
		}
	}
	for p, n := range counts {
		s.setCount(ctx, p, n)
	}
	if _, err := s.kv.Update(ctx, keyLayout, []byte(s.wantLayout()), rev); err != nil {
		return fmt.Errorf("jetstream: moving the records: recording layout: %w", err)
	}
	s.log.Info("moved the mailboxes' records to the index", "mailboxes", len(olds))
	return nil
}

// oldMailboxes lists the owner records of before the index.
func (s *Store) oldMailboxes(ctx context.Context) ([]oldMailbox, error) {
	old, err := s.js.KeyValue(ctx, bucketOwners)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: moving the records: %w", err)
	}
	w, err := old.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("jetstream: moving the records: %w", err)
	}
	defer w.Stop()
	var olds []oldMailbox
	for {
		select {
		case e := <-w.Updates():
			if e == nil {
				return olds, nil
			}
			olds = append(olds, oldMailbox{e.Key(), e.Value()})
		case <-ctx.Done():
			return nil, fmt.Errorf("jetstream: moving the records: %w", ctx.Err())
		}
	}
}

// moveRecord stores owner's old record of kind as a record of the index,
// and returns its sequence (0 if it had none, or one that did not parse).
func (s *Store) moveRecord(ctx context.Context, kind byte, p int, owner keys.PublicKey) (uint64, error) {
	e, err := s.kv.Get(ctx, recordKey(string(kind), p, owner))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("jetstream: moving the records: %w", err)
	}
	v := e.Value()
	if kind == recTokens {
		_, err = parseTokens(v)
	} else {
		_, err = parsePreKeys(v)
	}
	if err != nil {
		s.log.Warn("a record that does not parse, left out", "kind", string(kind))
		return 0, nil
	}
	return s.putRecord(ctx, kind, owner, v)
}

// dropOldRecords deletes what the buckets of before the index hold of
// the mailboxes, once they are in the index (after a move, or at a
// later start if the front end that moved them died before this).
func (s *Store) dropOldRecords(ctx context.Context) error {
	// The owner bucket goes last: whether it is there says whether
	// anything is left.
	if _, err := s.js.KeyValue(ctx, bucketOwners); errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil // nothing left, or never there
	}
	str, err := s.js.Stream(ctx, kvStreamPrefix+bucketKeys)
	if err != nil {
		return fmt.Errorf("jetstream: deleting the records of before the index: %w", err)
	}
	for _, kind := range []string{"t", "k"} {
		if err := str.Purge(ctx, jetstream.WithPurgeSubject("$KV."+bucketKeys+"."+kind+".>")); err != nil {
			return fmt.Errorf("jetstream: deleting the records of before the index: %w", err)
		}
	}
	if err := s.js.DeleteKeyValue(ctx, bucketOwners); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("jetstream: deleting the records of before the index: %w", err)
	}
	s.log.Info("deleted the records of before the index")
	return nil
}
