package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ratchat/keys"
)

func TestRecoveryKey(t *testing.T) {
	k, err := NewRecoveryKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	shown := k.Display()
	if !regexp.MustCompile(`^\d{4}( \d{4}){15}$`).MatchString(shown) {
		t.Fatalf("Display = %q, want 16 groups of 4 digits", shown)
	}
	back, err := ParseRecoveryKey(strings.ReplaceAll(shown, " ", "-") + "\n")
	if err != nil || back != k {
		t.Fatalf("ParseRecoveryKey(Display()) = %v", err)
	}
	for _, bad := range []string{"", shown[:len(shown)-1], shown + "1", strings.Replace(shown, "0", "O", 1) + "0"} {
		if _, err := ParseRecoveryKey(bad); !errors.Is(err, ErrInvalidRecoveryKey) {
			t.Errorf("ParseRecoveryKey(%q): %v", bad, err)
		}
	}
	for _, s := range []string{k.String(), k.GoString()} {
		if s != "redacted" {
			t.Fatalf("recovery key prints as %q", s)
		}
	}
	// Bytes of 250 and more are rejected, so every digit is uniform.
	src := bytes.NewReader(append(bytes.Repeat([]byte{255, 250, 9}, 64), bytes.Repeat([]byte{9}, 64)...))
	k2, err := NewRecoveryKey(src)
	if err != nil || k2.Display() != strings.TrimSpace(strings.Repeat("9999 ", 16)) {
		t.Fatalf("rejection sampling: %q, %v", k2.Display(), err)
	}
}

// fillProfile writes a profile with n messages and one of everything else,
// and returns the identity it stored.
func fillProfile(t testing.TB, s *Store, n int) keys.KeyPair {
	t.Helper()
	kp, _ := keys.GenerateKeyPair(rand.Reader)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(s.SetIdentity(bg, kp))
	check(s.SetDisplayName(bg, "Alice"))
	check(s.SetHomeAddress(bg, "alice.example:7000"))
	check(s.SetSetting(bg, "theme", "dark"))
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	check(s.SetVerified(bg, carol, true))
	check(s.ChangeIdentity(bg, bob, testKey(t, 3)))
	check(s.PutSession(bg, bob, []byte("ratchet state")))
	check(s.PutPreKey(bg, PreKeyRef{KindOneTimePreKey, 1}, []byte("prekey")))
	for start := 0; start < n; start += 1000 {
		var batch []Message
		for i := start; i < min(n, start+1000); i++ {
			m := testMessage([]ContactID{bob, carol}[i%2], i)
			if i%3 == 0 {
				m.Direction, m.Status = Outgoing, StatusRead
			}
			if i == 5 {
				m.Expires = time.Unix(2_000_000_000, 0)
			}
			batch = append(batch, m)
		}
		_, err := s.InsertMessages(bg, batch)
		check(err)
	}
	m, err := s.Message(bg, bob, msgID(0))
	check(err)
	_, err = s.PutAttachment(bg, Attachment{Message: m.Seq, Name: "cat.jpg", MIME: "image/jpeg", Data: []byte("meow")})
	check(err)
	return kp
}

