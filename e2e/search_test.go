package e2e

import (
	"strings"
	"testing"
)

// Search between two real processes (issue 11): Bob finds Alice's
// message with /search in his interface and opens the chat from the
// result, and `ratchat search` finds it through his interface's socket.
func TestSearchTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, bobProfile := startPair(t, width, height)
	alice.say("the Café on Rue Oberkampf at eight")
	bob.waitFor(`Alice: the Café on Rue Oberkampf`)

	bob.say("/search cafe oberk")
	bob.waitFor(`1 found`)
	bob.waitFor(`the Café on Rue Oberkampf at eight`)
	bob.keys("Enter")
	bob.waitGone(waitLimit, `1 found`)
	bob.waitFor(`Alice: the Café on Rue Oberkampf at eight`)

	out := bobProfile.ratchat("search", "CAFÉ")
	if !strings.Contains(out, "Alice") || !strings.Contains(out, "the Café on Rue Oberkampf at eight") {
		t.Errorf("ratchat search printed:\n%s", out)
	}
}
