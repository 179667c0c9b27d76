package e2e

import (
	"strings"
	"testing"
)

// While the interface has the profile open, the command line works on it
// through the profile's socket (issue 8, part 2): `ratchat send` sends as
// the interface would (both screens show it), and `ratchat messages` and
// `ratchat contacts` read it, instead of failing with "open in another
// ratchat".
func TestCommandsWhileInterfaceRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, bobProfile := startPair(t, width, height)
	const text = "sent from the command line"
	out := bobProfile.ratchat("send", "Alice", text, "--timeout", "20s")
	// Alice has the chat open: on a loaded machine her read receipt may
	// come back before send returns.
	if !strings.Contains(out, "sent") && !strings.Contains(out, "delivered") && !strings.Contains(out, "read") {
		t.Fatalf("send printed %q", out)
	}
	alice.waitFor("Bob: " + text)
	bob.waitFor("me: " + text)

	out = bobProfile.ratchat("messages", "Alice", "-n", "5")
	for _, want := range []string{"Alice: hello bob", "me: " + text} {
		if !strings.Contains(out, want) {
			t.Errorf("messages lacks %q:\n%s", want, out)
		}
	}
	if out = bobProfile.ratchat("messages", "Alice", "--json"); !strings.Contains(out, `"text": "`+text+`"`) {
		t.Errorf("messages --json lacks the message:\n%s", out)
	}
	if out = bobProfile.ratchat("contacts"); !strings.Contains(out, "Alice") {
		t.Errorf("contacts lacks Alice:\n%s", out)
	}
}
