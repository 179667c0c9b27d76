package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Why commits are not fsynced, and what is: the database runs in WAL mode
// with synchronous=NORMAL, so a commit writes its pages to the WAL and
// returns without an fsync. A process crash never loses such a commit (the
// pages are in the kernel); a power cut may lose the last ones, never
// corrupts. An fsync (1-2 ms on the project's machines) under the write
// lock would hold up every other writer: the next Send, the receipt being
// applied, the outbox dequeuing what the home stored. What must survive a
// power cut says so by calling [Store.Sync] afterwards, outside the lock:
// the messenger syncs before it acknowledges envelopes to its home, so
// that the home deletes only what is on our disk.

// Why checkpoints run in the background: SQLite's automatic checkpoint
// runs inside the commit that crosses its threshold (1,000 pages), in
// the writer's goroutine, still holding our write lock; it copies the WAL
// into the database and fsyncs both, several milliseconds every hundred
// messages or so: the long tail of a message's latency. Instead, every
// checkpointEvery commits a goroutine runs a PASSIVE checkpoint on a
// connection of its own, which SQLite runs alongside writers and readers
// (it never takes the write lock). SQLite's own checkpoint stays as a
// backstop at walBackstop pages, for a WAL the background one cannot keep
// up with (a long read pinning it, say).
const (
	checkpointEvery = 64
	walBackstop     = 4000
)

// committed counts a commit and starts a background checkpoint every
// checkpointEvery commits, unless one is running. The caller has released
// the write lock.
func (s *Store) committed() {
	if s.commits.Add(1)%checkpointEvery != 0 || !s.checkpointing.CompareAndSwap(false, true) {
		return
	}
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed.Load() {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer s.checkpointing.Store(false)
		// A failure is harmless (the next one, or SQLite's backstop, copies
		// the same pages), and reported nowhere: there is nothing to do.
		if _, err := s.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`); err == nil {
			s.checkpoints.Add(1)
		}
	}()
}

// Sync makes every transaction committed before it was called durable:
// it fsyncs the WAL. Where a WAL was created since the last Sync, its folder is fsynced too,
// so that the new file's name survives a power cut as well (what SQLite
// itself does for a new WAL with synchronous=FULL).
//
// A missing WAL is no error: the last connection to close checkpointed it
// into the database, fsyncing the database, and removed it.
func (s *Store) Sync() error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.syncWAL()
}

// syncWAL fsyncs the WAL file, and its folder when the file is new. The
// caller holds syncMu.
func (s *Store) syncWAL() error {
	f, err := os.Open(dbPath(s.dir) + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	defer f.Close()
	// fsync flushes the file (its inode), whichever descriptor asks: the
	// pages SQLite wrote through its own are flushed by ours.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Ino == s.walIno {
		return nil
	}
	if err := syncDir(filepath.Dir(dbPath(s.dir))); err != nil {
		return err
	}
	s.walIno = st.Ino
	return nil
}
