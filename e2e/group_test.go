package e2e

import (
	"strings"
	"testing"
)

// A three-person group between three real processes through a relay
// (issue 12): Alice, Bob and Carol set up from the command line (Alice
// adds Bob and Carol, each adds Alice back; Bob and Carol do not know
// each other), then in the interfaces Alice creates the group with
// /group create, and a message from each of the three reaches the other
// two panes, each under its sender's name. Carol's pane is a small one
// (80×24), where the member list (g) must fit too.
func TestGroupThreeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	requireTools(t, "tmux")
	bin := buildBinary(t)
	relay := startRelay(t, bin)
	a, b, c := newProfile(t, bin, "Alice"), newProfile(t, bin, "Bob"), newProfile(t, bin, "Carol")
	invites := map[*profile]string{}
	for _, p := range []*profile{a, b, c} {
		p.initProfile("--relay", relay)
		invites[p] = p.checkInvite(p.ratchat("invite", "--text"))
	}
	for _, add := range []struct{ who, whom *profile }{{a, b}, {a, c}, {b, a}, {c, a}} {
		if out := add.who.ratchat("add", invites[add.whom], "--name", add.whom.name); !strings.HasPrefix(out, "added ") {
			t.Fatalf("%s: ratchat add printed %q", add.who.name, out)
		}
	}

	tm := newTmux(t)
	alice, bob, carol := a.open(tm, width, height), b.open(tm, width, height), c.open(tm, 80, 24)
	alice.waitFor(`Carol`)
	bob.waitFor(`Alice`)
	carol.waitFor(`Alice`)

	alice.keys("BTab") // contact list → composer
	alice.say("/group create Crew Bob Carol")
	alice.waitFor(`# Crew · 3 members`)
	alice.say("hello crew")
	alice.waitFor(`me: hello crew` + ticksToBorder)

	// Bob and Carol: the group arrives at the top of the list with its
	// first message; ↑ ↑ selects it, enter opens it.
	for _, p := range []*person{bob, carol} {
		p.waitFor(`# Crew`)
		p.keys("Up", "Up")
		p.keys("Enter")
		p.waitFor(`Alice: hello crew`)
	}
	bob.say("bob here")
	alice.waitFor(`Bob: bob here`)
	carol.waitFor(`Bob: bob here`)
	carol.say("carol too")
	alice.waitFor(`Carol: carol too`)
	bob.waitFor(`(?:Carol|contact \d+): carol too`) // Carol is no contact of Bob's

	// The member list, on Carol's small screen: the chat pane, then g.
	carol.keys("BTab")
	carol.keys("g")
	screen, _ := carol.waitFor(`Members of Crew`)
	for _, want := range []string{"me", "Alice", "★ admin", "Bob"} {
		if !strings.Contains(screen, want) {
			t.Errorf("Carol's member list lacks %q:\n%s", want, screen)
		}
	}
	carol.keys("Escape")
	carol.waitFor(`Bob: bob here`)
}
