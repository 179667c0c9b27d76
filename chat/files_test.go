package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ratchat/store"
)

// TestFile16MBArrivesIdentical sends a 16 MB file over loopback in peer
// mode; it must arrive byte for byte, under a sanitized name, in the
// downloads folder.
func TestFile16MBArrivesIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MB transfer skipped in -short mode")
	}
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	path := sendFileAndCompare(t, alice, bob, ab.ID, 16<<20)
	if filepath.Dir(path) != bob.m.cfg.Downloads || filepath.Base(path) != "evil_[2J name.bin" {
		t.Fatalf("saved as %q", path)
	}
}

// sendFileAndCompare sends size random bytes from one profile to another
// under a hostile name, checks they arrive identical, and returns where
// they were saved.
func sendFileAndCompare(t *testing.T, from, to *profile, contact store.ContactID, size int) string {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "../evil\x1b[2J name.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := from.m.SendFile(context.Background(), contact, path, nil); err != nil {
		t.Fatal(err)
	}
	e := to.waitFor("file", 60*time.Second, func(e Event) bool { _, ok := e.(FileReceived); return ok }).(FileReceived)
	t.Logf("%d MB sent and received in %v", size>>20, time.Since(start))
	got, err := os.ReadFile(e.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the received file differs")
	}
	return e.Path
}

func TestSanitizeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":           "report.pdf",
		"../../etc/passwd":     "passwd",
		"..\\..\\boot.ini":     "boot.ini",
		".bashrc":              "bashrc",
		"a\x1b]52;c;aGk=\x07b": "a_]52;c;aGk=_b",
		"\u202egnp.exe":        "_gnp.exe",
		"":                     "file",
		"/":                    "file",
	} {
		if got := SanitizeFileName(in); got != want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
