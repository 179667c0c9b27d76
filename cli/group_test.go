package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/keys"
	"ratchat/store"
)

// TestGroupCommands scripts Alice's side of a group with the command line
// while `ratchat serve` keeps her profile online; Bob and Carol run in
// this process. Alice creates the group, lists it and its members, sends
// to it; Bob's answer shows in 'messages' under his name; then rename,
// promote, remove and leave, and the errors of each.
func TestGroupCommands(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	bob, bobInvite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	carol, carolInvite := startPerson(t, filepath.Join(t.TempDir(), "carol"), "Carol")
	dir := filepath.Join(t.TempDir(), "alice")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	stop := startServe(t, dir)
	defer stop()
	check(t, runArgs(with("add", bobInvite, "--name", "Bob")...), 0, "added Bob (id 1)", "")
	check(t, runArgs(with("add", carolInvite, "--name", "Carol")...), 0, "added Carol (id 2)", "")
	for _, m := range []*chat.Messenger{bob, carol} { // both accept Alice: the group is no request then
		e := waitFor(t, m, "Alice's request", func(e chat.Event) bool {
			c, ok := e.(chat.ContactChanged)
			return ok && c.Contact.State == chat.StateRequest
		})
		if err := m.Accept(ctx, e.(chat.ContactChanged).Contact.ID); err != nil {
			t.Fatal(err)
		}
	}

	check(t, runArgs(with("group", "create", "Climbers", "bob", "2")...), 0, "created group Climbers (id 3) with Bob, Carol", "")
	bobGroup := waitFor(t, bob, "the group", isGroupChanged).(chat.GroupChanged).Contact
	waitFor(t, carol, "the group", isGroupChanged)

	r := runArgs(with("groups")...)
	check(t, r, 0, "", "")
	if !regexp.MustCompile(`(?m)^3\s+Climbers\s+3\s+0\s+admin$`).MatchString(r.stdout) {
		t.Errorf("groups printed:\n%s", r.stdout)
	}
	check(t, runArgs(with("group", "list", "--json")...), 0, `"name": "Climbers"`, "")
	r = runArgs(with("group", "members", "Climbers")...)
	check(t, r, 0, "ID  NAME   VERIFIED  ADMIN  HELD", "")
	for _, row := range []string{`(?m)^-\s+me\s+-\s+yes\s+no$`, `(?m)^1\s+Bob\s+no\s+no\s+no$`, `(?m)^2\s+Carol\s+no\s+no\s+no$`} {
		if !regexp.MustCompile(row).MatchString(r.stdout) {
			t.Errorf("group members lacks %s:\n%s", row, r.stdout)
		}
	}
	check(t, runArgs(with("group", "members", "3", "--json")...), 0, `"admin": true`, "")
	check(t, runArgs(with("contacts")...), 0, "", "") // people only
	if r := runArgs(with("contacts")...); strings.Contains(r.stdout, "Climbers") {
		t.Errorf("contacts lists the group:\n%s", r.stdout)
	}

	r = runArgs(with("send", "climbers", "Saturday", "9am?")...)
	if r.code != 0 || !(strings.Contains(r.stdout, "sent") || strings.Contains(r.stdout, "delivered")) {
		t.Fatalf("send to the group: %+v", r)
	}
	answer, err := bob.Send(ctx, bobGroup, "count me in")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, bob, "his answer delivered", func(e chat.Event) bool {
		s, ok := e.(chat.StatusChanged)
		return ok && s.ID == answer.ID && s.Status >= chat.StatusDelivered
	})
	r = runArgs(with("messages", "Climbers")...)
	check(t, r, 0, "me: Saturday 9am?", "")
	check(t, r, 0, "Bob: count me in", "")
	check(t, r, 0, "* ", "") // the membership line
	check(t, runArgs(with("messages", "Climbers", "--json")...), 0, `"sender": "Bob"`, "")

	check(t, runArgs(with("group", "rename", "Climbers", "Crag", "rats")...), 0, "renamed group 3 to Crag rats", "")
	check(t, runArgs(with("group", "promote", "Crag rats", "Bob")...), 0, "Bob is an admin of Crag rats", "")
	check(t, runArgs(with("group", "remove", "3", "carol")...), 0, "removed carol from Crag rats", "")
	check(t, runArgs(with("group", "members", "3")...), 0, "1   Bob   no        yes", "")

	errs := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"group", "members", "Nothing"}, exitNotFound, `no group "Nothing"`},
		{[]string{"group", "remove", "3", "Carol"}, exitNotFound, "not a member"},
		{[]string{"group", "create", "X"}, exitUsage, "usage: ratchat group create NAME MEMBER..."},
		{[]string{"group", "create", "X", "Nobody"}, exitNotFound, "no such contact"},
		{[]string{"group", "join", "3"}, exitUsage, "usage: ratchat group create|add"},
		{[]string{"group", "leave", "3", "--json"}, exitUsage, "--json goes with"},
		{[]string{"send", "Nothing", "hi"}, exitNotFound, "no such contact"},
	}
	for _, e := range errs {
		check(t, runArgs(with(e.args...)...), e.code, "", e.stderr)
	}

	check(t, runArgs(with("group", "leave", "Crag rats")...), 0, "left Crag rats (its chat stays)", "")
	check(t, runArgs(with("groups")...), 0, "not a member", "")
	check(t, runArgs(with("send", "3", "still there?")...), exitNotFound, "", "not a member")
	check(t, runArgs(with("help", "group")...), 0, "Usage: ratchat group create NAME MEMBER...", "")
}

