package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ratchat/chat"
	"ratchat/store"
)

// result is what one run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runArgs runs a command line with empty standard input.
func runArgs(args ...string) result {
	var out, errOut bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// check asserts a run's exit code and that its outputs contain the texts.
func check(t *testing.T, r result, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stdout, stdout) || !strings.Contains(r.stderr, stderr) {
		t.Errorf("exit %d, want %d; stdout %q (want %q); stderr %q (want %q)",
			r.code, code, r.stdout, stdout, r.stderr, stderr)
	}
	if r.code != 0 && strings.Count(strings.TrimRight(r.stderr, "\n"), "\n") > 0 && code != exitOK {
		if !strings.HasPrefix(r.stderr, "ratchat: ") {
			t.Errorf("the error is not one 'ratchat: ...' line: %q", r.stderr)
		}
	}
}

// testEnv sets the environment of a profile test: a fast KDF, a
// passphrase, and an XDG folder of its own.
func testEnv(t *testing.T) string {
	dir := t.TempDir()
	extraStoreOptions = []store.Option{store.WithKDF(fastKDF)}
	t.Setenv("RATCHAT_PASSPHRASE", "correct horse")
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv(newPassphraseEnv, "")
	t.Setenv(recoveryKeyEnv, "")
	return dir
}

func TestUsage(t *testing.T) {
	testEnv(t)
	tests := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"version"}, 0, "ratchat " + Version, ""},
		{[]string{"help"}, 0, "Exit codes:", ""},
		{[]string{"-h"}, 0, "Usage:", ""},
		{[]string{"help", "send"}, 0, "Example:", ""},
		{[]string{"send", "-h"}, 0, "--timeout", ""},
		{[]string{"relay", "--help"}, 0, "Example:", ""},
		{[]string{"bogus"}, exitUsage, "", `unknown command "bogus"`},
		{[]string{"--nope"}, exitUsage, "", "flag provided but not defined"},
		{[]string{"send", "Bob"}, exitUsage, "", "usage: ratchat send"},
		{[]string{"version", "extra"}, exitUsage, "", "usage: ratchat version"},
		{[]string{"help", "nothing"}, exitUsage, "", `no command "nothing"`},
		{[]string{"init"}, exitUsage, "", "--name"},
		{[]string{"relay"}, exitUsage, "", "--data"},
		{[]string{"send", "--timeout", "soon", "Bob", "hi"}, exitUsage, "", "invalid value"},
		{[]string{"--profile", "a/b", "contacts"}, exitUsage, "", "--profile"},
		{[]string{"backup", "copy", "x"}, exitUsage, "", "usage: ratchat backup"},
		{[]string{"backup", "-h"}, 0, "ratchat backup auto --folder", ""},
		{[]string{"help", "backup"}, 0, "only while ratchat runs", ""},
		{[]string{"verify", "Bob", "--code", "1", "--scan", "x.png"}, exitUsage, "", "not both"},
		{[]string{"help", "serve"}, 0, "ratchat.sock", ""},
		{[]string{"serve", "extra"}, exitUsage, "", "usage: ratchat serve"},
		{[]string{"send", "Bob", "hi", "--timeout", "2h"}, exitUsage, "", "--timeout"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			check(t, runArgs(tt.args...), tt.code, tt.stdout, tt.stderr)
		})
	}
}

