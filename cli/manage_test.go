package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSearchRenameExportRemove scripts search, rename, export, block,
// unblock and remove on the command line, with Bob's profile online in
// this process.
func TestSearchRenameExportRemove(t *testing.T) {
	testEnv(t)
	_, invite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	dir := t.TempDir()
	with := func(args ...string) []string { return append(args, "--data", filepath.Join(dir, "alice")) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with("add", invite, "--name", "Bob")...), 0, "added Bob (id 1)", "")
	check(t, runArgs(with("send", "Bob", "Dinner", "at", "the", "Café?")...), 0, "", "")

	// Each command opens the profile anew: the index is built on the spot.
	check(t, runArgs(with("search", "cafe")...), 0, "Bob  ", "")
	check(t, runArgs(with("search", "dinner", "--contact", "Bob")...), 0, "Dinner at the Café?", "")
	check(t, runArgs(with("search", "nothing-like-it")...), 0, "", "nothing found")
	r := runArgs(with("search", "DINNER", "--json")...)
	check(t, r, 0, `"snippet": "Dinner at the Café?"`, "")
	var res struct{ Complete bool }
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || !res.Complete {
		t.Errorf("search --json: %v, %+v", err, res)
	}
	check(t, runArgs(with("search", "x", "--contact", "Nobody")...), exitNotFound, "", "no such contact")

	check(t, runArgs(with("rename", "Bob", "Robert", "B.")...), 0, "renamed 1 to Robert B.", "")
	check(t, runArgs(with("contacts")...), 0, "Robert B.", "")

	check(t, runArgs(with("export", "1")...), 0, "me: Dinner at the Café?", "NOT encrypted")
	out := filepath.Join(dir, "chat.json")
	check(t, runArgs(with("export", "Robert B.", "--format", "json", "--out", out)...), 0, "", "exported")
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), `"kind": "text"`) {
		t.Errorf("export file: %v\n%s", err, b)
	}
	check(t, runArgs(with("export", "1", "--out", out)...), exitFailure, "", "exists")
	check(t, runArgs(with("export", "1", "--format", "csv")...), exitUsage, "", "text or json")

	check(t, runArgs(with("block", "1")...), 0, "blocked 1", "")
	check(t, runArgs(with("contacts")...), 0, "BLOCKED", "ratchat unblock ID")
	check(t, runArgs(with("unblock", "1")...), 0, "unblocked 1", "")
	check(t, runArgs(with("remove", "1", "--keep-history")...), 0, "removed 1 (its chat kept)", "")
	if r := runArgs(with("contacts")...); strings.Contains(r.stdout, "Robert") {
		t.Errorf("a removed contact is listed: %q", r.stdout)
	}
	check(t, runArgs(with("export", "1")...), 0, "Chat with Robert B.", "")
	check(t, runArgs(with("remove", "1")...), 0, "removed 1 and its chat", "")
	check(t, runArgs(with("export", "1")...), exitNotFound, "", "no such contact")
	check(t, runArgs(with("help", "search")...), 0, "Usage: ratchat search TEXT", "")
}
