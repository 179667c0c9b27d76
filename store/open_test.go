package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"ratchat/keys"
)

func TestCreateOpenRoundTrip(t *testing.T) {
	s, dir := newTestStore(t)
	kp, err := keys.GenerateKeyPair(bytes.NewReader(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetIdentity(bg, kp); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIdentity(bg, kp); !errors.Is(err, ErrIdentityExists) {
		t.Fatalf("second SetIdentity: %v, want ErrIdentityExists", err)
	}
	if err := s.SetDisplayName(bg, "Alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHomeAddress(bg, "alice.example:7000"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(bg, "theme", "dark"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(bg, "theme", "light"); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	if s.Dir() != dir {
		t.Fatalf("Dir = %q", s.Dir())
	}
	got, err := s.Identity(bg)
	if err != nil || !got.Equal(kp) {
		t.Fatalf("Identity = %v, %v", got.Public, err)
	}
	if name, _ := s.DisplayName(bg); name != "Alice" {
		t.Fatalf("DisplayName = %q", name)
	}
	if addr, _ := s.HomeAddress(bg); addr != "alice.example:7000" {
		t.Fatalf("HomeAddress = %q", addr)
	}
	if v, err := s.Setting(bg, "theme"); err != nil || v != "light" {
		t.Fatalf("Setting = %q, %v", v, err)
	}
	if _, err := s.Setting(bg, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing setting: %v", err)
	}
}

func TestIdentityUnset(t *testing.T) {
	s, _ := newTestStore(t)
	if _, err := s.Identity(bg); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Identity on a new profile: %v, want ErrNotFound", err)
	}
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "profile")
	s, err := Create(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetDisplayName(bg, "x"); err != nil { // makes SQLite create -wal and -shm
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, %v", fi.Mode().Perm(), err)
	}
	for _, name := range []string{dbFileName, dbFileName + "-wal", dbFileName + "-shm", lockFileName} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

func TestOpenTightensFolder(t *testing.T) {
	s, dir := newTestStore(t)
	s.Close()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v after Open, want 0700", fi.Mode().Perm())
	}
}

func TestCreateExistsAndOpenMissing(t *testing.T) {
	s, dir := newTestStore(t)
	s.Close()
	if _, err := Create(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over a profile: %v, want ErrExists", err)
	}
	if _, err := Open(t.TempDir(), testPass); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("Open of an empty folder: %v, want ErrNoProfile", err)
	}
	if _, err := Create(t.TempDir(), nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("Create with an empty passphrase: %v", err)
	}
	if _, err := Create(t.TempDir(), testPass, WithKDF(KDFParams{Time: 1, MemoryKiB: 1 << 30, Threads: 1})); !errors.Is(err, ErrKDFParams) {
		t.Fatalf("Create with absurd KDF params: %v", err)
	}
}

func TestOpenForeignFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, dbFileName), bytes.Repeat([]byte("not sqlite"), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, testPass); !errors.Is(err, ErrNotProfile) {
		t.Fatalf("Open of a foreign file: %v, want ErrNotProfile", err)
	}
}

// snapshot returns the contents of every file in dir.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// sameFiles fails the test unless dir holds exactly the files of want.
func sameFiles(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	got := snapshot(t, dir)
	if len(got) != len(want) {
		t.Fatalf("folder has %d files, want %d", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Fatalf("%s changed", name)
		}
	}
}

func TestWrongPassphraseChangesNothing(t *testing.T) {
	s, dir := newTestStore(t)
	if err := s.SetDisplayName(bg, "Alice"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := snapshot(t, dir)
	for _, pass := range [][]byte{[]byte("wrong"), nil, append(testPass, 'x')} {
		if _, err := Open(dir, pass, WithKDF(testKDF)); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Open(%q): %v, want ErrWrongPassphrase", pass, err)
		}
		sameFiles(t, dir, before)
	}
	s2, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if name, _ := s2.DisplayName(bg); name != "Alice" {
		t.Fatalf("DisplayName = %q", name)
	}
}

func TestChangePassphrase(t *testing.T) {
	s, dir := newTestStore(t)
	if err := s.SetDisplayName(bg, "Alice"); err != nil {
		t.Fatal(err)
	}
	var oldWrapped []byte
	if err := s.db.QueryRow(`SELECT wrapped FROM keyring`).Scan(&oldWrapped); err != nil {
		t.Fatal(err)
	}
	newPass := []byte("new passphrase")
	if err := s.ChangePassphrase(bg, []byte("wrong"), newPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase with a wrong old one: %v", err)
	}
	if err := s.ChangePassphrase(bg, testPass, nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("ChangePassphrase to empty: %v", err)
	}
	if err := s.ChangePassphrase(bg, testPass, newPass); err != nil {
		t.Fatal(err)
	}
	// The old wrapping, which the old passphrase opens, is gone from disk.
	for name, b := range snapshot(t, dir) {
		if bytes.Contains(b, oldWrapped) {
			t.Errorf("old wrapped key still in %s", name)
		}
	}
	s.Close()
	if _, err := Open(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open with the old passphrase: %v", err)
	}
	s2, err := Open(dir, newPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if name, _ := s2.DisplayName(bg); name != "Alice" {
		t.Fatalf("DisplayName after passphrase change = %q", name)
	}
}

func TestLockedInProcess(t *testing.T) {
	s, dir := newTestStore(t)
	if _, err := Open(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if _, err := Create(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrLocked) {
		t.Fatalf("Create on an open profile: %v, want ErrLocked", err)
	}
	s.Close()
	s2, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
	if err := s2.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s2.DisplayName(bg); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestLockedOtherProcess(t *testing.T) {
	_, dir := newTestStore(t)
	cmd := helperCmd(t, "open", dir)
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper process did not get ErrLocked: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d, err := DefaultDir("work"); err != nil || d != "/xdg/ratchat/work" {
		t.Fatalf("DefaultDir = %q, %v", d, err)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/u")
	if d, err := DefaultDir("work"); err != nil || d != "/home/u/.local/share/ratchat/work" {
		t.Fatalf("DefaultDir = %q, %v", d, err)
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`} {
		if _, err := DefaultDir(bad); !errors.Is(err, ErrInvalidProfileName) {
			t.Errorf("DefaultDir(%q): %v", bad, err)
		}
	}
}

func TestKDFParamsBounds(t *testing.T) {
	for _, p := range []KDFParams{
		{Time: 0, MemoryKiB: 64, Threads: 1},      // no pass
		{Time: 1, MemoryKiB: 4, Threads: 1},       // below Argon2's minimum
		{Time: 1, MemoryKiB: 64, Threads: 0},      // no thread
		{Time: 1, MemoryKiB: 8, Threads: 2},       // memory under 8 KiB per lane
		{Time: 65, MemoryKiB: 64, Threads: 1},     // too slow
		{Time: 1, MemoryKiB: 5 << 20, Threads: 1}, // 5 GiB
	} {
		if p.valid() {
			t.Errorf("%+v accepted", p)
		}
		if _, ok := parseKDFParams(p.appendBinary(nil)); ok {
			t.Errorf("%+v parsed", p)
		}
	}
	if p, ok := parseKDFParams(DefaultKDF.appendBinary(nil)); !ok || p != DefaultKDF {
		t.Fatalf("DefaultKDF round trip: %+v %v", p, ok)
	}
}
