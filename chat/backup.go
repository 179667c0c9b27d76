package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"ratchat/archive"
	"ratchat/store"
)

// RestoreResult reports what a restore brought back.
type RestoreResult struct {
	// Contacts and Messages count what the backup held.
	Contacts, Messages int
	// Archive is how many records of the compliance archive found in the
	// profile folder the restored profile took back (backups do not carry
	// the archive: its folder stays, or is copied, beside the profile);
	// ArchiveErr why it could not (the restore itself succeeded: the
	// archive's commands report the same error until it is resolved).
	Archive    uint64
	ArchiveErr error
}

// RestoreOption changes what a restore may do to the profile it replaces.
type RestoreOption func(*restoreOptions)

// restoreOptions are the settings a [RestoreOption] changes.
type restoreOptions struct {
	force bool
}

// ForceRestore lets a restore replace the profile with a backup of another
// identity ([ErrOtherIdentity]). The replaced database is kept aside in the
// profile folder (ratchat.db.replaced-TIME), never deleted.
func ForceRestore() RestoreOption {
	return func(o *restoreOptions) { o.force = true }
}

// storeOptions returns the store's options of a restore: the profile's
// own, the progress function, and force when asked for.
func storeOptions(p Profile, progress func(store.Progress), opts []RestoreOption) []store.Option {
	var ro restoreOptions
	for _, opt := range opts {
		opt(&ro)
	}
	out := append([]store.Option{store.WithProgress(progress)}, p.Store...)
	if ro.force {
		out = append(out, store.WithForce())
	}
	return out
}

// ExportBackup writes a backup of the profile to path, sealed under a fresh
// recovery key, and returns the key for the user to write down. The file
// appears only once complete: it is written under a temporary name in the
// same folder, synced and renamed.
func (m *Messenger) ExportBackup(ctx context.Context, path string, progress func(store.Progress)) (store.RecoveryKey, error) {
	key, err := store.NewRecoveryKey(m.rand)
	if err != nil {
		return key, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ratchat-backup-*")
	if err != nil {
		return key, fmt.Errorf("chat: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = m.st.Export(ctx, tmp, key, progress)
	if err = errors.Join(err, tmp.Sync(), tmp.Close()); err != nil {
		return key, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return key, fmt.Errorf("chat: %w", err)
	}
	return key, nil
}

// Restore replaces the profile with the backup at path. The messenger
// stops and its store closes (a restore needs the profile closed); the
// restore swaps the restored database in, or leaves the old one untouched
// on any error; then the profile is opened again under the same
// passphrase, either way, and its new messenger returned: m is closed and
// must not be used again. Only a messenger that owns its profile ([Open],
// [Create]) can restore.
//
// A backup of another identity than the profile's is refused with
// [ErrOtherIdentity] (the profile reopened unchanged) unless [ForceRestore]
// is given.
//
// Cancelling ctx stops the restore while it reads the backup, leaving the
// profile unchanged; the profile is reopened and counted whether ctx is
// cancelled or not. Why: a front end takes an error to mean "unchanged",
// so a cancel that arrives after the swap must not turn a restore that
// happened into an error, nor leave the caller without a messenger.
func (m *Messenger) Restore(ctx context.Context, path string, key store.RecoveryKey, progress func(store.Progress), opts ...RestoreOption) (*Messenger, RestoreResult, error) {
	if !m.owned {
		return m, RestoreResult{}, ErrNotOwner
	}
	f, err := os.Open(path)
	if err != nil {
		return m, RestoreResult{}, fmt.Errorf("chat: %w", err)
	}
	defer f.Close()
	p, pass := m.profile, append([]byte(nil), m.pass...)
	defer clear(pass)
	if p.Relay == "" && m.listener != nil {
		p.Listen = m.listener.Addr().String() // the same port: invites given out stay valid
	}
	closeErr := m.Close()
	restoreErr := store.Restore(ctx, p.Dir, f, key, pass, storeOptions(p, progress, opts)...)
	ctx = context.WithoutCancel(ctx)
	next, openErr := Open(ctx, p, pass)
	if openErr != nil {
		return nil, RestoreResult{}, errors.Join(restoreErr, closeErr, fmt.Errorf("chat: reopening the profile: %w", openErr))
	}
	if restoreErr != nil {
		return next, RestoreResult{}, restoreErr
	}
	res, err := count(ctx, next.st)
	res.Archive, res.ArchiveErr = next.takeArchiveBack(ctx)
	return next, res, err
}

// takeArchiveBack adopts, right after a restore, the archive in the
// profile's folder (see adoptArchive), so that what arrives from now on
// is archived again without waiting for an archive command, and returns
// how many records it holds.
func (m *Messenger) takeArchiveBack(ctx context.Context) (uint64, error) {
	dir, f := m.folder()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tail, f.keyed = archive.Tail{}, false // the folder may be another's than before the restore
	if _, err := m.adoptArchive(ctx, dir); err != nil {
		return 0, err
	}
	st, err := m.st.ArchiveState(ctx)
	return st.Head.Seq, err
}

// RestoreProfile restores a backup into the folder of a profile that no
// process has open (the command line's `ratchat backup restore`), unlocked
// afterwards by passphrase, and counts what it brought back. Over an
// existing profile, passphrase must be that profile's, and a backup of
// another identity is refused with [ErrOtherIdentity] unless
// [ForceRestore] is given.
func RestoreProfile(ctx context.Context, p Profile, path string, key store.RecoveryKey, passphrase []byte, progress func(store.Progress), opts ...RestoreOption) (RestoreResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return RestoreResult{}, fmt.Errorf("chat: %w", err)
	}
	defer f.Close()
	if err := store.Restore(ctx, p.Dir, f, key, passphrase, storeOptions(p, progress, opts)...); err != nil {
		return RestoreResult{}, err
	}
	st, err := store.Open(p.Dir, passphrase, p.Store...)
	if err != nil {
		return RestoreResult{}, err
	}
	defer st.Close()
	res, err := count(ctx, st)
	if err != nil {
		return res, err
	}
	id, err := st.Identity(ctx)
	if err != nil {
		return res, err
	}
	// Only the store, the identity, a clock and randomness are needed to
	// take the archive back: no network, no home.
	m := &Messenger{st: st, identity: id, rand: rand.Reader, now: time.Now}
	res.Archive, res.ArchiveErr = m.takeArchiveBack(ctx)
	return res, nil
}

// count counts the contacts and history rows of a profile.
func count(ctx context.Context, st *store.Store) (RestoreResult, error) {
	all, err := st.Contacts(ctx)
	if err != nil {
		return RestoreResult{}, err
	}
	res := RestoreResult{Contacts: len(all)}
	for _, c := range all {
		var cur store.Cursor
		for {
			msgs, prev, err := st.Messages(ctx, c.ID, cur, 5000)
			if err != nil {
				return res, err
			}
			res.Messages += len(msgs)
			if prev == 0 || len(msgs) == 0 {
				break
			}
			cur = prev
		}
	}
	return res, nil
}
