package chat

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ratchat/store"
)

// TestAutoBackup: enabling automatic backups writes one at once (none was
// ever written), sealed under the key shown; it restores into a profile
// with the same history.
func TestAutoBackup(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	if _, err := alice.m.Send(ctx, ab.ID, "keep me"); err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	key, err := alice.m.EnableAutoBackup(ctx, AutoBackup{Folder: folder, Every: time.Hour, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	path, err := alice.m.autoBackupIfDue(ctx)
	if err != nil || path == "" {
		t.Fatalf("first automatic backup: %q, %v", path, err)
	}
	if again, err := alice.m.autoBackupIfDue(ctx); err != nil || again != "" {
		t.Fatalf("a second backup within the hour: %q, %v", again, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(ctx, dir, f, key, []byte("pw"), store.WithKDF(testKDF)); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, _, err := st.Messages(ctx, ab.ID, 0, 10)
	if err != nil || len(msgs) != 1 || string(msgs[0].Body) != "keep me" {
		t.Fatalf("restored %d messages, %v", len(msgs), err)
	}
	if a, on, err := alice.m.AutoBackupSettings(ctx); err != nil || !on || a.Keep != 2 || a.Every != time.Hour {
		t.Fatalf("settings %+v %v %v", a, on, err)
	}
	if err := alice.m.DisableAutoBackup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, on, _ := alice.m.AutoBackupSettings(ctx); on {
		t.Fatal("still on after disabling")
	}
}
