package mailbox

import (
	"database/sql"
	"fmt"
)

// maxBatch bounds the writes one transaction groups.
const maxBatch = 512

// op is one queued write: fn runs inside the batch's transaction, and
// finish gets its result after the commit. fn runs in its own savepoint,
// so that its failure undoes only its own changes, unless single says it
// changes at most one row in one statement (which SQLite makes atomic by
// itself): a savepoint costs two statements, as much as a deposit.
type op struct {
	fn     func(tx *sql.Tx) error
	finish func(error)
	single bool
}

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

// writer is the one goroutine that writes: it takes whatever is queued
// (up to maxBatch), commits it as one transaction, and answers each write.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*op, 0, maxBatch)
	for o := range s.ops {
		batch = append(batch[:0], o)
	drain:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-s.ops:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// commit runs a batch in one transaction. A write whose fn fails is rolled
// back to its savepoint and gets its error; if the commit itself fails,
// every write gets that error and none happened.
func (s *Store) commit(batch []*op) {
	results := make([]error, len(batch))
	err := s.runBatch(batch, results)
	if err != nil {
		// The usage cache counted writes that did not happen.
		clear(s.usage)
	}
	for i, o := range batch {
		if err != nil {
			o.finish(err)
		} else {
			o.finish(results[i])
		}
	}
}

func (s *Store) runBatch(batch []*op, results []error) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("mailbox: beginning transaction: %w", err)
	}
	defer tx.Rollback()
	for i, o := range batch {
		if o.single {
			results[i] = o.fn(tx)
			continue
		}
		if _, err := s.exec(tx, `SAVEPOINT op`); err != nil {
			return fmt.Errorf("mailbox: savepoint: %w", err)
		}
		results[i] = o.fn(tx)
		if results[i] != nil {
			if _, err := s.exec(tx, `ROLLBACK TO op`); err != nil {
				return fmt.Errorf("mailbox: rollback: %w", err)
			}
		}
		if _, err := s.exec(tx, `RELEASE op`); err != nil {
			return fmt.Errorf("mailbox: release: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mailbox: commit: %w", err)
	}
	return nil
}
