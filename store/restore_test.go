package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// backupErrors are the typed errors a failed restore may return.
var backupErrors = []error{ErrNotBackup, ErrBackupVersion, ErrBackupKey, ErrBackupCorrupt, ErrBackupTruncated}

// isBackupError reports whether err is one of backupErrors.
func isBackupError(err error) bool {
	for _, e := range backupErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// restoreCase is one damaged backup and the error restoring it must give.
type restoreCase struct {
	name string
	data []byte
	key  BackupKey
	want error
}

// TestRestoreFailuresLeaveProfile damages a backup in every way the issue
// lists and checks that each restore fails with its typed error and leaves
// the existing profile byte for byte as it was, and still usable.
func TestRestoreFailuresLeaveProfile(t *testing.T) {
	src, _ := newTestStore(t)
	fillProfile(t, src, 4000) // a few chunks
	rk, _ := NewRecoveryKey(rand.Reader)
	good, err := os.ReadFile(exportTo(t, src, rk))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewRecoveryKey(rand.Reader)
	hdr := len(backupMagic) + 2 + backupSaltSize + backupMACSize
	enc := streamEncChunkSize
	if len(good) < hdr+2*enc {
		t.Fatalf("backup of %d bytes is too small for this test", len(good))
	}
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x04; return b }
	swapped := append(append(append(bytes.Clone(good[:hdr]), good[hdr+enc:hdr+2*enc]...), good[hdr:hdr+enc]...), good[hdr+2*enc:]...)
	cases := []restoreCase{
		{"wrong recovery key", good, other, ErrBackupKey},
		{"passphrase for a recovery-key backup", good, BackupPassphrase([]byte("x")), ErrBackupKey},
		{"empty file", nil, rk, ErrNotBackup},
		{"foreign file", bytes.Repeat([]byte("SQLite format 3\x00"), 100), rk, ErrNotBackup},
		{"newer version", func() []byte { b := bytes.Clone(good); b[len(backupMagic)] = 2; return b }(), rk, ErrBackupVersion},
		{"header only", good[:hdr], rk, ErrBackupTruncated},
		{"cut in the header", good[:hdr-1], rk, ErrBackupTruncated},
		{"cut at a chunk boundary", good[:hdr+enc], rk, ErrBackupTruncated},
		{"cut inside a chunk", good[:hdr+enc+1000], rk, ErrBackupCorrupt},
		{"last byte missing", good[:len(good)-1], rk, ErrBackupCorrupt},
		{"chunks reordered", swapped, rk, ErrBackupCorrupt},
		{"trailing bytes", append(bytes.Clone(good), 1, 2, 3), rk, ErrBackupCorrupt},
		{"bit flip in the salt", flip(len(backupMagic) + 5), rk, ErrBackupKey},
		{"bit flip in the header MAC", flip(hdr - 1), rk, ErrBackupKey},
		{"bit flip in the first chunk", flip(hdr + 10), rk, ErrBackupCorrupt},
		{"bit flip in a middle chunk", flip(hdr + enc + 500), rk, ErrBackupCorrupt},
		{"bit flip in the last tag", flip(len(good) - 1), rk, ErrBackupCorrupt},
	}
	restoreMustFail(t, cases)
}

// restoreMustFail runs each damaged restore over an existing profile and
// checks its typed error, that every file stayed byte for byte the same,
// and that the profile still opens with its identity.
func restoreMustFail(t *testing.T, cases []restoreCase) {
	t.Helper()
	existing, dir := newTestStore(t)
	kp := fillProfile(t, existing, 20)
	existing.Close()
	before := snapshot(t, dir)
	for _, tc := range cases {
		err := Restore(bg, dir, bytes.NewReader(tc.data), tc.key, testPass, WithKDF(testKDF))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		sameFiles(t, dir, before)
	}
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatalf("profile unusable after failed restores: %v", err)
	}
	defer s.Close()
	if got, err := s.Identity(bg); err != nil || !got.Equal(kp) {
		t.Fatal("identity changed by a failed restore")
	}
}

