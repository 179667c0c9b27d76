package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File names inside a profile folder.
const (
	// dbFileName is the SQLite database; SQLite adds "-wal" and "-shm".
	dbFileName = "ratchat.db"
	// lockFileName is the file whose flock marks the profile as open.
	lockFileName = "lock"
	// dirPerm keeps the folder private to its owner.
	dirPerm os.FileMode = 0o700
	// filePerm keeps every file private to its owner. SQLite creates the
	// -wal and -shm files with the permissions of the database file, so
	// creating that file ourselves with 0600 covers all three.
	filePerm os.FileMode = 0o600
)

// DefaultDir returns the folder of the named profile under the XDG data
// directory: $XDG_DATA_HOME/ratchat/<profile>, or
// ~/.local/share/ratchat/<profile> when XDG_DATA_HOME is unset or not an
// absolute path (the XDG specification says to ignore relative ones).
func DefaultDir(profile string) (string, error) {
	if profile == "" || profile == "." || profile == ".." ||
		strings.ContainsAny(profile, `/\`+"\x00") {
		return "", ErrInvalidProfileName
	}
	base := os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("store: finding the data folder: %w", err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "ratchat", profile), nil
}

// makePrivateDir creates dir (and its parents) and makes dir itself 0700.
// MkdirAll applies the umask, and a folder that existed before may be more
// open, so the mode is set explicitly: other users must not even list the
// file names and sizes.
func makePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("store: creating profile folder: %w", err)
	}
	if err := os.Chmod(dir, dirPerm); err != nil {
		return fmt.Errorf("store: securing profile folder: %w", err)
	}
	return nil
}

// dbPath returns the database file of the profile in dir.
func dbPath(dir string) string { return filepath.Join(dir, dbFileName) }

// fileExists reports whether path exists, and any error other than absence.
func fileExists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if os.IsNotExist(err) {
		return false, nil
	}
	return false, fmt.Errorf("store: %w", err)
}

// syncDir flushes a folder's entries (a create or a rename) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: syncing folder: %w", err)
	}
	return nil
}
