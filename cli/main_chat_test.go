package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
)

// TestAddSendVerify scripts Alice's side with the command line while Bob's
// profile runs in this process (its home online, as his interface would
// keep it).
func TestAddSendVerify(t *testing.T) {
	testEnv(t)
	bobDir := filepath.Join(t.TempDir(), "bob")
	bob, invite := startBob(t, bobDir)
	d := []string{"--data", filepath.Join(t.TempDir(), "alice")}
	with := func(args ...string) []string { return append(append([]string(nil), args...), d...) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")

	check(t, runArgs(with("add", invite, "--name", "Bobby")...), 0, "added Bobby (id 1)", "")
	r := runArgs(with("send", "bobby", "hello", "there")...)
	if r.code != 0 || !(strings.Contains(r.stdout, "sent") || strings.Contains(r.stdout, "delivered")) {
		t.Fatalf("send: %+v", r)
	}
	r = runArgs(with("verify", "Bobby")...)
	check(t, r, 0, "", "not verified")
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(rows) != 3 || len(strings.Fields(rows[0])) != 4 {
		t.Fatalf("safety number printed as %q, want 3 rows of 4 groups", r.stdout)
	}
	digits := strings.Join(strings.Fields(r.stdout), "")
	wrong := "1" + digits[1:]
	if digits[0] == '1' {
		wrong = "2" + digits[1:]
	}
	check(t, runArgs(with("verify", "1", "--code", wrong)...), exitMismatch, "", "differ")
	// A malformed code says so (issue 8, defect 8), without package names.
	check(t, runArgs(with("verify", "1", "--code", "1234")...), exitUsage, "", "ratchat: that is not a safety number")
	check(t, runArgs(with("verify", "1", "--code", invite)...), exitUsage, "", "that is an invite")
	check(t, runArgs(with("verify", "1", "--code", r.stdout)...), 0, "is verified", "")
	check(t, runArgs(with("contacts")...), 0, "Bobby  yes", "")
	check(t, runArgs(with("contacts", "--json")...), 0, `"name": "Bobby"`, "")
	check(t, runArgs(with("files", "Bobby", "ask")...), 0, "files of 1: ask", "")
	if r := runArgs(with("files", "Bobby", "sometimes")...); r.code == 0 || !strings.Contains(r.stderr, "auto, ask or default") {
		t.Errorf("files with a bad policy: %+v", r)
	}
	check(t, runArgs(with("mute", "Bobby", "always")...), 0, "1: muted", "")
	check(t, runArgs(with("contacts", "--json")...), 0, `"muted_until": "9999-12-31T00:00:00Z"`, "")
	check(t, runArgs(with("mute", "Bobby", "8h")...), 0, "1: muted until", "")
	check(t, runArgs(with("mute", "Bobby", "off")...), 0, "1: notifications on", "")
	check(t, runArgs(with("mute", "Bobby", "2h")...), exitUsage, "", "1h, 8h, 1w, always or off")
	r = runArgs(with("messages", "Bobby", "--json")...)
	check(t, r, 0, `"text": "hello there"`, "")
	for _, want := range []string{`"direction": "out"`, `"kind": "verified"`, `"direction": "local"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("messages --json lacks %s:\n%s", want, r.stdout)
		}
	}
	check(t, runArgs(with("messages", "Bobby", "-n", "1")...), 0, "* verified", "")
	check(t, runArgs(with("messages", "Bobby", "-n", "0")...), exitUsage, "", "-n")

	contacts, err := bob.Requests(context.Background()) // Alice is a message request to Bob
	if err != nil || len(contacts) != 1 || contacts[0].Contact.Name != "Alice" || contacts[0].Unread != 1 {
		t.Fatalf("Bob's contacts: %+v, %v", contacts, err)
	}
	if last := contacts[0].Last; last == nil || string(last.Body) != "hello there" {
		t.Errorf("Bob's last message %+v", last)
	}
}

// startBob creates Bob's profile in dir, online at its home in this
// process until the test ends, and returns it with its invite.
func startBob(t *testing.T, dir string) (*chat.Messenger, string) {
	t.Helper()
	bob, err := chat.Create(context.Background(), chat.Profile{Dir: dir, Store: extraStoreOptions},
		"Bob", []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	waitOnline(t, bob)
	invite, err := bob.Invite()
	if err != nil {
		t.Fatal(err)
	}
	return bob, invite
}

// waitOnline waits until a core is online at its home (its prekeys are
// there then, so that others can add it).
func waitOnline(t *testing.T, m *chat.Messenger) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-m.Events():
			if e, ok := ev.(chat.HomeState); ok && e.Connected {
				return
			}
		case <-deadline:
			t.Fatal("Bob never came online")
		}
	}
}
