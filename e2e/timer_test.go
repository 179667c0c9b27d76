package e2e

import (
	"regexp"
	"testing"
	"time"
)

// A message under a 5 s disappearing-messages timer goes from both open
// screens, its chat line and its contact-list preview, with no key
// pressed (issue 8, defect 5: it stayed until a restart).
func TestTimerVanishesFromOpenScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	alice, bob, _ := startPair(t, width, height)
	alice.say("/timer 5s")
	alice.waitFor(`Disappearing messages: 5s`)

	const text = "gone in five"
	alice.say(text)
	bob.waitFor(`Alice: ` + text + ticksToBorder)
	alice.waitFor(`me: ` + text + ticksToBorder)
	seen := time.Now()
	// 5 s from sending, and the screen refreshes on its own: 15 s is
	// ample, and far less than the minutes it stayed before.
	const limit = 15 * time.Second
	for _, p := range []*person{bob, alice} {
		p.waitGone(limit-time.Since(seen), regexp.QuoteMeta(text))
	}
	t.Logf("gone from both screens %v after both showed it", time.Since(seen).Round(100*time.Millisecond))
}
