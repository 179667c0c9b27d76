package e2e

import (
	"testing"
	"time"
)

// presenceLimit is how soon a contact's row must follow its home going
// away or coming back (issue 8, defect 2): pings run every 10 s.
const presenceLimit = 30 * time.Second

// Presence follows the peer's process: Bob quits and Alice's contact
// list shows him offline within 30 s; he starts again and she shows him
// online within 30 s, with no key pressed on her side.
func TestPresenceFlips(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, _ := startPair(t, width, height)
	alice.waitForWithin(presenceLimit, `● Bob`)

	bob.keys("C-c")
	bob.waitExit()
	gone := time.Now()
	alice.waitForWithin(presenceLimit, `○ Bob`)
	t.Logf("offline %v after Bob quit", time.Since(gone).Round(100*time.Millisecond))

	bob.restart()
	bob.waitFor(`Alice`)
	back := time.Now()
	alice.waitForWithin(presenceLimit, `● Bob`)
	t.Logf("online %v after Bob's interface was back", time.Since(back).Round(100*time.Millisecond))
}
