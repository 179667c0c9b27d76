package cli

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ratchat/store"
)

// TestRestoreConfirmation runs `backup restore` over an existing profile
// and into a new one: without a terminal it is refused unless --yes says
// so, and the refused profile is untouched (issue 8, defect 10).
func TestRestoreConfirmation(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "p")
	backup := filepath.Join(t.TempDir(), "b.rcb")
	check(t, runArgs("init", "--name", "Ann", "--data", dir), 0, "", "")
	r := runArgs("backup", "export", backup, "--data", dir)
	check(t, r, 0, "", "write it down")
	key := strings.TrimSpace(r.stdout)
	db := filepath.Join(dir, "ratchat.db")
	before := fileHash(t, db)

	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"no terminal, no --yes", nil, exitUsage, "", "add --yes"},
		{"--yes", []string{"--yes"}, 0, "restored 0 contacts", "restoring: 100%"},
		{"a new profile needs no --yes", []string{"--data", filepath.Join(t.TempDir(), "new")}, 0, "restored 0 contacts", "restoring: 100%"},
	}
	check(t, runArgs("backup", "-h"), 0, "restore over an existing profile without asking", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"backup", "restore", backup, "--key", key, "--data", dir}, tt.args...)
			r := runArgs(args...)
			check(t, r, tt.code, tt.stdout, tt.stderr)
			if tt.code != 0 && fileHash(t, db) != before {
				t.Error("a refused restore changed the profile")
			}
			if tt.code != 0 && strings.Contains(r.stderr, "restoring:") {
				t.Errorf("a refused restore printed progress: %q", r.stderr)
			}
		})
	}
}

// fileHash is the SHA-256 of a file's contents.
func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestRestoreProgressLines feeds the progress line reports as a restore
// makes them, on a terminal and not.
func TestRestoreProgressLines(t *testing.T) {
	const mb = 1 << 20
	reports := []store.Progress{{Done: 1 * mb, Total: 20 * mb},
		{Done: 2 * mb, Total: 20 * mb}, {Done: 3 * mb, Total: 20 * mb}, {Done: 5 * mb, Total: 20 * mb},
		{Done: 7 * mb, Total: 0}, {Done: 20 * mb, Total: 20 * mb}}
	const done = ", the backup checked out"
	tests := []struct {
		name string
		tty  bool
		want string
	}{
		{"plain lines every 10 %", false,
			"restoring:   0%\nrestoring:  10%\nrestoring:  20%\nrestoring: 100%" + done + "\n"},
		{"one line in place", true,
			"\rrestoring:   0%\rrestoring:   5%\rrestoring:  10%\rrestoring:  15%\rrestoring:  25%" +
				"\rrestoring: 100%" + done + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &restoreProgress{w: &out, tty: tt.tty, last: -1}
			p.start()
			for _, r := range reports {
				p.report(r)
			}
			p.end()
			if out.String() != tt.want {
				t.Errorf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// TestAskYes reads answers to the confirmation question.
func TestAskYes(t *testing.T) {
	tests := []struct {
		input string
		want  bool
		rest  string // what stays unread for the next prompt
	}{
		{"y\nsecret\n", true, "secret\n"},
		{"YES\n", true, ""},
		{" yes \n", true, ""},
		{"\n", false, ""},
		{"n\n", false, ""},
		{"yeah\n", false, ""},
		{"", false, ""},
		{"y", true, ""},
		{strings.Repeat("y", 100) + "\n", false, strings.Repeat("y", 100-maxAnswer) + "\n"},
	}
	for _, tt := range tests {
		in, out := strings.NewReader(tt.input), new(bytes.Buffer)
		got, err := askYes(in, out, "Replace? [y/N] ")
		rest := tt.input[len(tt.input)-in.Len():]
		if err != nil || got != tt.want || rest != tt.rest || !strings.HasPrefix(out.String(), "Replace? [y/N] ") {
			t.Errorf("askYes(%q) = %v, %v, left %q; want %v, left %q", tt.input, got, err, rest, tt.want, tt.rest)
		}
	}
}

// FuzzAskYes checks that any answer is yes only when it spells y or yes,
// and that nothing after the first line is read.
func FuzzAskYes(f *testing.F) {
	for _, s := range []string{"y\n", "yes\nmore", "no\n", "", "\n\n", " Y \r\n", strings.Repeat("y", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		in := strings.NewReader(input)
		got, err := askYes(in, io.Discard, "? ")
		if err != nil {
			t.Fatal(err)
		}
		read := input[:len(input)-in.Len()]
		if len(read) > maxAnswer+1 || strings.Count(read, "\n") > 1 ||
			strings.Contains(read, "\n") && !strings.HasSuffix(read, "\n") {
			t.Fatalf("read %q of %q", read, input)
		}
		answer := strings.ToLower(strings.TrimSpace(read))
		if got != (answer == "y" || answer == "yes") {
			t.Fatalf("askYes(%q) = %v", input, got)
		}
	})
}

// TestRestoreOtherIdentity restores another profile's backup: refused
// with the backup exit code and a message naming --force, the profile
// untouched; with --force it is restored and the old database kept aside.
func TestRestoreOtherIdentity(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "ann")
	other := filepath.Join(t.TempDir(), "bob")
	backup := filepath.Join(t.TempDir(), "bob.rcb")
	check(t, runArgs("init", "--name", "Ann", "--data", dir), 0, "", "")
	check(t, runArgs("init", "--name", "Bob", "--data", other), 0, "", "")
	r := runArgs("backup", "export", backup, "--data", other)
	check(t, r, 0, "", "write it down")
	key := strings.TrimSpace(r.stdout)
	db := filepath.Join(dir, "ratchat.db")
	before := fileHash(t, db)

	restore := []string{"backup", "restore", backup, "--key", key, "--data", dir, "--yes"}
	// The progress of the checked backup comes first, then the refusal.
	r = runArgs(restore...)
	if r.code != exitBackup || !strings.Contains(r.stderr, "\nratchat: the backup is of another identity") ||
		!strings.Contains(r.stderr, "run again with --force") || fileHash(t, db) != before {
		t.Fatalf("refusal: exit %d, %q, or the profile changed", r.code, r.stderr)
	}
	check(t, runArgs(append(restore, "--force")...), 0, "restored 0 contacts", "")
	aside, err := filepath.Glob(db + ".replaced-*")
	if err != nil || len(aside) != 1 || fileHash(t, aside[0]) != before {
		t.Fatalf("kept aside: %v, %v", aside, err)
	}
	check(t, runArgs("backup", "-h"), 0, "restore a backup of another identity", "")
}