func TestParseInterleaved(t *testing.T) {
	c := &cli{}
	c.cmd = sendCommand
	fs := c.flagSet("t")
	sendCommand.flags(fs, &c.o)
	pos, err := parseInterleaved(fs, []string{"Bob", "--timeout", "5s", "hello", "--data", "/d", "--", "--not-a-flag"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(pos, "|"); got != "Bob|hello|--not-a-flag" {
		t.Errorf("positional %q", got)
	}
	if c.o.timeout.String() != "5s" || c.g.data != "/d" {
		t.Errorf("flags: timeout %v, data %q", c.o.timeout, c.g.data)
	}
}

func TestGlobalFlagsBeforeCommand(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "p")
	check(t, runArgs("--data", dir, "init", "--name", "Ann"), 0, "RATCHAT1:", "")
	if _, err := os.Stat(filepath.Join(dir, "ratchat.db")); err != nil {
		t.Fatalf("--data before the command was not used: %v", err)
	}
}

func TestProfileCommands(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "p")
	d := []string{"--data", dir}
	with := func(args ...string) []string { return append(append([]string(nil), args...), d...) }

	check(t, runArgs(with("contacts")...), exitNoProfile, "", "no profile")
	check(t, runArgs(with("init", "--name", "Ann")...), 0, "RATCHAT1:", "Created")
	check(t, runArgs(with("init", "--name", "Ann")...), exitNoProfile, "", "already")
	check(t, runArgs(with("invite", "--text")...), 0, "RATCHAT1:", "")
	check(t, runArgs(with("invite")...), 0, "█", "")
	check(t, runArgs(with("contacts")...), 0, "ID  NAME", "")
	check(t, runArgs(with("send", "nobody", "hi")...), exitNotFound, "", "no such contact")
	check(t, runArgs(with("verify", "7")...), exitNotFound, "", "no such contact")

	t.Setenv("RATCHAT_PASSPHRASE", "wrong horse")
	check(t, runArgs(with("contacts")...), exitWrongPassphrase, "", "wrong passphrase")
	t.Setenv("RATCHAT_PASSPHRASE", "correct horse")

	m, err := chat.Open(context.Background(), chat.Profile{Dir: dir, Store: extraStoreOptions}, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	check(t, runArgs(with("contacts")...), exitLocked, "", "open in another")
	m.Close()
}

func TestBackupAndPasswd(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "p")
	backup := filepath.Join(t.TempDir(), "b.rcb")
	d := []string{"--data", dir}
	with := func(args ...string) []string { return append(append([]string(nil), args...), d...) }
	check(t, runArgs(with("init", "--name", "Ann")...), 0, "", "")

	r := runArgs(with("backup", "export", backup)...)
	check(t, r, 0, "", "write it down")
	key := strings.TrimSpace(r.stdout)
	if !regexp.MustCompile(`^(\d{4} ){15}\d{4}$`).MatchString(key) {
		t.Fatalf("recovery key %q", key)
	}
	wrong := strings.Repeat("1234 ", 15) + "1234"
	check(t, runArgs(with("backup", "restore", backup, "--key", wrong, "--yes")...), exitBackup, "", "wrong backup key")
	check(t, runArgs(with("backup", "restore", backup)...), exitUsage, "", "--key")
	check(t, runArgs(with("backup", "restore", backup, "--key", key, "--yes")...), 0, "restored 0 contacts", "restoring: 100%")

	t.Setenv(newPassphraseEnv, "short")
	check(t, runArgs(with("passwd")...), exitFailure, "", "at least 8")
	t.Setenv(newPassphraseEnv, "a new passphrase")
	check(t, runArgs(with("passwd")...), 0, "", "changed")
	check(t, runArgs(with("contacts")...), exitWrongPassphrase, "", "")
	t.Setenv("RATCHAT_PASSPHRASE", "a new passphrase")
	check(t, runArgs(with("contacts")...), 0, "", "")
}

// TestBackupAuto runs 'backup auto' in order on one profile: the settings,
// refused command lines, on (the key printed once), the settings again,
// and off.
func TestBackupAuto(t *testing.T) {
	testEnv(t)
	folder := filepath.Join(t.TempDir(), "auto")
	d := []string{"--data", filepath.Join(t.TempDir(), "p")}
	with := func(args ...string) []string { return append(append([]string{"backup", "auto"}, args...), d...) }
	check(t, runArgs(append([]string{"init", "--name", "Ann"}, d...)...), 0, "", "")
	key := regexp.MustCompile(`^(\d{4} ){15}\d{4}\n$`)
	steps := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{with(), 0, "automatic backups: off", ""},
		{with("--every", "24h"), exitUsage, "", "need --folder"},
		{with("--folder", folder, "--every", "soon"), exitUsage, "", "--every: the interval"},
		{with("--folder", folder, "--every", "30s"), exitUsage, "", "from a minute"},
		{with("--folder", folder, "--keep", "-2"), exitUsage, "", "--keep"},
		{with("sometimes"), exitUsage, "", "usage: ratchat backup auto"},
		{with("off", "--folder", folder), exitUsage, "", "usage: ratchat backup auto"},
		{append([]string{"backup", "export", "x", "--keep", "3"}, d...), exitUsage, "", "go with 'ratchat backup auto'"},
		{with(), 0, "automatic backups: off", ""}, // nothing refused changed anything
		{with("--folder", folder, "--every", "7d", "--keep", "3"), 0, "", "shown this once: write it down"},
		{with(), 0, "folder: " + folder + "\nevery: 7d\nkeep: 3\n", "only while ratchat runs"},
		{with("--folder", folder), 0, "", "every 24h into " + folder + ", keeping the newest 7"},
		{with("off"), 0, "", "stay in " + folder},
		{with(), 0, "automatic backups: off", ""},
		{with("off"), 0, "", "off already"},
	}
	for _, s := range steps {
		r := runArgs(s.args...)
		check(t, r, s.code, s.stdout, s.stderr)
		if strings.Contains(s.stderr, "write it down") && !key.MatchString(r.stdout) {
			t.Errorf("%v: the key is printed as %q", s.args, r.stdout)
		}
	}
	if fi, err := os.Stat(folder); err != nil || !fi.IsDir() {
		t.Errorf("the folder was not created: %v", err)
	}
}
