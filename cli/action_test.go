package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMessageActionCommands scripts reply, edit, react and delete with the
// command line on Alice's side, Bob's profile online in this process, and
// reads the results back with messages, whose rows carry the short ids.
func TestMessageActionCommands(t *testing.T) {
	testEnv(t)
	_, invite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	d := []string{"--data", filepath.Join(t.TempDir(), "alice")}
	with := func(args ...string) []string { return append(append([]string(nil), args...), d...) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with("add", invite, "--name", "Bob")...), 0, "added Bob", "")
	check(t, runArgs(with("send", "Bob", "see you at 6")...), 0, "", "")

	r := runArgs(with("messages", "Bob")...)
	row := regexp.MustCompile(`(?m)^\S+ \S+  ([0-9a-f]{8})  me: see you at 6$`).FindStringSubmatch(r.stdout)
	if row == nil {
		t.Fatalf("messages does not print the short id:\n%s", r.stdout)
	}
	id := row[1]
	check(t, runArgs(with("edit", "Bob", id, "see", "you", "at", "7")...), 0, "edited "+id, "")
	check(t, runArgs(with("react", "Bob", id, "👍")...), 0, "reacted 👍 to "+id, "")
	check(t, runArgs(with("reply", "Bob", id, "or 8?")...), 0, "replied:", "")
	r = runArgs(with("messages", "Bob")...)
	for _, want := range []string{"me: see you at 7 (edited)  👍 1", "me (reply to " + id + "): or 8?"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("messages lacks %q:\n%s", want, r.stdout)
		}
	}
	check(t, runArgs(with("messages", "Bob", "--json")...), 0, `"edited": "`, "")
	check(t, runArgs(with("react", "Bob", id, "not an emoji")...), exitUsage, "", "")
	check(t, runArgs(with("react", "Bob", id)...), 0, "removed your reaction from "+id, "")
	check(t, runArgs(with("delete", "Bob", id, "--everyone")...), 0, "deleted for everyone "+id, "")
	check(t, runArgs(with("messages", "Bob")...), 0, id+"  me: this message was deleted", "")
	check(t, runArgs(with("edit", "Bob", "0000000000", "x")...), exitNotFound, "", "no such message")
}