// TestRestoreRejectsForgedContents writes well-sealed backups whose
// contents break the export's rules: only an exporter holding the key
// could, but the restore must still refuse them.
func TestRestoreRejectsForgedContents(t *testing.T) {
	rk, _ := NewRecoveryKey(rand.Reader)
	profile := record(recProfile, func(e *encoder) { e.bytes(nil); e.bytes(nil); e.bytes(nil) })
	contact := func(id uint64) []byte {
		return record(recContact, func(e *encoder) {
			e.uvarint(id)
			e.bytes(make([]byte, 32))
			e.str("x")
			e.str("y")
			e.bool(false)
			e.bool(false)
		})
	}
	message := func(conv ContactID, seq int64, n int) []byte {
		return record(recMessage, func(e *encoder) {
			m := testMessage(conv, n)
			m.Seq = seq
			encodeBackupMessage(e, &m)
		})
	}
	end := func(c, m uint64) []byte { return record(recEnd, func(e *encoder) { e.uvarint(c); e.uvarint(m) }) }
	for _, tc := range []struct {
		name string
		recs [][]byte
	}{
		{"no end record", [][]byte{profile}},
		{"no profile first", [][]byte{contact(1), end(1, 0)}},
		{"two profiles", [][]byte{profile, profile, end(0, 0)}},
		{"record after the end", [][]byte{profile, end(0, 0), contact(1)}},
		{"counts do not match", [][]byte{profile, contact(1), end(2, 0)}},
		{"contact ids not increasing", [][]byte{profile, contact(2), contact(2), end(2, 0)}},
		{"unknown record kind", [][]byte{profile, record(99, func(*encoder) {}), end(0, 0)}},
		{"malformed record", [][]byte{profile, record(recSetting, func(e *encoder) { e.uvarint(1000) }), end(0, 0)}},
		{"message to no contact", [][]byte{profile, message(5, 1, 1), end(0, 1)}},
		{"same message twice", [][]byte{profile, contact(1), message(1, 1, 7), message(1, 2, 7), end(1, 2)}},
	} {
		data := sealRecords(t, rk, bytes.Join(tc.recs, nil))
		dir := t.TempDir()
		if err := Restore(bg, dir, bytes.NewReader(data), rk, testPass, WithKDF(testKDF)); !errors.Is(err, ErrBackupCorrupt) {
			t.Errorf("%s: %v, want ErrBackupCorrupt", tc.name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, dbFileName)); !os.IsNotExist(err) {
			t.Errorf("%s: a profile was left behind", tc.name)
		}
	}
	ok := sealRecords(t, rk, bytes.Join([][]byte{profile, contact(1), end(1, 0)}, nil))
	if err := Restore(bg, t.TempDir(), bytes.NewReader(ok), rk, testPass, WithKDF(testKDF)); err != nil {
		t.Fatalf("the well-formed control failed: %v", err)
	}
}

// record frames one record.
func record(kind byte, fill func(*encoder)) []byte {
	var e encoder
	fill(&e)
	var out encoder
	out.b = append(out.b, kind)
	out.bytes(e.b)
	return out.b
}

// sealRecords makes a backup file of raw record bytes.
func sealRecords(t testing.TB, key BackupKey, recs []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	pk, err := writeBackupHeader(&buf, key, testKDF, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := newStreamWriter(&buf, pk)
	w.Write(recs)
	w.Close()
	return buf.Bytes()
}

// fuzzKey is the fixed recovery key of the fuzz seeds.
var fuzzKey, _ = ParseRecoveryKey("1234567890123456789012345678901234567890123456789012345678901234")

// FuzzBackupReader restores arbitrary bytes: it must never panic, fail
// only with the typed backup errors, and leave nothing behind when it
// fails. The seeds are real backups, so mutations reach the stream and
// record parsers (FuzzBackupRecords reaches them directly).
func FuzzBackupReader(f *testing.F) {
	s, _ := newTestStore(f)
	fillProfile(f, s, 5)
	g, err := s.AddGroup(bg, testGroupID(1), "group", StateRequest)
	if err != nil {
		f.Fatal(err)
	}
	if err := s.SaveGroupState(bg, g, 1, []byte("state")); err != nil {
		f.Fatal(err)
	}
	bob, _ := s.ContactByIdentity(bg, testKey(f, 3))
	carol, _ := s.ContactByIdentity(bg, testKey(f, 2))
	if _, err := s.InsertMessages(bg, groupRows(g, bob.ID, carol.ID)); err != nil {
		f.Fatal(err)
	}
	var seed bytes.Buffer
	if err := s.Export(bg, &seed, fuzzKey, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(backupMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		err := Restore(bg, dir, bytes.NewReader(data), fuzzKey, testPass, WithKDF(testKDF))
		if err == nil {
			return
		}
		if !isBackupError(err) {
			t.Fatalf("untyped error: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 { // the lock file only
			t.Fatalf("failed restore left %d files", len(entries))
		}
	})
}

// FuzzBackupRecords restores correctly sealed backups of arbitrary record
// bytes, reaching the record parser and the inserts past the encryption.
func FuzzBackupRecords(f *testing.F) {
	profile := record(recProfile, func(e *encoder) { e.bytes(nil); e.str("n"); e.str("a") })
	f.Add(append(profile, record(recEnd, func(e *encoder) { e.uvarint(0); e.uvarint(0) })...))
	f.Add(profile)
	gid := testGroupID(1)
	group := record(recContact, func(e *encoder) {
		e.uvarint(1)
		e.bytes(gid[:])
		e.str("g")
		e.str("")
		e.bool(false)
		e.bool(false)
		e.uvarint(uint64(StateRequest))
		e.uvarint(0)
		e.bool(true)
	})
	state := record(recGroupState, func(e *encoder) { e.uvarint(1); e.uvarint(1); e.bytes([]byte("state")) })
	f.Add(bytes.Join([][]byte{profile, group, state, record(recEnd, func(e *encoder) { e.uvarint(1); e.uvarint(0) })}, nil))
	f.Fuzz(func(t *testing.T, recs []byte) {
		data := sealRecords(t, fuzzKey, recs)
		err := Restore(bg, t.TempDir(), bytes.NewReader(data), fuzzKey, testPass, WithKDF(testKDF))
		if err != nil && !isBackupError(err) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
