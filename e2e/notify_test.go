package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// notification is what Bob's terminal receives for a message from Alice
// while her chat is not in view: the bell, then OSC 777 without the text.
const notification = "\a\x1b]777;notify;ratchat;New message from Alice\a"

// A message for a chat not in view rings the bell and sends OSC 777 to the
// receiver's terminal (seen in the pane's raw output); none while the chat
// is muted, none while the chat is in view.
func TestNotificationBell(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, bobProfile := startPair(t, width, height)
	raw := filepath.Join(t.TempDir(), "bob.raw")
	if _, err := bob.s.run("pipe-pane", "-O", "-t", bob.pane.name, "cat >> "+shellJoin([]string{raw})); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		b, _ := os.ReadFile(raw)
		return bytes.Count(b, []byte(notification))
	}

	// The contact list has the keyboard: Alice's chat is not in view.
	bob.keys("Tab")
	bob.waitFor(`enter open chat`)
	alice.say("ping one")
	bob.waitFor(`ping one`)
	bob.waitUntil(waitLimit, "the bell and OSC 777", func(string) bool { return count() == 1 })
	if b, _ := os.ReadFile(raw); bytes.Contains(b, []byte("notify;ratchat;ping")) {
		t.Fatal("the notification carries the message's text")
	}

	// Muted: the message arrives, nothing rings.
	if out := bobProfile.ratchat("mute", "1", "always"); !strings.Contains(out, "muted") {
		t.Fatalf("mute printed %q", out)
	}
	bob.waitFor(`Alice ✔? ?muted|Alice muted`)
	alice.say("ping two")
	bob.waitFor(`ping two`)

	// In view: unmuted, the chat open and the composer focused.
	bobProfile.ratchat("mute", "1", "off")
	bob.waitGone(waitLimit, `muted`)
	bob.keys("Enter")
	bob.waitFor(`Alice: ping two`)
	alice.say("ping three")
	bob.waitFor(`Alice: ping three`)
	// A notification for "ping three" would be written at once, well
	// before a whole new message reaches the raw output after it.
	alice.say("ping four")
	bob.waitUntil(waitLimit, "ping four in the raw output", func(string) bool {
		b, _ := os.ReadFile(raw)
		return bytes.Contains(b, []byte("ping four"))
	})
	if n := count(); n != 1 {
		t.Fatalf("%d notifications, want only the first (muted and in view ring nothing)", n)
	}
}
