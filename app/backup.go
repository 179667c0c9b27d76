package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ratchat/store"
	"ratchat/ui"
)

// ExportBackup writes a backup of the profile to path, sealed under a
// fresh recovery key, and returns the key for the user to write down (16
// groups of 4 digits). The file appears only once complete: it is written
// under a temporary name, synced and renamed.
func (c *Core) ExportBackup(ctx context.Context, path string, progress ui.Progress) (string, error) {
	key, err := store.NewRecoveryKey(rand.Reader)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ratchat-backup-*")
	if err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	c.mu.RLock()
	err = c.st.Export(ctx, tmp, key, func(p store.Progress) {
		if progress != nil {
			progress(p.Done, p.Total)
		}
	})
	c.mu.RUnlock()
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	return key.Display(), nil
}

// RestoreBackup replaces the profile with the backup at path. The
// messenger stops and the store closes (store.Restore needs the profile
// closed); store.Restore swaps the restored database in, or leaves the old
// one untouched on any error; then the profile is opened and the messenger
// started again, either way, under the same passphrase.
func (c *Core) RestoreBackup(ctx context.Context, path, recoveryKey string, progress ui.Progress) (ui.RestoreResult, error) {
	key, err := store.ParseRecoveryKey(recoveryKey)
	if err != nil {
		return ui.RestoreResult{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return ui.RestoreResult{}, fmt.Errorf("app: %w", err)
	}
	defer f.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	err = c.swap(func() error {
		opts := append([]store.Option{store.WithProgress(func(p store.Progress) {
			if progress != nil {
				progress(p.Done, p.Total)
			}
		})}, c.opts.Store...)
		return store.Restore(ctx, c.opts.Dir, f, key, c.pass, opts...)
	})
	if err != nil {
		return ui.RestoreResult{}, err
	}
	return count(ctx, c.st)
}

// swap stops the messenger, closes the store, runs fn, and opens and
// starts both again. The caller holds c.mu for writing.
func (c *Core) swap(fn func() error) error {
	stopErr := errors.Join(c.m.Close(), c.st.Close())
	c.m = nil
	err := fn()
	st, openErr := store.Open(c.opts.Dir, c.pass, c.opts.Store...)
	if openErr != nil {
		return errors.Join(err, stopErr, fmt.Errorf("app: reopening the profile: %w", openErr))
	}
	c.st = st
	c.state.reset()
	if startErr := c.startMessenger(); startErr != nil {
		return errors.Join(err, startErr)
	}
	return err
}

// count counts the contacts and messages of a profile.
func count(ctx context.Context, st *store.Store) (ui.RestoreResult, error) {
	all, err := st.Contacts(ctx)
	if err != nil {
		return ui.RestoreResult{}, err
	}
	res := ui.RestoreResult{Contacts: len(all)}
	for _, sc := range all {
		var cur store.Cursor
		for {
			msgs, prev, err := st.Messages(ctx, sc.ID, cur, 5000)
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

// Restore restores a backup into the profile folder of a closed profile
// (the command line's `ratchat backup restore`), unlocked afterwards by
// passphrase, and counts what it brought back.
func Restore(ctx context.Context, opts Options, path string, key store.BackupKey, passphrase []byte, progress func(store.Progress)) (ui.RestoreResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return ui.RestoreResult{}, fmt.Errorf("app: %w", err)
	}
	defer f.Close()
	if progress == nil {
		progress = func(store.Progress) {}
	}
	ro := append([]store.Option{store.WithProgress(progress)}, opts.Store...)
	if err := store.Restore(ctx, opts.Dir, f, key, passphrase, ro...); err != nil {
		return ui.RestoreResult{}, err
	}
	st, err := store.Open(opts.Dir, passphrase, opts.Store...)
	if err != nil {
		return ui.RestoreResult{}, err
	}
	defer st.Close()
	return count(ctx, st)
}
