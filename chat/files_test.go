package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFile16MBArrivesIdentical sends a 16 MB file over loopback in peer
// mode; it must arrive byte for byte, under a sanitized name, in the
// downloads folder.
func TestFile16MBArrivesIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MB transfer skipped in -short mode")
	}
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	data := make([]byte, 16<<20)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "../evil\x1b[2J name.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := alice.m.SendFile(ctx, ab.ID, path, nil); err != nil {
		t.Fatal(err)
	}
	e := bob.waitFor("file", 60*time.Second, func(e Event) bool { _, ok := e.(FileReceived); return ok }).(FileReceived)
	t.Logf("16 MB sent and received in %v", time.Since(start))
	got, err := os.ReadFile(e.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the received file differs")
	}
	if filepath.Dir(e.Path) != bob.m.cfg.Downloads || filepath.Base(e.Path) != "evil_[2J name.bin" {
		t.Fatalf("saved as %q", e.Path)
	}
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
