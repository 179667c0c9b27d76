package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is one unlocked profile. It is safe for concurrent use; write
// transactions are serialized by SQLite (BEGIN IMMEDIATE).
type Store struct {
	db     *sql.DB
	stmts  *stmtCache
	lock   *profileLock
	dir    string
	keys   *subkeys
	c      crypter
	rand   io.Reader
	now    func() time.Time
	kdf    KDFParams
	closed atomic.Bool

	// writeMu lets one write transaction at a time reach SQLite. Without
	// it, concurrent writers contend for SQLite's lock, and the loser sleeps
	// in SQLite's busy handler (1 ms, 2 ms, 5 ms...): milliseconds of
	// latency where a Go mutex hands over in microseconds.
	writeMu sync.Mutex

	commits       atomic.Uint64  // write transactions committed, for checkpoints
	checkpointing atomic.Bool    // a background checkpoint is running
	checkpoints   atomic.Uint64  // background checkpoints done
	bgMu          sync.Mutex     // orders starting a checkpoint before Close's wait
	background    sync.WaitGroup // background checkpoints, waited for by Close
	syncMu        sync.Mutex     // one Sync at a time
	walIno        uint64         // the WAL file whose folder entry Sync made durable
	events        eventLog       // the event log's wake-ups and pruning (events.go)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// dsn returns the connection string of the database at path.
//
// Why these settings: WAL lets the interface read while a message is being
// stored; synchronous=NORMAL in WAL mode never corrupts the database on a
// crash and loses at most the last commits on a power cut (not on a process
// crash); secure_delete overwrites deleted rows, so an expired message's
// ciphertext does not linger in free pages; foreign_keys makes deleting a
// contact delete its messages; busy_timeout waits for the other connection
// instead of failing; _txlock=immediate takes the write lock at BEGIN, so
// two writers never deadlock by upgrading read locks; wal_autocheckpoint
// leaves checkpoints to a background goroutine, keeping SQLite's own as a
// backstop only (durable.go says why).
func dsn(path string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(walBackstop) + ")&_txlock=immediate"
}

// openDB opens the SQLite database of dir and checks that it is one.
func openDB(dir string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(dbPath(dir)))
	if err != nil {
		return nil, fmt.Errorf("store: opening database: %w", err)
	}
	// Readers run concurrently (WAL): keep their connections open rather
	// than opening a new one for each read beyond database/sql's default
	// of 2 idle connections, which cost 16 % of the CPU of 16 concurrent
	// api clients sending.
	db.SetMaxIdleConns(16)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	return db, nil
}

// newStore returns a store over db holding lock, not yet unlocked.
func newStore(dir string, db *sql.DB, lock *profileLock, o options) *Store {
	return &Store{db: db, stmts: &stmtCache{db: db}, lock: lock, dir: dir, rand: o.rand, now: o.now, kdf: o.kdf}
}

// unlockWith derives the sub-keys of dataKey and wipes dataKey.
func (s *Store) unlockWith(dataKey []byte) error {
	defer clear(dataKey)
	k, err := deriveSubkeys(dataKey)
	if err != nil {
		return err
	}
	c, err := newFieldCipher(k, s.rand)
	if err != nil {
		return err
	}
	s.keys, s.c = k, c
	return nil
}

// Dir returns the profile folder.
func (s *Store) Dir() string { return s.dir }

// Close closes the database and releases the profile lock. The last
// connection to close checkpoints the WAL into the database file.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return ErrClosed
	}
	s.bgMu.Lock() // no checkpoint starts after this: closed is set
	s.bgMu.Unlock()
	s.background.Wait()
	s.stmts.close()
	err := s.db.Close()
	// The cipher goes before the keys are wiped: from here on a field
	// fails with ErrClosed rather than being sealed under a zeroed key.
	if s.c != nil {
		s.c.drop()
	}
	if s.keys != nil {
		s.keys.wipe()
	}
	return errors.Join(err, s.lock.unlock())
}

// reader returns the database for a read outside a transaction.
func (s *Store) reader() (querier, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return dbQuerier{s.stmts}, nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits it if
// fn returns nil; otherwise nothing fn did is kept.
func (s *Store) write(ctx context.Context, fn func(tx querier) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.writeLocked(ctx, fn); err != nil {
		return err
	}
	s.committed()
	s.events.bell.ring()
	return nil
}

// writeLocked is write's transaction, under writeMu.
func (s *Store) writeLocked(ctx context.Context, fn func(tx querier) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(txQuerier{tx: tx, c: s.stmts}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// nextID returns the row id the next insert into table will use. Rows are
// sealed with their id as associated data, so the id is needed before the
// insert. Every table with sealed fields is AUTOINCREMENT, so an id is never
// reused: an old ciphertext of a deleted row can never become valid again.
// Callers hold the write lock (we are inside BEGIN IMMEDIATE).
func nextID(ctx context.Context, q querier, table string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx,
		`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1`, table).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: next id of %s: %w", table, err)
	}
	return id, nil
}

// removeDBFiles deletes the database and its -wal and -shm files.
func removeDBFiles(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}
