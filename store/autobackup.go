package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Automatic backups: the messenger calls [Store.BackupToFolder] on its
// schedule; the store writes the file atomically and keeps the newest.
const (
	// backupPrefix and backupSuffix frame an automatic backup's file name;
	// the time between them sorts in creation order.
	backupPrefix = "ratchat-"
	backupSuffix = ".rcb"
	// backupTimeLayout is the file name's UTC time.
	backupTimeLayout = "20060102-150405.000000000"
)

// BackupToFolder writes a backup sealed under key into folder (created
// 0700), named ratchat-<UTC time>.rcb, and then deletes all but the newest
// keep automatic backups there (keep < 1 keeps them all). The file is
// written under a temporary name, synced and renamed, so the folder never
// holds a partial backup under a backup's name. It returns the new file's
// path.
func (s *Store) BackupToFolder(ctx context.Context, folder string, key BackupKey, keep int) (string, error) {
	if err := makePrivateDir(folder); err != nil {
		return "", err
	}
	name := backupPrefix + s.now().UTC().Format(backupTimeLayout) + backupSuffix
	path := filepath.Join(folder, name)
	tmp, err := os.CreateTemp(folder, ".partial-*")
	if err != nil {
		return "", fmt.Errorf("store: creating backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = s.Export(ctx, tmp, key, nil)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("store: writing backup: %w", err)
	}
	if err := syncDir(folder); err != nil {
		return "", err
	}
	return path, pruneBackups(folder, keep)
}

// pruneBackups deletes all but the newest keep automatic backups.
func pruneBackups(folder string, keep int) error {
	if keep < 1 {
		return nil
	}
	entries, err := os.ReadDir(folder)
	if err != nil {
		return fmt.Errorf("store: listing backups: %w", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(folder, names[0])); err != nil {
			return fmt.Errorf("store: pruning backups: %w", err)
		}
		names = names[1:]
	}
	return nil
}
