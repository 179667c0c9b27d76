package e2e

import (
	"regexp"
	"strings"
	"testing"
)

const (
	// helpOverlay is a line only the help overlay shows.
	helpOverlay = "esc closes this help"
	// ticksToBorder matches what follows a message's text on its line:
	// the delivery marks of a sent one, then blanks up to the pane's
	// border. A message that the pattern before it ends is not cut.
	ticksToBorder = `(?: […✓●]+)? *│`
)

// A paste that arrives in one chunk is text, whatever words it holds:
// "down", "enter", "f1", "q", "?" and "tab" are neither keys nor a send
// (issue 8, defect 1). tmux's send-keys -l writes it to the terminal in
// one write, as a paste without bracketed-paste mode or a slow link does.
func TestPasteIsText(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, _ := startPair(t, width, height)
	const text = "the word down test enter f1 q ? tab"

	alice.typeText(text)
	screen, _ := alice.waitFor(regexp.QuoteMeta(text))
	if strings.Contains(screen, helpOverlay) {
		t.Fatalf("the paste opened the help overlay:\n%s", screen)
	}
	if strings.Contains(screen, "me: the word") {
		t.Fatalf("part of the paste was sent before Enter:\n%s", screen)
	}
	alice.keys("Enter")

	line := regexp.QuoteMeta(text) + ticksToBorder // the whole line
	for _, p := range []struct {
		who    *person
		sender string
	}{{bob, "Alice"}, {alice, "me"}} {
		screen, _ := p.who.waitFor(p.sender + ": " + line)
		if strings.Contains(screen, helpOverlay) {
			t.Errorf("%s: the help overlay is open:\n%s", p.who.name, screen)
		}
		if n := strings.Count(screen, p.sender+": the word"); n != 1 {
			t.Errorf("%s: %d messages start with the paste's words, want 1 (something was sent early):\n%s", p.who.name, n, screen)
		}
		if n := strings.Count(screen, text); n != 1 {
			t.Errorf("%s: the paste shows %d times, want once (in the chat, the composer emptied):\n%s", p.who.name, n, screen)
		}
	}
}
