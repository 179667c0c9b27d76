package store

import (
	"errors"
	"testing"
)

func TestMigrationsNumbered(t *testing.T) {
	ms := migrations()
	if len(ms) == 0 || latestSchema != len(ms) {
		t.Fatalf("latestSchema %d, %d migrations", latestSchema, len(ms))
	}
	s, _ := newTestStore(t)
	if v, err := schemaVersion(bg, s.db); err != nil || v != latestSchema {
		t.Fatalf("schema version %d, %v; want %d", v, err, latestSchema)
	}
	var ok string
	if err := s.db.QueryRow(`PRAGMA foreign_key_check`).Scan(&ok); err == nil {
		t.Fatalf("foreign key violations in a new profile")
	}
}

func TestPragmas(t *testing.T) {
	s, _ := newTestStore(t)
	for pragma, want := range map[string]string{
		"journal_mode":  "wal",
		"synchronous":   "1",
		"foreign_keys":  "1",
		"secure_delete": "1",
		"busy_timeout":  "10000",
	} {
		var got string
		if err := s.db.QueryRow(`PRAGMA ` + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
}

func TestOpenNewerSchema(t *testing.T) {
	s, dir := newTestStore(t)
	if _, err := s.db.Exec(`UPDATE schema_version SET version = ?`, latestSchema+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestTamperedKDFParams(t *testing.T) {
	s, dir := newTestStore(t)
	// A file asking for 1 TiB of memory is refused before Argon2id runs.
	if _, err := s.db.Exec(`UPDATE keyring SET kdf_memory = ?`, int64(1)<<30); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, testPass, WithKDF(testKDF)); !errors.Is(err, ErrKDFParams) {
		t.Fatalf("Open with absurd stored params: %v, want ErrKDFParams", err)
	}
}
