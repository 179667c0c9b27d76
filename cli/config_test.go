package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCommand: 'ratchat config' prints the defaults merged with the
// file; a bad file is reported with its name and line, and the interface
// refuses to start, while commands that do not need it still run.
func TestConfigCommand(t *testing.T) {
	dir := testEnv(t)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "conf"))
	r := runArgs("config")
	check(t, r, exitOK, "[keys]", "")
	for _, want := range []string{`send = ["enter"]`, "[notifications]", "bell = true", `desktop = "osc777"`, "[receipts]", "[typing]", `mode = "auto"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("'ratchat config' without a file lacks %q:\n%s", want, r.stdout)
		}
	}

	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[keys]\nsend = \"ctrl+s\"\n[receipts]\nsend = false\n"), 0o600)
	r = runArgs("--config", good, "config")
	check(t, r, exitOK, `send = ["ctrl+s"]`, "")
	if !strings.Contains(r.stdout, "[receipts]\n  send = false") {
		t.Errorf("the file's receipts.send is not in effect:\n%s", r.stdout)
	}

	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[notifications]\nbel = false\n\n[keys]\nfly = \"f\"\n"), 0o600)
	want := bad + ":2: notifications.bel: unknown key"
	check(t, runArgs("--config", bad, "config"), exitFailure, "", want)
	r = runArgs("--config", bad)
	check(t, r, exitFailure, "", want)
	if !strings.Contains(r.stderr, bad+":5: keys.fly: unknown key binding") {
		t.Errorf("the second problem is not reported: %q", r.stderr)
	}
	check(t, runArgs("--config", bad, "version"), exitOK, "ratchat ", "")
	check(t, runArgs("--config", filepath.Join(dir, "none.toml"), "config"), exitFailure, "", "none.toml")
}
