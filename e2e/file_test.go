package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A file sent with /file and cancelled with esc while it goes shows
// "cancelled" on both screens, and the sender's line never claims it was
// delivered (issue 8, defect 4).
func TestFileCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, _ := startPair(t, width, height)
	// Large enough that it is still going when esc arrives (sparse: no
	// disk is spent on the sender's side).
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(256 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	alice.say("/file " + path)
	alice.waitFor(`sending… .*esc cancels`)
	alice.keys("Escape")
	cancelled := time.Now()
	bob.waitFor(`Alice: \[file\] big\.bin \([^)]*\) · cancelled *│`)
	// Nothing after "cancelled" on the sender's line either: no ✓✓, no
	// read mark (the offer was read; the file never arrived).
	alice.waitFor(`me: \[file\] big\.bin \([^)]*\) · cancelled *│`)
	alice.waitFor(`File not sent: cancelled\.`)
	t.Logf("cancelled on both screens %v after esc", time.Since(cancelled).Round(100*time.Millisecond))
}
