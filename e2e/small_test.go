package e2e

import (
	"strings"
	"testing"
)

// Bob's interface in a 50×20 terminal shows one pane at a time (below 60
// columns): the contact list, or the chat over the composer; esc goes to
// the contacts and tab through the panes. Messages are read whole and
// sent from there.
func TestSmallTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	const w, h = 50, 20
	alice, bob, _ := startPair(t, w, h) // Bob opened the chat: the composer has the keyboard
	screen := bob.capture()
	checkFits(t, screen, w, h)
	if strings.Contains(screen, "○ Alice") || strings.Contains(screen, "● Alice") {
		t.Errorf("the contact list shows beside the chat at %d columns:\n%s", w, screen)
	}

	bob.say("hi from a small screen")
	bob.waitFor(`me: hi from a small screen` + ticksToBorder)
	alice.waitFor(`Bob: hi from a small screen` + ticksToBorder)

	bob.keys("Escape") // chat → contact list, alone
	screen, _ = bob.waitFor(`[○●] Alice`)
	if strings.Contains(screen, "me: hi from a small screen") {
		t.Errorf("the chat shows beside the contact list at %d columns:\n%s", w, screen)
	}
	checkFits(t, screen, w, h)

	bob.keys("Tab", "Tab") // contact list → chat → composer
	bob.waitGone(waitLimit, `[○●] Alice`)
	alice.say("a reply to read")
	bob.waitFor(`Alice: a reply to read` + ticksToBorder)
	bob.say("read it")
	alice.waitFor(`Bob: read it` + ticksToBorder)
	screen, _ = bob.waitFor(`me: read it` + ticksToBorder)
	checkFits(t, screen, w, h)
}

// checkFits checks that the screen's frame is whole: the first line opens
// a pane (its top border shows) and the last line is the status bar, not
// part of a pane cut off at the bottom.
func checkFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d:\n%s", len(lines), h, screen)
		return
	}
	if top := lines[0]; !strings.ContainsAny(top, "╭┏") {
		t.Errorf("the top line is no pane's border (cut at the top?):\n%s", screen)
	}
	if bottom := lines[h-1]; !strings.Contains(bottom, "? help") {
		t.Errorf("the bottom line is not the status bar:\n%s", screen)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > w {
			t.Errorf("line %d is %d cells wide, want at most %d", i, n, w)
		}
	}
}
