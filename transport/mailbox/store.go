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
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"ratchat/keys"
)

// FileName is the database's name inside the data folder.
const FileName = "mailbox.db"

// LockFileName is the lock file's name inside the data folder: a store
// holds an exclusive lock on it while open, so that two homes never use
// one data folder at once.
const LockFileName = "mailbox.lock"

// schemaVersion is the PRAGMA user_version this code writes and reads.
const schemaVersion = 5

// schemaSQL creates version 1 of the schema; upgrades[v] takes it from
// version v-1 to v.
var (
	//go:embed schema.sql
	schemaSQL string
	//go:embed upgrade2.sql
	upgrade2SQL string
	//go:embed upgrade3.sql
	upgrade3SQL string
	//go:embed upgrade4.sql
	upgrade4SQL string
	//go:embed upgrade5.sql
	upgrade5SQL string

	upgrades = []string{2: upgrade2SQL, 3: upgrade3SQL, 4: upgrade4SQL, 5: upgrade5SQL}
)

// Default quotas.
const (
	DefaultMaxEnvelopes  = 10_000
	DefaultMaxBytes      = 256 << 20
	DefaultMaxPreKeys    = 200
	DefaultMaxTotalBytes = 8 << 30
	DefaultMaxMailboxes  = 100_000

	// DefaultMaxRequestEnvelopes and DefaultMaxRequestBytes are the
	// quota that all deposits with an owner's request tokens share: small,
	// so that a flood of requests fills only itself.
	DefaultMaxRequestEnvelopes = 200
	DefaultMaxRequestBytes     = 8 << 20
	// DefaultMaxContactEnvelopes and DefaultMaxContactBytes are each
	// contact token's own quota.
	DefaultMaxContactEnvelopes = 5_000
	DefaultMaxContactBytes     = 128 << 20
	// DefaultMaxTokens bounds the tokens one owner registers.
	DefaultMaxTokens = 10_000
)

// Options are the quotas of a [Store]; zero fields take the defaults.
type Options struct {
	MaxEnvelopes int   // envelopes per mailbox
	MaxBytes     int64 // bytes of envelopes per mailbox
	MaxPreKeys   int   // one-time prekeys per owner, of each kind

	// MaxTotalBytes bounds the bytes of envelopes in all mailboxes
	// together, and MaxMailboxes the number of mailboxes. Why both: the
	// per-mailbox quotas times any number of mailboxes bound nothing, and
	// a home must never be made to fill its disk. Negative: no limit.
	MaxTotalBytes int64
	MaxMailboxes  int

	// The quotas of token deposits (see [Store.DepositTokenAsync]), on
	// top of the mailbox's: all request tokens of a mailbox share one,
	// each contact token has its own. MaxTokens bounds the tokens one
	// owner registers.
	MaxRequestEnvelopes int
	MaxRequestBytes     int64
	MaxContactEnvelopes int
	MaxContactBytes     int64
	MaxTokens           int

	// Now is the clock that envelopes' lifetimes are checked against
	// (see [Store.DepositTokenAsync]); default time.Now. A home passes
	// its own, the one its deposits' times come from.
	Now func() time.Time
}

// Store is a home's mailbox database. It is safe for concurrent use.
type Store struct {
	db    *sql.DB
	lock  *os.File // holds the data folder's lock
	opts  Options
	stmts sync.Map // query text → *sql.Stmt

	// usage caches each mailbox's envelope count and bytes, for quotas,
	// so that a deposit is one INSERT. Only the writer goroutine touches
	// it (ops run there); it is emptied whenever a batch fails.
	usage map[keys.PublicKey]*usage
	// lastID is the highest envelope id ever given (only the writer
	// touches it): ids increase and are never reused, so that a late Ack
	// can never delete a newer envelope.
	lastID uint64
	// totals are the bytes of all envelopes and the number of mailboxes,
	// for the home-wide caps (only the writer touches them). They are
	// counted from the database when first needed and again after a
	// batch failed.
	totals totals
	// tokens caches each owner's registered token hashes, and quotas the
	// usage of each token quota (only the writer touches them); emptied
	// with usage.
	tokens map[keys.PublicKey]map[TokenHash]TokenKind
	quotas map[quotaKey]*usage

	subs subscribers // owners' live subscriptions (see [Store.Subscribe])

	mu     sync.RWMutex // held (read) while queueing; (write) to close
	closed bool
	ops    chan *op
	done   chan struct{} // closed when the writer has exited
}

