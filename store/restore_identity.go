package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"ratchat/keys"
)

// replacedSuffix names a database a forced restore kept aside:
// ratchat.db.replaced-20060102T150405Z.
const replacedSuffix = ".replaced-"

// maxAsideTries bounds the names tried for a kept-aside database when
// forced restores happen within the same second.
const maxAsideTries = 100

// OtherIdentityError is returned by [Restore] for a backup whose identity
// key is not the existing profile's; it matches [ErrOtherIdentity]. The
// profile was left as it was; [WithForce] restores it anyway.
type OtherIdentityError struct {
	// Profile is the existing profile's identity key.
	Profile keys.PublicKey
	// Backup is the backup's identity key; the zero key when the backup
	// holds none.
	Backup keys.PublicKey
}

// Error names both identities by a short fingerprint.
func (e *OtherIdentityError) Error() string {
	return fmt.Sprintf("store: the backup is of another identity (%s) than this profile's (%s)",
		shortFingerprint(e.Backup), shortFingerprint(e.Profile))
}

// Unwrap returns [ErrOtherIdentity].
func (e *OtherIdentityError) Unwrap() error { return ErrOtherIdentity }

// shortFingerprint is the first 8 bytes of a key in hex, or "none".
func shortFingerprint(k keys.PublicKey) string {
	if k == (keys.PublicKey{}) {
		return "none"
	}
	return hex.EncodeToString(k[:8])
}

// ownIdentity is a profile's identity key, if it has one.
type ownIdentity struct {
	key keys.PublicKey
	set bool
}

// ownIdentity reads the public half of the profile's identity.
func (s *Store) ownIdentity(ctx context.Context) (ownIdentity, error) {
	kp, err := s.Identity(ctx)
	if errors.Is(err, ErrNotFound) {
		return ownIdentity{}, nil
	}
	if err != nil {
		return ownIdentity{}, err
	}
	clear(kp.Private[:])
	return ownIdentity{key: kp.Public, set: true}, nil
}

// readOwnIdentity reads the identity of the profile in dir, whose lock the
// caller holds, unlocking it with passphrase. Nothing is migrated or
// written: a refused restore leaves the file as it was.
func readOwnIdentity(ctx context.Context, dir string, passphrase []byte, o options) (ownIdentity, error) {
	db, err := openDB(dir)
	if err != nil {
		return ownIdentity{}, fmt.Errorf("store: reading the profile a restore would replace: %w", err)
	}
	s := newStore(dir, db, nil, o)
	defer s.Close()
	if err := s.unlockKeys(ctx, passphrase); err != nil {
		return ownIdentity{}, fmt.Errorf("store: reading the profile a restore would replace: %w", err)
	}
	return s.ownIdentity(ctx)
}

// profileExists reports whether dir holds a profile database; a
// zero-length file left by a crash during Create counts as none, as it
// does for [Create].
func profileExists(dir string) (bool, error) {
	fi, err := os.Lstat(dbPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	if fi.Size() != 0 {
		return true, nil
	}
	return fileExists(dbPath(dir) + "-wal")
}

// keepAside links the database at path (already checkpointed, without a
// WAL) to path.replaced-TIME, 0600, so that renaming the restored file
// over path keeps the old one. Why a hard link rather than a rename: the
// profile's name always points at a complete database, the old one until
// the rename, the new one after it, whatever moment a crash comes at.
func keepAside(path string, now time.Time) error {
	base := path + replacedSuffix + now.UTC().Format("20060102T150405Z")
	for i := range maxAsideTries {
		name := base
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		err := os.Link(path, name)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: keeping the replaced profile: %w", err)
		}
		if err := os.Chmod(name, filePerm); err != nil {
			return fmt.Errorf("store: keeping the replaced profile: %w", err)
		}
		return nil
	}
	return fmt.Errorf("store: keeping the replaced profile: %d names taken", maxAsideTries)
}
