package cli

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlnwa/gowarc/v3"
)

// TestArchiveAfterRestore: a profile archives what it sends under a
// legal hold, backs up, sends more, and is restored: into a new folder
// (the archive's folder copied in afterwards, as an operator moves it),
// and over itself (the folder stays). Either way archive verify and
// export read every old record, and the hold and retention come back. (Before the key file, the restored
// profile said "the archive is not enabled", and enabling it drew a new
// key under which no old record opened.)
func TestArchiveAfterRestore(t *testing.T) {
	testEnv(t)
	_, invite := startBob(t, filepath.Join(t.TempDir(), "bob"))
	dir := filepath.Join(t.TempDir(), "alice")
	with := func(d string, args ...string) []string { return append(append([]string(nil), args...), "--data", d) }
	check(t, runArgs(with(dir, "init", "--name", "Alice")...), 0, "", "")
	check(t, runArgs(with(dir, "add", invite, "--name", "Bobby")...), 0, "added Bobby", "")
	check(t, runArgs(with(dir, "archive", "enable", "--retention", "5y")...), 0, "archive on", "")
	check(t, runArgs(with(dir, "archive", "hold", "on", "--reason", "case 9")...), 0, "legal hold", "")
	check(t, runArgs(with(dir, "send", "Bobby", "before the backup")...), 0, "", "")
	backup := filepath.Join(t.TempDir(), "b.rcb")
	r := runArgs(with(dir, "backup", "export", backup)...)
	check(t, r, 0, "", "write it down")
	key := strings.TrimSpace(r.stdout)
	check(t, runArgs(with(dir, "send", "Bobby", "after the backup")...), 0, "", "")
	check(t, runArgs(with(dir, "archive", "verify")...), 0, "archive verified: 2 records", "")

	t.Run("new folder", func(t *testing.T) {
		dir2 := filepath.Join(t.TempDir(), "alice2")
		check(t, runArgs(with(dir2, "backup", "restore", backup, "--key", key)...), 0, "restored 1 contacts", "")
		if out, err := exec.Command("cp", "-a", filepath.Join(dir, "archive"), filepath.Join(dir2, "archive")).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
		checkArchiveBack(t, dir2)
	})
	t.Run("over itself", func(t *testing.T) {
		check(t, runArgs(with(dir, "backup", "restore", backup, "--key", key, "--yes")...), 0,
			"the compliance archive is back: 2 records", "")
		checkArchiveBack(t, dir)
	})
}

// checkArchiveBack asserts that the restored profile in dir reads its
// two old records (and whatever it archived since it took the archive
// back: a restore over the profile takes it back at once, so the line
// that says a contact's session was reset is archived too), and has its
// hold and retention. (That it archives on from there:
// chat's TestArchiveAdoptedAfterRestore.)
func checkArchiveBack(t *testing.T, dir string) {
	t.Helper()
	with := func(args ...string) []string { return append(append([]string(nil), args...), "--data", dir) }
	n := verifiedRecords(t, dir)
	if n < 2 {
		t.Fatalf("%d records after the restore, want the 2 old ones at least", n)
	}
	check(t, runArgs(with("archive", "status", "--json")...), 0, `"hold_reason": "case 9"`, "")
	check(t, runArgs(with("archive", "status")...), 0, "retention 5y", "")
	warc := filepath.Join(t.TempDir(), "a.warc")
	check(t, runArgs(with("archive", "export", "--warc", warc)...), 0, "", "exported")
	texts := warcTexts(t, warc)
	for _, want := range []string{"before the backup", "after the backup"} {
		if !strings.Contains(texts, want) {
			t.Errorf("the export lacks %q", want)
		}
	}
	check(t, runArgs(with("audit")...), 0, "archive.adopt", "")
}

// verifiedRecords runs archive verify on dir and returns its count.
func verifiedRecords(t *testing.T, dir string) int {
	t.Helper()
	r := runArgs("archive", "verify", "--data", dir)
	var n int
	if _, err := fmt.Sscanf(r.stdout, "archive verified: %d records", &n); err != nil || r.code != 0 {
		t.Fatalf("archive verify: %d %q %q", r.code, r.stdout, r.stderr)
	}
	return n
}

// warcTexts returns the blocks of a WARC file's resource records, joined.
func warcTexts(t *testing.T, path string) string {
	t.Helper()
	r, err := gowarc.NewWarcFileReader(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var all bytes.Buffer
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		if rec.WarcRecord.Type() != gowarc.Resource {
			continue
		}
		body, _ := rec.WarcRecord.Block().RawBytes()
		all.ReadFrom(body)
	}
	return all.String()
}
