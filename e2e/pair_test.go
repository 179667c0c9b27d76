package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ratchat/transport"
)

// profile is a ratchat profile made by the command line, with the
// environment every process on it runs with.
type profile struct {
	t    *testing.T
	bin  string
	name string
	data string   // the profile folder
	env  []string // HOME and friends, the test KDF and the passphrase
}

// newProfile returns a profile that does not exist yet, in a folder of
// its own.
func newProfile(t *testing.T, bin, name string) *profile {
	dir := t.TempDir()
	return &profile{t: t, bin: bin, name: name, data: filepath.Join(dir, "profile"), env: []string{
		"HOME=" + dir, "XDG_DATA_HOME=" + dir, "TERM=xterm-256color", "LANG=C.UTF-8",
		"PATH=" + os.Getenv("PATH"),
		"RATCHAT_TEST_KDF=fast", // Argon2id at a test cost: creating keys is not what is tested
		"RATCHAT_PASSPHRASE=" + passphrase,
	}}
}

// ratchat runs a ratchat command on the profile and returns its standard
// output; the test fails unless it exits 0.
func (pr *profile) ratchat(args ...string) string {
	pr.t.Helper()
	cmd := exec.Command(pr.bin, append(args, "--data", pr.data)...)
	cmd.Env = pr.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		pr.t.Fatalf("%s: ratchat %s: %v\nstdout: %s\nstderr: %s", pr.name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	if strings.Contains(stderr.String(), "has not answered") {
		pr.t.Fatalf("%s: ratchat %s returned before its home had its prekeys:\n%s", pr.name, args[0], stderr.String())
	}
	return stdout.String()
}

// initProfile creates the profile with `ratchat init` (home flags such as
// --listen or --relay in extra) and returns its invite.
func (pr *profile) initProfile(extra ...string) string {
	pr.t.Helper()
	out := pr.ratchat(append([]string{"init", "--name", pr.name}, extra...)...)
	return pr.checkInvite(out)
}

// checkInvite returns the invite of a command's output, which must parse.
func (pr *profile) checkInvite(out string) string {
	pr.t.Helper()
	invite := strings.TrimSpace(out)
	if _, err := transport.ParseInvite(invite); err != nil {
		pr.t.Fatalf("%s: the invite %q does not parse: %v", pr.name, invite, err)
	}
	return invite
}

// open runs the interface on the existing profile (unlocked by
// $RATCHAT_PASSPHRASE) in a w×h pane, at the home the profile last used.
func (pr *profile) open(tm *tmuxServer, w, h int) *person {
	pr.t.Helper()
	p := tm.startSized(strings.ToLower(pr.name), w, h, pr.env, pr.bin, "--data", pr.data)
	return &person{pane: p, name: pr.name}
}

// startPair makes Alice and Bob in peer mode with the command line, runs
// both interfaces (Bob's in a bobW×bobH pane), lets Alice add Bob and
// write first, and returns with the chat open on both sides and both
// composers focused.
func startPair(t *testing.T, bobW, bobH int) (alice, bob *person, bobProfile *profile) {
	t.Helper()
	requireTools(t, "tmux")
	bin := buildBinary(t)
	tm := newTmux(t)
	a, b := newProfile(t, bin, "Alice"), newProfile(t, bin, "Bob")
	a.initProfile("--listen", "127.0.0.1:0")
	bobInvite := b.initProfile("--listen", "127.0.0.1:0")
	alice, bob = a.open(tm, width, height), b.open(tm, bobW, bobH)
	alice.waitFor(`No contacts yet`)
	bob.waitFor(`No contacts yet`)

	alice.keys("BTab") // contact list → composer
	alice.say("/add " + bobInvite + " Bob")
	alice.waitFor(`Bob not verified`)
	alice.say("hello bob")
	bob.waitFor(`Alice`)
	bob.keys("Enter") // open the first chat
	bob.waitFor(`Alice: hello bob`)
	// Alice wrote first: she is a message request until bob accepts her
	// (through the interface's socket).
	if out := b.ratchat("accept", "1"); !strings.Contains(out, "accepted 1") {
		t.Fatalf("accept printed %q", out)
	}
	return alice, bob, b
}