// startPerson creates a profile named name in dir, online at its home in
// this process until the test ends, and returns it with its invite.
func startPerson(t *testing.T, dir, name string) (*chat.Messenger, string) {
	t.Helper()
	m, err := chat.Create(context.Background(), chat.Profile{Dir: dir, Store: extraStoreOptions}, name, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	waitOnline(t, m)
	invite, err := m.Invite()
	if err != nil {
		t.Fatal(err)
	}
	return m, invite
}

// waitFor reads m's events until ok accepts one, failing after 10 s.
func waitFor(t *testing.T, m *chat.Messenger, what string, ok func(chat.Event) bool) chat.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-m.Events():
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s", what)
		}
	}
}

// isGroupChanged accepts a group's change.
func isGroupChanged(e chat.Event) bool { _, ok := e.(chat.GroupChanged); return ok }

// TestGroupHeldCommands: after a member's key changed, 'group members'
// marks it held and says what to do, and 'send' to the group refuses
// with the reason.
func TestGroupHeldCommands(t *testing.T) {
	testEnv(t)
	ctx := context.Background()
	_, bobInvite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	carol, carolInvite := startPerson(t, filepath.Join(t.TempDir(), "carol"), "Carol")
	dir := filepath.Join(t.TempDir(), "alice")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with("add", bobInvite, "--name", "Bob")...), 0, "added Bob (id 1)", "")
	check(t, runArgs(with("add", carolInvite, "--name", "Carol")...), 0, "added Carol (id 2)", "")
	check(t, runArgs(with("group", "create", "Climbers", "Bob", "Carol")...), 0, "created group Climbers", "")

	st, err := store.Open(dir, []byte("correct horse"), extraStoreOptions...)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []keys.PublicKey{{9, 9, 9}, carol.Identity()} { // changed, and back: held
		if err := st.ChangeIdentity(ctx, 2, k); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	r := runArgs(with("group", "members", "Climbers")...)
	check(t, r, 0, "", "Sending to the group waits: verify each held member")
	if !regexp.MustCompile(`(?m)^2\s+Carol\s+KEY CHANGED\s+no\s+yes$`).MatchString(r.stdout) {
		t.Errorf("group members of a held group:\n%s", r.stdout)
	}
	check(t, runArgs(with("groups")...), 0, "HELD", "")
	check(t, runArgs(with("send", "Climbers", "hi")...), exitFailure, "", "a member's identity key changed")
}
