package mailbox

import (
	"database/sql"
	"fmt"
	"time"

	"ratchat/keys"
)

// maxBatch bounds the writes one transaction groups.
const maxBatch = 512

// opKind says what a queued write does.
type opKind uint8

const (
	opFunc    opKind = iota // run fn in its own savepoint
	opDeposit               // insert one envelope (grouped: see flushGroup)
	opAck                   // delete some of an owner's envelopes (grouped)
)

// op is one queued write; finish gets its result after the commit (from
// the writer goroutine, in queue order: it must not block).
//
// Deposits and Acks, the writes a busy relay makes by the thousand, are
// not closures: the writer runs all those of a batch that follow each
// other as one multi-row INSERT and one DELETE (see group.go), because a
// statement costs about as much as the row it writes. Any other write is
// a function run in its own savepoint, so that its failure undoes only
// its own changes.
type op struct {
	kind   opKind
	fn     func(tx *sql.Tx) error
	finish func(error)

	owner    keys.PublicKey // opDeposit, opAck
	body     []byte         // opDeposit
	received int64          // opDeposit: ms since 1970
	expires  int64          // opDeposit: ms since 1970 it expires at, or 0 for no lifetime
	id       uint64         // opDeposit: assigned by the writer
	ids      []uint64       // opAck
	deleted  int            // opAck: how many of ids were deleted
	token    *TokenHash     // opDeposit: the token to check, or nil for none
	quota    []byte         // opDeposit: the token quota it counts against, or nil
	err      error          // its own failure (a refused deposit)
}

// receivedTime is a deposit's time received, as stored.
func (o *op) receivedTime() time.Time { return time.UnixMilli(o.received).UTC() }

// enqueue queues o; its finish is called (from the writer goroutine; it
// must not block) with its result once committed. Writes queued in some
// order are applied in that order.
func (s *Store) enqueue(o *op) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		o.finish(ErrClosed)
		return
	}
	s.ops <- o
}

// write runs fn in the writer and waits until it is committed. It waits
// even if the caller's context ends, because by then the write may be
// done: the answer must say so truthfully.
func (s *Store) write(fn func(tx *sql.Tx) error) error {
	done := make(chan error, 1)
	s.enqueue(&op{fn: fn, finish: func(err error) { done <- err }})
	return <-done
}

// Group commit under load: once a batch was busy (at least lingerOps
// writes), the next one starts at least lingerTime after it, gathering
// what arrives meanwhile. Why: a commit costs an fsync and a write of
// every page it changed, whatever their number of rows, so fewer, fuller
// commits cost the writer much less per write, for at most lingerTime
// more latency. A lone write (a quiet home) never waits.
const (
	lingerOps  = 8
	lingerTime = 2 * time.Millisecond
)

// writer is the one goroutine that writes: it takes whatever is queued
// (up to maxBatch), commits it as one transaction, and answers each write.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*op, 0, maxBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	busy := false
	var started time.Time
	for o := range s.ops {
		batch = s.drain(append(batch[:0], o))
		if busy && len(batch) < maxBatch {
			linger.Reset(time.Until(started.Add(lingerTime)))
			batch = s.gather(batch, linger.C)
			linger.Stop()
		}
		busy = len(batch) >= lingerOps
		started = time.Now()
		s.commit(batch)
		clear(batch) // let the bodies go
	}
}

// drain adds what is queued to batch, up to maxBatch, without waiting.
func (s *Store) drain(batch []*op) []*op {
	for len(batch) < maxBatch {
		select {
		case o, ok := <-s.ops:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// gather adds writes to batch as they arrive, up to maxBatch, until
// stop fires (or the store closes).
func (s *Store) gather(batch []*op, stop <-chan time.Time) []*op {
	for len(batch) < maxBatch {
		select {
		case o, ok := <-s.ops:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		case <-stop:
			return batch
		}
	}
	return batch
}

// commit runs a batch in one transaction. A write that fails by itself
// gets its error (and changes nothing); if the transaction fails, every
// write gets that error and none happened.
func (s *Store) commit(batch []*op) {
	s.boundCaches()
	err := s.runBatch(batch)
	if err != nil {
		// The usage cache and totals counted writes that did not happen.
		clear(s.usage)
		clear(s.quotas)
		clear(s.tokens)
		s.totals = totals{}
	} else {
		s.notify(batch)
	}
	for _, o := range batch {
		switch {
		case err != nil:
			o.finish(err)
		default:
			o.finish(o.err)
		}
	}
}

// cachedMailboxes bounds the mailboxes whose usage and tokens the writer
// keeps cached (a variable for the tests).
var cachedMailboxes = 4096

// boundCaches empties the writer's caches, before a batch, once they hold
// more than cachedMailboxes mailboxes: they are read again on a miss, as
// after a failed batch, so that memory follows the mailboxes in use, not
// all there are. New maps, not clear: a cleared map keeps its size.
func (s *Store) boundCaches() {
	if len(s.usage) <= cachedMailboxes && len(s.tokens) <= cachedMailboxes {
		return
	}
	s.usage = map[keys.PublicKey]*usage{}
	s.tokens = map[keys.PublicKey]map[TokenHash]TokenKind{}
	s.quotas = map[quotaKey]*usage{}
}

// runBatch runs the batch's writes in order: each run of Deposits and
// Acks as one group, any other write in its own savepoint.
func (s *Store) runBatch(batch []*op) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("mailbox: beginning transaction: %w", err)
	}
	defer tx.Rollback()
	start := 0
	for i, o := range batch {
		if o.kind != opFunc {
			continue
		}
		if err := s.runGroup(tx, batch[start:i]); err != nil {
			return err
		}
		start = i + 1
		if err := s.runFunc(tx, o); err != nil {
			return err
		}
	}
	if err := s.runGroup(tx, batch[start:]); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mailbox: commit: %w", err)
	}
	return nil
}

// runFunc runs one function write in its own savepoint.
func (s *Store) runFunc(tx *sql.Tx, o *op) error {
	if _, err := s.exec(tx, `SAVEPOINT op`); err != nil {
		return fmt.Errorf("mailbox: savepoint: %w", err)
	}
	o.err = o.fn(tx)
	if o.err != nil {
		if _, err := s.exec(tx, `ROLLBACK TO op`); err != nil {
			return fmt.Errorf("mailbox: rollback: %w", err)
		}
	}
	if _, err := s.exec(tx, `RELEASE op`); err != nil {
		return fmt.Errorf("mailbox: release: %w", err)
	}
	return nil
}
