package e2e

import (
	"testing"
)

// Message actions between two real processes (issue 11), done as a user
// does them: Alice selects Bob's message in her chat pane and replies to
// it (Bob sees the quote above the reply), Bob reacts to the reply with
// 👍 (Alice sees "👍 1" under it), and Alice edits it (Bob sees
// "(edited)").
func TestActionsTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, _ := startPair(t, width, height)
	bob.say("are we still on for tonight")
	alice.waitFor(`Bob: are we still on for tonight`)

	// Reply: composer → chat pane (shift+tab), ↑ selects the newest
	// message (marked ▸ after its time), r starts the reply.
	alice.keys("BTab")
	alice.keys("Up")
	alice.waitFor(`▸Bob: are we still on for tonight`)
	alice.keys("r")
	alice.waitFor(`┌ replying to Bob: are we still on for tonight`)
	alice.say("yes, at eight")
	alice.waitFor(`me: yes, at eight`)
	bob.waitFor(`┌ me: are we still on for tonight[^\n]*\n[^\n]*Alice: yes, at eight`)

	// React: Bob selects Alice's reply, + opens the picker, 1 is 👍. The
	// reaction line is the one under the message, inside the chat pane's
	// border (│, or ┃ while the pane has the keyboard).
	bob.keys("BTab")
	bob.keys("Up")
	bob.waitFor(`▸Alice: yes, at eight`)
	bob.keys("+")
	bob.waitFor(`React: 1 👍`)
	bob.keys("1")
	bob.waitFor(`Alice: yes, at eight[^\n]*\n[^\n]*[│┃] +👍 1`)
	alice.waitFor(`me: yes, at eight[^\n]*\n[^\n]*[│┃] +👍 1`)

	// Edit: Alice selects her reply, e puts its text in the composer,
	// she adds to it and saves.
	alice.keys("BTab")
	alice.keys("Up")
	alice.waitFor(`▸me: yes, at eight`)
	alice.keys("e")
	alice.waitFor(`editing your message`)
	alice.keys("End")
	alice.say(" sharp")
	alice.waitFor(`me: yes, at eight sharp \(edited\)`)
	bob.waitFor(`Alice: yes, at eight sharp \(edited\)`)
	bob.waitFor(`Alice: yes, at eight sharp \(edited\)[^\n]*\n[^\n]*[│┃] +👍 1`)
}
