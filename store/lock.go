package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// profileLock is an exclusive flock on the profile's lock file, held for as
// long as the profile is open.
//
// Why flock and not SQLite's own locking: SQLite would let two processes
// open the profile and interleave their writes safely at the page level, but
// two ratchat processes would each advance the same ratchet sessions and
// consume the same one-time prekeys, which breaks the protocol. The lock
// makes the second process fail early with [ErrLocked]. flock locks belong
// to the open file description, so a second open in the same process is
// refused too, and the kernel drops the lock when the process dies, so a
// crash never leaves a stale lock behind.
type profileLock struct {
	f *os.File
}

// lockProfile takes the lock of the profile in dir without waiting.
func lockProfile(dir string) (*profileLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("store: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("store: locking profile: %w", err)
	}
	return &profileLock{f: f}, nil
}

// unlock releases the lock. Closing the file releases it as well; the
// explicit LOCK_UN only makes the order obvious.
func (l *profileLock) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
