package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

// TestArchiveCommands runs archive and audit on a profile no process
// owns: off at first, enabled, held, verified, exported; every setting in
// the audit log, which verifies.
func TestArchiveCommands(t *testing.T) {
	testEnv(t)
	dir := filepath.Join(t.TempDir(), "p")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Ann")...), 0, "", "")
	check(t, runArgs(with("archive", "status")...), 1, "", "not enabled")
	check(t, runArgs(with("archive", "enable", "--retention", "1h")...), 1, "", "invalid retention")
	check(t, runArgs(with("archive", "enable", "--retention", "5y")...), 0, "archive on: 0 records", "")
	check(t, runArgs(with("archive", "hold", "on", "--reason", "case 7")...), 0, "legal hold since", "")
	check(t, runArgs(with("archive", "status", "--json")...), 0, `"hold_reason": "case 7"`, "")
	check(t, runArgs(with("archive", "verify")...), 0, "archive verified: 0 records", "")
	check(t, runArgs(with("archive", "export")...), exitUsage, "", "--warc")
	check(t, runArgs(with("archive", "frobnicate")...), exitUsage, "", "usage")
	warc := filepath.Join(t.TempDir(), "a.warc")
	check(t, runArgs(with("archive", "export", "--warc", warc)...), 0, "", "exported 0 records")
	check(t, runArgs(with("archive", "export", "--warc", warc)...), 1, "", "exists")
	r := runArgs(with("audit", "--verify")...)
	check(t, r, 0, "archive.hold.on", "audit log verified")
	for _, a := range []string{"archive.enable", "archive.export", "owner", "case 7"} {
		if !strings.Contains(r.stdout, a) {
			t.Errorf("audit output lacks %q:\n%s", a, r.stdout)
		}
	}
	r = runArgs(with("audit", "--json", "-n", "2")...)
	var entries []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil || len(entries) != 2 || entries[1]["action"] != "archive.export" {
		t.Fatalf("audit --json = %q (%v)", r.stdout, err)
	}
}

// TestServeArchive: serve --archive archives what is sent through it;
// archive verify and export --warc work through its socket, and the WARC
// file reads back with gowarc holding the message.
func TestServeArchive(t *testing.T) {
	testEnv(t)
	_, invite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	dir := filepath.Join(t.TempDir(), "alice")
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	check(t, runArgs(with("init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with("add", invite, "--name", "Bobby")...), 0, "added Bobby", "")

	stop := startServeParts(t, dir, &archivePart{on: true, retention: "7y", every: time.Hour})
	check(t, runArgs(with("send", "Bobby", "kept for the regulator")...), 0, "", "")
	check(t, runArgs(with("archive", "verify")...), 0, "archive verified: ", "")
	warc := filepath.Join(t.TempDir(), "a.warc")
	check(t, runArgs(with("archive", "export", "--warc", warc)...), 0, "", "exported")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	check(t, runArgs(with("archive", "status")...), 0, "archive on", "")

	r, err := gowarc.NewWarcFileReader(warc, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	found := false
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		if rec.WarcRecord.Type() != gowarc.Resource {
			continue
		}
		body, _ := rec.WarcRecord.Block().RawBytes()
		var b bytes.Buffer
		b.ReadFrom(body)
		found = found || strings.Contains(b.String(), "kept for the regulator")
	}
	if !found {
		t.Fatal("the WARC export lacks the message sent through serve")
	}
	if fi, err := os.Stat(warc); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the WARC file: %v, %v", fi.Mode(), err)
	}
}

// startServeParts is startServe with the given parts only (none given:
// every part, as serve makes them).
func startServeParts(t *testing.T, dir string, parts ...servePart) (stop func() error) {
	t.Helper()
	log := &signalWriter{want: "api listening", seen: make(chan struct{})}
	c := &cli{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: log}
	c.g.data = dir
	c.o.serveParts = parts
	return runServeUntil(t, c, log)
}
