package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/keys"
)

// profileWithIdentity makes a closed profile in a new folder holding a
// fresh identity and one contact, and returns the folder and identity.
func profileWithIdentity(t *testing.T, contact string) (string, keys.KeyPair) {
	t.Helper()
	s, dir := newTestStore(t)
	kp, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetIdentity(bg, kp); err != nil {
		t.Fatal(err)
	}
	addTestContact(t, s, 7, contact)
	s.Close()
	return dir, kp
}

// backupOf exports the profile in dir (passphrase testPass).
func backupOf(t *testing.T, dir string, rk RecoveryKey) []byte {
	t.Helper()
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b bytes.Buffer
	if err := s.Export(bg, &b, rk, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// asideFiles lists the databases a forced restore kept aside in dir.
func asideFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, dbFileName+replacedSuffix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// identityOf opens the database file at path (copied into a folder of its
// own) and returns its identity.
func identityOf(t *testing.T, path string) keys.PublicKey {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, dbFileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	kp, err := s.Identity(bg)
	if err != nil {
		t.Fatal(err)
	}
	return kp.Public
}

func TestRestoreRefusesOtherIdentity(t *testing.T) {
	rk, _ := NewRecoveryKey(rand.Reader)
	otherDir, other := profileWithIdentity(t, "mallory")
	backup := backupOf(t, otherDir, rk)
	dir, mine := profileWithIdentity(t, "bob")
	before := snapshot(t, dir)

	err := Restore(bg, dir, bytes.NewReader(backup), rk, testPass, WithKDF(testKDF))
	var oe *OtherIdentityError
	if !errors.Is(err, ErrOtherIdentity) || !errors.As(err, &oe) {
		t.Fatalf("restore of another identity: %v, want ErrOtherIdentity", err)
	}
	if !oe.Profile.Equal(mine.Public) || !oe.Backup.Equal(other.Public) {
		t.Fatalf("error names %x and %x", oe.Profile, oe.Backup)
	}
	if !strings.HasPrefix(err.Error(), "store: ") {
		t.Errorf("message %q lacks the package prefix", err)
	}
	sameFiles(t, dir, before)

	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 2 { // the second in the same second takes another name
		err = Restore(bg, dir, bytes.NewReader(backup), rk, testPass, WithKDF(testKDF), WithForce(),
			WithClock(func() time.Time { return at }))
		if err != nil {
			t.Fatalf("forced restore %d: %v", i, err)
		}
	}
	aside := asideFiles(t, dir)
	if len(aside) != 2 || filepath.Base(aside[0]) != "ratchat.db.replaced-20300102T030405Z" {
		t.Fatalf("kept aside: %v", aside)
	}
	fi, err := os.Stat(aside[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept-aside file: %v, %v", fi, err)
	}
	if got := identityOf(t, aside[0]); !got.Equal(mine.Public) {
		t.Fatal("the kept-aside database is not the replaced profile")
	}
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if kp, err := s.Identity(bg); err != nil || !kp.Equal(other) {
		t.Fatalf("restored identity: %v", err)
	}
}

// TestRestoreWithoutForce covers the restores that need no force: the
// same identity, a new folder, and a profile without an identity; and
// one that does: a passphrase that does not open the existing profile.
func TestRestoreWithoutForce(t *testing.T) {
	rk, _ := NewRecoveryKey(rand.Reader)
	srcDir, src := profileWithIdentity(t, "bob")
	backup := backupOf(t, srcDir, rk)
	empty, noIdentity := newTestStore(t)
	empty.Close()
	for _, tc := range []struct {
		name string
		dir  string
		pass []byte
		want error
	}{
		{"the same identity", srcDir, testPass, nil},
		{"a new folder", filepath.Join(t.TempDir(), "new"), []byte("another pass"), nil},
		{"an empty profile", noIdentity, testPass, nil},
		{"another passphrase", srcDir, []byte("another pass"), ErrWrongPassphrase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Restore(bg, tc.dir, bytes.NewReader(backup), rk, tc.pass, WithKDF(testKDF))
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
			if n := len(asideFiles(t, tc.dir)); n != 0 {
				t.Fatalf("%d files kept aside by an unforced restore", n)
			}
			if tc.want != nil {
				return
			}
			s, err := Open(tc.dir, tc.pass, WithKDF(testKDF))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if kp, err := s.Identity(bg); err != nil || !kp.Equal(src) {
				t.Fatalf("restored identity: %v", err)
			}
		})
	}
}
