package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ratchat/archive"
	"ratchat/keys"
	"ratchat/store"
)

// insertArchived inserts n incoming messages straight into p's store.
func insertArchived(t *testing.T, p *profile, bob store.ContactID, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		now := time.Now()
		m := store.Message{Conversation: bob, ID: store.MessageID{byte(i >> 8), byte(i), 7}, Direction: store.Incoming,
			Body: []byte("m"), Sent: now, Received: now, Status: store.StatusDelivered, StatusAt: now}
		if _, _, err := p.st.InsertMessage(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestArchiveAdoptedAfterRestore: a profile archives three messages
// under a hold and backs up; restored into a new folder where its
// archive's folder was copied, it takes the archive back at once (key,
// records, hold, retention), verifies it, and appends on to the same
// chain.
func TestArchiveAdoptedAfterRestore(t *testing.T) {
	ctx := context.Background()
	p := newProfile(t, "desk", "")
	bob := addArchiveContact(t, p)
	if err := p.m.EnableArchive(ctx, 5*year, "owner"); err != nil {
		t.Fatal(err)
	}
	if err := p.m.SetArchiveHold(ctx, true, "case 12", "owner"); err != nil {
		t.Fatal(err)
	}
	insertArchived(t, p, bob, 0, 3)
	if _, err := p.m.DrainArchive(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.rcb")
	key, err := p.m.ExportBackup(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir2 := filepath.Join(t.TempDir(), "desk2")
	if err := os.CopyFS(ArchiveDir(dir2), os.DirFS(ArchiveDir(p.dir))); err != nil {
		t.Fatal(err)
	}
	pass := []byte("new passphrase")
	res, err := RestoreProfile(ctx, Profile{Dir: dir2, Store: []store.Option{store.WithKDF(testKDF)}}, path, key, pass, nil)
	if err != nil || res.ArchiveErr != nil || res.Archive != 3 {
		t.Fatalf("RestoreProfile = %+v, %v", res, err)
	}
	st, err := store.Open(dir2, pass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p2 := &profile{t: t, name: "desk", dir: dir2, st: st, cfg: testConfig(st, "")}
	p2.start()
	t.Cleanup(p2.stop)
	s, err := p2.m.ArchiveStatus(ctx)
	if err != nil || !s.Enabled || s.Records != 3 || !s.Hold || s.HoldReason != "case 12" || s.Retention != 5*year {
		t.Fatalf("ArchiveStatus after the restore = %+v, %v", s, err)
	}
	if err := p2.m.VerifyArchive(ctx); err != nil {
		t.Fatal(err)
	}
	insertArchived(t, p2, bob, 3, 2)
	if n, err := p2.m.DrainArchive(ctx); err != nil || n != 2 {
		t.Fatalf("DrainArchive after the restore = %d, %v", n, err)
	}
	if err := p2.m.VerifyArchive(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(archivedEntries(t, p2)); got != 5 {
		t.Fatalf("%d records, want the 3 old and the 2 new", got)
	}
	log, err := p2.m.AuditLog(ctx, 0)
	if err != nil || len(log) == 0 || log[len(log)-1].Action != "archive.adopt" {
		t.Fatalf("audit log after the restore: %+v, %v", log, err)
	}
}

// TestArchiveKeyFile: the key file opens under its identity only, and
// any change to it is refused; the policy round-trips.
func TestArchiveKeyFile(t *testing.T) {
	id, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := keys.GenerateKeyPair(rand.Reader)
	kf := archiveKeyFile{key: [archive.KeySize]byte{1, 2, 3}, policy: store.ArchivePolicy{Retention: 7 * year, Hold: true,
		HoldReason: "case 1", HoldSince: time.Unix(1_700_000_000, 5)}}
	b, err := sealArchiveKey(id, rand.Reader, kf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := openArchiveKey(id, b)
	if err != nil || got.key != kf.key || got.policy.Retention != kf.policy.Retention || !got.policy.Hold ||
		got.policy.HoldReason != "case 1" || !got.policy.HoldSince.Equal(kf.policy.HoldSince) {
		t.Fatalf("openArchiveKey = %+v, %v", got, err)
	}
	flipped := bytes.Clone(b)
	flipped[len(flipped)-1] ^= 1
	for _, tt := range []struct {
		name string
		id   keys.KeyPair
		b    []byte
	}{
		{"another identity", other, b},
		{"a byte changed", id, flipped},
		{"truncated", id, b[:len(b)-1]},
		{"empty", id, nil},
		{"bad magic", id, append([]byte("RCARKEY2"), b[8:]...)},
		{"too long", id, make([]byte, maxArchiveKeyFile+1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := openArchiveKey(tt.id, tt.b); !errors.Is(err, ErrArchiveKeyFile) {
				t.Fatalf("openArchiveKey = %v, want ErrArchiveKeyFile", err)
			}
		})
	}
}

// TestArchiveForeignFolder: a profile with no archive of its own, whose
// folder holds another profile's archive, refuses to enable one there
// (a new key would start a chain no old record opens under), and
// reports the other's key file as not its own.
func TestArchiveForeignFolder(t *testing.T) {
	ctx := context.Background()
	a, b := newProfile(t, "a", ""), newProfile(t, "b", "")
	if err := a.m.EnableArchive(ctx, 0, "owner"); err != nil {
		t.Fatal(err)
	}
	insertArchived(t, a, addArchiveContact(t, a), 0, 1)
	if _, err := a.m.DrainArchive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(ArchiveDir(b.dir), os.DirFS(ArchiveDir(a.dir))); err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.ArchiveStatus(ctx); !errors.Is(err, ErrArchiveKeyFile) {
		t.Fatalf("ArchiveStatus over another's archive = %v", err)
	}
	if err := os.Remove(filepath.Join(ArchiveDir(b.dir), archiveKeyName)); err != nil {
		t.Fatal(err)
	}
	if err := b.m.EnableArchive(ctx, 0, "owner"); !errors.Is(err, ErrArchiveForeign) {
		t.Fatalf("EnableArchive over another's records = %v", err)
	}
}

// FuzzOpenArchiveKey: whatever the bytes, opening a key file fails with
// ErrArchiveKeyFile or gives a file that seals and opens back the same.
func FuzzOpenArchiveKey(f *testing.F) {
	id, err := keys.NewKeyPair(keys.PrivateKey{1})
	if err != nil {
		f.Fatal(err)
	}
	good, err := sealArchiveKey(id, rand.Reader, archiveKeyFile{key: [archive.KeySize]byte{9}, policy: store.ArchivePolicy{Retention: year}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(archiveKeyMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		kf, err := openArchiveKey(id, b)
		if err != nil {
			if !errors.Is(err, ErrArchiveKeyFile) {
				t.Fatalf("error %v does not wrap ErrArchiveKeyFile", err)
			}
			return
		}
		again, err := sealArchiveKey(id, rand.Reader, kf)
		if err != nil {
			t.Fatal(err)
		}
		back, err := openArchiveKey(id, again)
		if err != nil || back.key != kf.key || back.policy != kf.policy {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, kf)
		}
	})
}