// Open opens (creating if needed) the mailbox database in dir, a folder
// created with mode 0700 if missing; the file is created 0600. It fails
// with a [*LockedError] if another store has dir open.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mailbox: creating data folder: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s, err := openLocked(dir, opts)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	go s.writer()
	return s, nil
}

// openLocked opens the database of a locked data folder.
func openLocked(dir string, opts Options) (*Store, error) {
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
		usage: map[keys.PublicKey]*usage{}, tokens: map[keys.PublicKey]map[TokenHash]TokenKind{},
		quotas: map[quotaKey]*usage{}}
	if err := db.QueryRow(lastIDQuery).Scan(&s.lastID); err != nil {
		db.Close()
		return nil, fmt.Errorf("mailbox: reading last envelope id: %w", err)
	}
	return s, nil
}

// lastIDQuery reads the highest envelope id ever given: AUTOINCREMENT
// keeps it in sqlite_sequence (also when the writer inserts explicit ids,
// as it does), even once that envelope is deleted.
const lastIDQuery = `SELECT max(
	coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'envelopes'), 0),
	coalesce((SELECT max(id) FROM envelopes), 0))`

// dsn is the connection string. Why synchronous=FULL: see the package
// doc. Why secure_delete=FAST: an acknowledged envelope's bytes should
// not linger in free pages of a relay's disk. Why _txlock=immediate: the
// writer takes the write lock when it begins, not halfway through.
func dsn(path string) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=secure_delete(FAST)" +
		"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)&_txlock=immediate"
}

// migrate creates the schema in an empty database, upgrades an older
// one, and refuses any other version.
func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("%w: %w", ErrSchema, err)
	}
	if v > schemaVersion {
		return fmt.Errorf("%w: version %d", ErrSchema, v)
	}
	if v == schemaVersion {
		return nil
	}
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("mailbox: creating schema: %w", err)
	}
	defer tx.Rollback()
	if v == 0 {
		if _, err := tx.Exec(schemaSQL); err != nil {
			return fmt.Errorf("%w: creating schema: %w", ErrSchema, err)
		}
		v = 1
	}
	for v++; v <= schemaVersion; v++ {
		if _, err := tx.Exec(upgrades[v]); err != nil {
			return fmt.Errorf("%w: upgrading to version %d: %w", ErrSchema, v, err)
		}
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return fmt.Errorf("mailbox: creating schema: %w", err)
	}
	return tx.Commit()
}

// WithDefaults returns o with its zero fields set to the defaults, as a
// [Store] takes them (a [Backend] other than Store uses it to agree).
func (o Options) WithDefaults() Options { return o.withDefaults() }

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
	if o.MaxTotalBytes == 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if o.MaxMailboxes == 0 {
		o.MaxMailboxes = DefaultMaxMailboxes
	}
	if o.MaxRequestEnvelopes <= 0 {
		o.MaxRequestEnvelopes = DefaultMaxRequestEnvelopes
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxContactEnvelopes <= 0 {
		o.MaxContactEnvelopes = DefaultMaxContactEnvelopes
	}
	if o.MaxContactBytes <= 0 {
		o.MaxContactBytes = DefaultMaxContactBytes
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.Now == nil {
		o.Now = time.Now
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
	err := s.db.Close()
	s.lock.Close() // after the database: the next home may start now
	return err
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
