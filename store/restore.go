package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Restore replaces the profile in dir (or creates it) with the contents of
// a backup, unlocked from now on by passphrase. The whole backup is opened,
// authenticated and written into a new database beside the old one first;
// only when every chunk verified and every record applied is it renamed
// over the old database. On any error — wrong key ([ErrBackupKey]), a
// foreign file ([ErrNotBackup]), a truncated ([ErrBackupTruncated]) or
// altered one ([ErrBackupCorrupt]) — the existing profile is left exactly
// as it was. Every restored contact's session is marked for reset (see
// [Store.SessionResets]). The profile must not be open ([ErrLocked]).
//
// Over an existing profile, passphrase must be that profile's
// ([ErrWrongPassphrase] otherwise, before the backup is read), and a
// backup of another identity is refused with an [*OtherIdentityError]
// (matching [ErrOtherIdentity]), leaving the profile as it was. With
// [WithForce] neither is checked, and the replaced database is kept aside
// in dir as ratchat.db.replaced-TIME rather than deleted.
//
// Why: a restore of the wrong file would otherwise replace who you are to
// every contact, silently and with no way back.
func Restore(ctx context.Context, dir string, backup io.Reader, key BackupKey, passphrase []byte, opts ...Option) error {
	o := buildOptions(opts)
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	if err := makePrivateDir(dir); err != nil {
		return err
	}
	lock, err := lockProfile(dir)
	if err != nil {
		return err
	}
	defer lock.unlock()
	// The header is read and authenticated before anything is written: a
	// wrong key or a foreign file fails without touching the disk.
	cr := newCountingReader(backup, o.progress)
	payloadKey, err := readBackupHeader(cr, key)
	if err != nil {
		return err
	}
	defer clear(payloadKey)
	exists, err := profileExists(dir)
	if err != nil {
		return err
	}
	var current ownIdentity
	if exists && !o.force {
		if current, err = readOwnIdentity(ctx, dir, passphrase, o); err != nil {
			return err
		}
	}
	tmp, restored, err := restoreToTemp(ctx, dir, cr, payloadKey, passphrase, o)
	if err != nil {
		return err
	}
	if current.set && !current.key.Equal(restored.key) {
		removeDBFiles(tmp)
		return &OtherIdentityError{Profile: current.key, Backup: restored.key}
	}
	if err := swapIn(dir, tmp, exists && o.force, o.now()); err != nil {
		removeDBFiles(tmp)
		return err
	}
	return nil
}

// restoreDSN opens the temporary database. Why no journal and no fsync
// while restoring: a failed restore deletes the file anyway, so rollback
// and durability buy nothing until the end, where the file is synced
// before it is renamed into place. The next Open switches it to WAL.
func restoreDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)" +
		"&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
}

// restoreToTemp writes the backup's payload into a new database file in
// dir and returns its path and the identity it holds; on error the file
// is gone.
func restoreToTemp(ctx context.Context, dir string, payload io.Reader, payloadKey, passphrase []byte, o options) (string, ownIdentity, error) {
	var rnd [8]byte
	if _, err := io.ReadFull(rand.Reader, rnd[:]); err != nil {
		return "", ownIdentity{}, fmt.Errorf("store: reading randomness: %w", err)
	}
	tmp := filepath.Join(dir, ".restore-"+hex.EncodeToString(rnd[:])+".db")
	if err := createDBFile(tmp); err != nil {
		return "", ownIdentity{}, err
	}
	id, err := restoreInto(ctx, tmp, payload, payloadKey, passphrase, o)
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		removeDBFiles(tmp)
		return "", ownIdentity{}, err
	}
	return tmp, id, nil
}

// restoreInto fills the new database at path from the sealed payload and
// returns the identity it restored.
func restoreInto(ctx context.Context, path string, payload io.Reader, payloadKey, passphrase []byte, o options) (ownIdentity, error) {
	db, err := sql.Open("sqlite", restoreDSN(path))
	if err != nil {
		return ownIdentity{}, fmt.Errorf("store: opening database: %w", err)
	}
	s := newStore(filepath.Dir(path), db, nil, o)
	defer s.Close()
	dataKey := make([]byte, dataKeySize)
	if err := s.initialize(ctx, passphrase, dataKey); err != nil {
		return ownIdentity{}, err
	}
	if err := s.unlockWith(dataKey); err != nil {
		return ownIdentity{}, err
	}
	sr, err := newStreamReader(payload, payloadKey)
	if err != nil {
		return ownIdentity{}, fmt.Errorf("store: %w", err)
	}
	if err := s.applyBackup(ctx, newRecordReader(sr)); err != nil {
		return ownIdentity{}, err
	}
	return s.ownIdentity(ctx)
}

// swapIn renames the restored database tmp over the profile's database.
// The old database's WAL is first checkpointed into it and removed: a
// leftover WAL would otherwise be replayed into the new file. With
// keepAside, the old database is first linked to a name of its own
// (see [keepAside]), so that the rename replaces the name only.
func swapIn(dir, tmp string, keepOld bool, now time.Time) error {
	path := dbPath(dir)
	if ok, _ := fileExists(path); ok {
		if err := checkpointOld(path); err != nil {
			return err
		}
		if keepOld {
			if err := keepAside(path, now); err != nil {
				return err
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("store: replacing profile: %w", err)
	}
	return syncDir(dir)
}

// checkpointOld folds the old database's WAL into it and deletes the -wal
// and -shm files. If the old database cannot be opened at all (a restore
// is how one recovers from that), its WAL is useless and is deleted. The
// profile lock is held, so no other connection can be writing.
func checkpointOld(path string) error {
	// A failed checkpoint means an unusable database: its WAL goes too,
	// so the error is not returned.
	if db, err := sql.Open("sqlite", dsn(path)); err == nil {
		db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		db.Close()
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("store: removing old %s: %w", suffix, err)
		}
	}
	return nil
}

// syncFile flushes a file to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: syncing: %w", err)
	}
	return nil
}

// newCountingReader wraps r; the total is the file's size if r is a file.
func newCountingReader(r io.Reader, progress func(Progress)) *countingReader {
	cr := &countingReader{r: r, progress: progress}
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil {
			cr.total = fi.Size()
		}
	}
	return cr
}

// countingReader counts the bytes read and reports progress.
type countingReader struct {
	r        io.Reader
	n, total int64
	last     int64
	progress func(Progress)
}

// Read reads from the backup, counting and reporting the bytes.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && (c.n-c.last >= 1<<20 || err == io.EOF) {
		c.last = c.n
		c.progress(Progress{Done: c.n, Total: c.total})
	}
	return n, err
}