// exportTo writes a backup of s under key into a file in a new folder.
func exportTo(t testing.TB, s *Store, key BackupKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.rcb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.Export(bg, f, key, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// restoreFile restores the backup at path into dir.
func restoreFile(t testing.TB, dir, path string, key BackupKey, opts ...Option) error {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Restore(bg, dir, f, key, []byte("restored pass"), append([]Option{WithKDF(testKDF)}, opts...)...)
}

// sameProfile checks that restored holds everything of orig but sessions
// and prekeys, which it must not hold.
func sameProfile(t testing.TB, orig, restored *Store, kp keys.KeyPair, n int) {
	t.Helper()
	if got, err := restored.Identity(bg); err != nil || !got.Equal(kp) {
		t.Fatalf("identity not restored: %v", err)
	}
	for _, f := range []func(*Store) (string, error){
		func(s *Store) (string, error) { return s.DisplayName(bg) },
		func(s *Store) (string, error) { return s.HomeAddress(bg) },
		func(s *Store) (string, error) { return s.Setting(bg, "theme") },
	} {
		a, _ := f(orig)
		if b, err := f(restored); err != nil || a != b {
			t.Fatalf("profile field %q restored as %q (%v)", a, b, err)
		}
	}
	oc, _ := orig.Contacts(bg)
	rc, err := restored.Contacts(bg)
	if err != nil || len(rc) != len(oc) {
		t.Fatalf("contacts: %d, %v", len(rc), err)
	}
	for i := range oc {
		if oc[i] != rc[i] {
			t.Fatalf("contact %+v restored as %+v", oc[i], rc[i])
		}
		oh, _ := orig.IdentityHistory(bg, oc[i].ID)
		rh, _ := restored.IdentityHistory(bg, rc[i].ID)
		if len(oh) != len(rh) {
			t.Fatalf("identity history of %d: %d entries, want %d", oc[i].ID, len(rh), len(oh))
		}
		if _, err := restored.Session(bg, rc[i].ID); !errors.Is(err, ErrSessionReset) {
			t.Fatalf("session of %d after restore: %v, want ErrSessionReset", rc[i].ID, err)
		}
	}
	if resets, _ := restored.SessionResets(bg); len(resets) != len(rc) {
		t.Fatalf("SessionResets = %v", resets)
	}
	if ids, _ := restored.PreKeyIDs(bg, KindOneTimePreKey); len(ids) != 0 {
		t.Fatalf("prekeys restored: %v", ids)
	}
	sameMessages(t, orig, restored, oc, n)
}

// sameMessages checks that restored holds the n messages and the
// attachment of orig, with their sequence numbers.
func sameMessages(t testing.TB, orig, restored *Store, oc []Contact, n int) {
	t.Helper()
	total := 0
	for _, c := range oc {
		want, _, _ := orig.Messages(bg, c.ID, 0, n+1)
		got, _, err := restored.Messages(bg, c.ID, 0, n+1)
		if err != nil || len(got) != len(want) {
			t.Fatalf("conversation %d: %d messages, want %d (%v)", c.ID, len(got), len(want), err)
		}
		for i := range want {
			sameMessage(t, got[i], want[i])
			if got[i].Seq != want[i].Seq {
				t.Fatalf("sequence not kept: %d, want %d", got[i].Seq, want[i].Seq)
			}
		}
		total += len(got)
	}
	if total != n {
		t.Fatalf("%d messages restored, want %d", total, n)
	}
	first, _ := restored.Message(bg, oc[0].ID, msgID(0))
	if atts, _ := restored.Attachments(bg, first.Seq); len(atts) != 1 || atts[0].Name != "cat.jpg" {
		t.Fatalf("attachments restored: %+v", atts)
	}
}

func TestBackupRoundTrip(t *testing.T) {
	n := 300
	s, _ := newTestStore(t)
	kp := fillProfile(t, s, n)
	rk, _ := NewRecoveryKey(rand.Reader)
	path := exportTo(t, s, rk)
	dir := filepath.Join(t.TempDir(), "restored")
	var reports []Progress
	if err := restoreFile(t, dir, path, rk, WithProgress(func(p Progress) { reports = append(reports, p) })); err != nil {
		t.Fatal(err)
	}
	if len(reports) == 0 || reports[len(reports)-1].Done != reports[len(reports)-1].Total {
		t.Fatalf("progress reports: %v", reports)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 { // ratchat.db and lock, no leftovers
		t.Fatalf("restored folder holds %d files", len(entries))
	}
	r, err := Open(dir, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sameProfile(t, s, r, kp, n)
	// The indexes the restore dropped are back: a redelivery is still
	// stored once.
	var ixs int
	r.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name IN ('messages_msgid', 'messages_page')`).Scan(&ixs)
	if _, ok, err := r.InsertMessage(bg, testMessage(1, 0)); ixs != 2 || ok || err != nil {
		t.Fatalf("after restore: %d indexes, duplicate inserted %v (%v)", ixs, ok, err)
	}
}

func TestBackup10000Messages(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10,000 messages: skipped in -short and -race runs")
	}
	n := 10_000
	s, _ := newTestStore(t)
	kp := fillProfile(t, s, n)
	key := BackupPassphrase([]byte("backup passphrase"))
	var exportReports int
	path := filepath.Join(t.TempDir(), "backup.rcb")
	f, _ := os.Create(path)
	if err := s.Export(bg, f, key, func(Progress) { exportReports++ }); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if exportReports < n/progressEvery {
		t.Fatalf("%d export progress reports", exportReports)
	}
	dir := t.TempDir()
	if err := restoreFile(t, dir, path, key); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sameProfile(t, s, r, kp, n)
}

func TestRestoreOverExisting(t *testing.T) {
	src, _ := newTestStore(t)
	kp := fillProfile(t, src, 50)
	rk, _ := NewRecoveryKey(rand.Reader)
	path := exportTo(t, src, rk)

	old, dir := newTestStore(t)
	addTestContact(t, old, 9, "someone else")
	if err := Restore(bg, dir, bytes.NewReader(nil), rk, testPass); !errors.Is(err, ErrLocked) {
		t.Fatalf("restore over an open profile: %v, want ErrLocked", err)
	}
	old.Close()
	// Another passphrase than the profile's: refused unless forced.
	if err := restoreFile(t, dir, path, rk); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("restore under another passphrase: %v, want ErrWrongPassphrase", err)
	}
	if err := restoreFile(t, dir, path, rk, WithForce()); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase after restore: %v", err)
	}
	r, err := Open(dir, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sameProfile(t, src, r, kp, 50)
}
