package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRequestsAcceptBlock: someone new who writes first is listed by
// `requests`, not `contacts`; `accept ID` makes it a contact, `block ID`
// removes it from the requests; a name is not an id.
func TestRequestsAcceptBlock(t *testing.T) {
	testEnv(t)
	relay := testRelay(t)
	dir := t.TempDir()
	run := func(who string, args ...string) result {
		return runArgs(append(args, "--data", filepath.Join(dir, who), "--relay", relay)...)
	}
	invites := map[string]string{}
	for _, name := range []string{"Eve", "Fay", "Gus"} {
		r := run(name, "init", "--name", name)
		check(t, r, 0, "RATCHAT1:", "")
		invites[name] = strings.TrimSpace(r.stdout)
	}
	if t.Failed() {
		t.FailNow()
	}
	check(t, run("Eve", "add", invites["Fay"], "--name", "Fay"), 0, "added Fay", "")
	check(t, run("Eve", "send", "Fay", "hello Fay"), 0, "", "")
	check(t, run("Gus", "add", invites["Fay"], "--name", "Fay"), 0, "added Fay", "")
	check(t, run("Gus", "send", "Fay", "spam"), 0, "", "")

	r := run("Fay", "requests", "--json")
	check(t, r, 0, `"name": "Eve"`, "")
	check(t, r, 0, `"name": "Gus"`, "")
	if r := run("Fay", "contacts"); strings.Contains(r.stdout, "Eve") {
		t.Fatalf("a request listed as a contact: %q", r.stdout)
	}
	check(t, run("Fay", "accept", "Eve"), 1, "", "must be an id")
	check(t, run("Fay", "accept", "1", "--code", "1234"), 2, "", "go with --as")
	check(t, run("Fay", "accept", "1", "--as", "Gus"), 2, "", "--as needs the safety number")
	check(t, run("Fay", "accept", "1", "--as", "Nobody", "--code", strings.Repeat("0", 60)), 6, "", "")
	check(t, run("Fay", "accept", "1"), 0, "accepted 1", "")
	check(t, run("Fay", "accept", "2", "--as", "Eve", "--code", strings.Repeat("0", 60)), 7, "", "differ")
	check(t, run("Fay", "requests"), 0, "Gus", "")
	check(t, run("Fay", "contacts"), 0, "Eve", "")
	check(t, run("Fay", "accept", "1"), 1, "", "not a message request")
	check(t, run("Fay", "block", "2"), 0, "blocked 2", "")
	r = run("Fay", "requests")
	check(t, r, 0, "ID", "")
	if strings.Contains(r.stdout, "Gus") {
		t.Fatalf("a blocked request still listed: %q", r.stdout)
	}
}
