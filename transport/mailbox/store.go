package mailbox

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"ratchat/keys"
)

// FileName is the database's name inside the data folder.
const FileName = "mailbox.db"

// schemaVersion is the PRAGMA user_version this code writes and reads.
const schemaVersion = 1

//go:embed schema.sql
var schemaSQL string

// Default quotas.
const (
	DefaultMaxEnvelopes = 10_000
	DefaultMaxBytes     = 256 << 20
	DefaultMaxPreKeys   = 200
)

// Options are the quotas of a [Store]; zero fields take the defaults.
type Options struct {
	MaxEnvelopes int   // envelopes per mailbox
	MaxBytes     int64 // bytes of envelopes per mailbox
	MaxPreKeys   int   // one-time prekeys per owner, of each kind
}

// Store is a home's mailbox database. It is safe for concurrent use.
type Store struct {
	db    *sql.DB
	opts  Options
	stmts sync.Map // query text → *sql.Stmt

	// usage caches each mailbox's envelope count and bytes, for quotas,
	// so that a deposit is one INSERT. Only the writer goroutine touches
	// it (ops run there); it is emptied whenever a batch fails.
	usage map[keys.PublicKey]*usage

	mu     sync.RWMutex // held (read) while queueing; (write) to close
	closed bool
	ops    chan *op
	done   chan struct{} // closed when the writer has exited
}

// Open opens (creating if needed) the mailbox database in dir, a folder
// created with mode 0700 if missing; the file is created 0600.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mailbox: creating data folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("mailbox: creating database: %w", err)
	}
	f.Close()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("mailbox: opening database: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := migrate(db); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, opts: opts.withDefaults(), ops: make(chan *op, 1024), done: make(chan struct{}),
		usage: map[keys.PublicKey]*usage{}}
	go s.writer()
	return s, nil
}

// dsn is the connection string. Why synchronous=FULL: see the package
// doc. Why secure_delete=FAST: an acknowledged envelope's bytes should
// not linger in free pages of a relay's disk. Why _txlock=immediate: the
// writer takes the write lock when it begins, not halfway through.
func dsn(path string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=secure_delete(FAST)&_txlock=immediate"
}

// migrate creates the schema in an empty database and refuses any other
// version.
func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("%w: %v", ErrSchema, err)
	}
	switch v {
	case schemaVersion:
		return nil
	case 0:
	default:
		return fmt.Errorf("%w: version %d", ErrSchema, v)
	}
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("mailbox: creating schema: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(schemaSQL); err != nil {
		return fmt.Errorf("%w: creating schema: %v", ErrSchema, err)
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return fmt.Errorf("mailbox: creating schema: %w", err)
	}
	return tx.Commit()
}

func (o Options) withDefaults() Options {
	if o.MaxEnvelopes <= 0 {
		o.MaxEnvelopes = DefaultMaxEnvelopes
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxPreKeys <= 0 {
		o.MaxPreKeys = DefaultMaxPreKeys
	}
	return o
}

// Close finishes the writes already queued, then closes the database.
// Later calls fail with [ErrClosed].
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	<-s.done
	s.closeStmts()
	return s.db.Close()
}

// reader returns the database for a read, or ErrClosed.
func (s *Store) reader() (*sql.DB, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.db, nil
}

// meta reads a value of the meta table; nil if absent.
func (s *Store) meta(ctx context.Context, name string) ([]byte, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	var v []byte
	err = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mailbox: reading %s: %w", name, err)
	}
	return v, nil
}
