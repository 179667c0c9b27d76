package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Create makes a new profile in dir (created 0700 if needed): an empty
// database, a random data key wrapped under passphrase, and the lock held
// until [Store.Close]. It fails with [ErrExists] if dir holds a profile and
// [ErrLocked] if another process holds the folder.
func Create(dir string, passphrase []byte, opts ...Option) (*Store, error) {
	o := buildOptions(opts)
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if !o.kdf.valid() {
		return nil, ErrKDFParams
	}
	if err := makePrivateDir(dir); err != nil {
		return nil, err
	}
	lock, err := lockProfile(dir)
	if err != nil {
		return nil, err
	}
	s, err := createLocked(dir, passphrase, lock, o)
	if err != nil {
		lock.unlock()
		return nil, err
	}
	return s, nil
}

// createLocked does the work of [Create] once the lock is held.
func createLocked(dir string, passphrase []byte, lock *profileLock, o options) (*Store, error) {
	path := dbPath(dir)
	if err := createDBFile(path); err != nil {
		return nil, err
	}
	db, err := openDB(dir)
	if err != nil {
		removeDBFiles(path)
		return nil, err
	}
	s := newStore(dir, db, lock, o)
	dataKey := make([]byte, dataKeySize)
	if err := s.initialize(context.Background(), passphrase, dataKey); err != nil {
		db.Close()
		removeDBFiles(path)
		return nil, err
	}
	if err := s.unlockWith(dataKey); err != nil {
		db.Close()
		return nil, err
	}
	return s, syncDir(dir)
}

// createDBFile creates an empty database file with mode 0600, so that
// SQLite's -wal and -shm files inherit that mode. A zero-length file left
// by a crash during an earlier Create counts as absent.
func createDBFile(path string) error {
	if fi, err := os.Lstat(path); err == nil {
		wal, _ := fileExists(path + "-wal")
		if fi.Size() != 0 || wal {
			return ErrExists
		}
		os.Remove(path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrExists
		}
		return fmt.Errorf("store: creating database: %w", err)
	}
	return f.Close()
}

// initialize fills a new database, in one transaction: the whole schema and
// a key ring wrapping a fresh data key (written into dataKey). A crash
// leaves either nothing or a complete profile.
func (s *Store) initialize(ctx context.Context, passphrase, dataKey []byte) error {
	if _, err := io.ReadFull(s.rand, dataKey); err != nil {
		return fmt.Errorf("store: reading randomness: %w", err)
	}
	kr, err := newKeyring(passphrase, dataKey, s.kdf, s.rand)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx querier) error {
		for _, m := range migrations() {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
		}
		if err := setSchemaVersion(ctx, tx, latestSchema); err != nil {
			return err
		}
		return saveKeyring(ctx, tx, kr)
	})
}

// Open unlocks the profile in dir with passphrase and applies any pending
// schema migration. It fails with [ErrNoProfile] if there is none,
// [ErrLocked] if another process has it open, and [ErrWrongPassphrase]
// (having changed nothing) if the passphrase is wrong.
func Open(dir string, passphrase []byte, opts ...Option) (*Store, error) {
	o := buildOptions(opts)
	ok, err := fileExists(dbPath(dir))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoProfile
	}
	lock, err := lockProfile(dir)
	if err != nil {
		return nil, err
	}
	s, err := openLocked(dir, passphrase, lock, o)
	if err != nil {
		lock.unlock()
		return nil, err
	}
	return s, nil
}

// openLocked does the work of [Open] once the lock is held.
func openLocked(dir string, passphrase []byte, lock *profileLock, o options) (*Store, error) {
	// Why tighten an existing folder: a profile copied or restored by hand
	// may have come with a looser mode.
	if err := os.Chmod(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("store: securing profile folder: %w", err)
	}
	db, err := openDB(dir)
	if err != nil {
		return nil, err
	}
	s := newStore(dir, db, lock, o)
	if err := s.unlock(context.Background(), passphrase); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// unlock checks the schema version, unwraps the data key and only then
// migrates: a wrong passphrase must leave the file as it was.
func (s *Store) unlock(ctx context.Context, passphrase []byte) error {
	if err := s.unlockKeys(ctx, passphrase); err != nil {
		return err
	}
	return s.migrate(ctx)
}

// unlockKeys is unlock without the migration: the schema version checked,
// the data key unwrapped and its sub-keys derived.
func (s *Store) unlockKeys(ctx context.Context, passphrase []byte) error {
	v, err := schemaVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	if v == 0 {
		return ErrNotProfile
	}
	if v > latestSchema {
		return ErrSchemaTooNew
	}
	kr, err := loadKeyring(ctx, s.db)
	if err != nil {
		return err
	}
	dataKey, err := kr.unwrap(passphrase)
	if err != nil {
		return err
	}
	return s.unlockWith(dataKey)
}

// ChangePassphrase re-wraps the data key under newPassphrase, with a fresh
// salt and the store's Argon2id cost ([WithKDF], else [DefaultKDF]). Only
// the key ring changes; no row is re-encrypted. It fails with
// [ErrWrongPassphrase], changing nothing, if old is not the current one.
//
// Why ask for the old passphrase on an unlocked store: someone at an
// unlocked terminal must not be able to set a passphrase of their own.
func (s *Store) ChangePassphrase(ctx context.Context, old, newPassphrase []byte) error {
	if len(newPassphrase) == 0 {
		return ErrEmptyPassphrase
	}
	q, err := s.reader()
	if err != nil {
		return err
	}
	kr, err := loadKeyring(ctx, q)
	if err != nil {
		return err
	}
	// Both Argon2id runs happen outside the write transaction, which
	// then only checks that no one changed the key ring meanwhile.
	dataKey, err := kr.unwrap(old)
	if err != nil {
		return err
	}
	next, err := newKeyring(newPassphrase, dataKey, s.kdf, s.rand)
	clear(dataKey)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx querier) error {
		cur, err := loadKeyring(ctx, tx)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur.wrapped, kr.wrapped) {
			return ErrWrongPassphrase
		}
		return saveKeyring(ctx, tx, next)
	})
	if err != nil {
		return err
	}
	return s.checkpoint(ctx)
}

// checkpoint copies the WAL into the database and truncates it. Why after a
// passphrase change: the WAL would otherwise keep the page with the old
// wrapped key, which the old passphrase still opens.
func (s *Store) checkpoint(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}
