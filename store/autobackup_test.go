package store

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestBackupToFolder(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Create(t.TempDir(), testPass, WithKDF(testKDF), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fillProfile(t, s, 3)
	folder := filepath.Join(t.TempDir(), "backups")
	rk, _ := NewRecoveryKey(rand.Reader)
	os.MkdirAll(folder, 0o700)
	os.WriteFile(filepath.Join(folder, "notes.txt"), []byte("not a backup"), 0o600)
	var paths []string
	for i := range 5 {
		now = now.Add(time.Duration(i+1) * time.Hour)
		p, err := s.BackupToFolder(bg, folder, rk, 3)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	entries, _ := os.ReadDir(folder)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 4 { // the three newest and notes.txt
		t.Fatalf("folder holds %v", names)
	}
	for _, p := range paths[:2] {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("old backup %s not pruned", p)
		}
	}
	if err := restoreFile(t, t.TempDir(), paths[4], rk); err != nil {
		t.Fatalf("newest automatic backup does not restore: %v", err)
	}
}
