package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// A command that opens the profile itself first receives what waited at
// its home while it was closed: `messages` shows what a contact sent
// meanwhile, and `send NAME` works right after the contact, added
// without --name, has answered with its name (issue 8: "no such contact"
// otherwise).
func TestCommandsSeeWhatWaited(t *testing.T) {
	testEnv(t)
	relay := testRelay(t)
	dir := t.TempDir()
	run := func(who string, args ...string) result {
		return runArgs(append(args, "--data", filepath.Join(dir, who), "--relay", relay)...)
	}
	invites := map[string]string{}
	for _, name := range []string{"Ann", "Ben", "Cat", "Dan"} {
		r := run(name, "init", "--name", name)
		check(t, r, 0, "RATCHAT1:", "")
		invites[name] = strings.TrimSpace(r.stdout)
	}
	if t.Failed() {
		t.FailNow()
	}

	check(t, run("Ann", "add", invites["Ben"], "--name", "Ben"), 0, "added Ben", "")
	check(t, run("Ben", "add", invites["Ann"], "--name", "Ann"), 0, "added Ann", "")
	check(t, run("Ann", "send", "Ben", "while you were away"), 0, "", "")
	r := run("Ben", "messages", "Ann")
	check(t, r, 0, "while you were away", "")
	if strings.Contains(r.stderr, "did not answer") {
		t.Errorf("messages waited in vain: %q", r.stderr)
	}

	r = run("Cat", "add", invites["Dan"])
	check(t, r, 0, "added", "They tell you their name")
	check(t, run("Dan", "add", invites["Cat"]), 0, "added", "")
	check(t, run("Cat", "send", "Dan", "hi"), 0, "", "")
	check(t, run("Dan", "messages", "Cat"), 0, "hi", "")
}
