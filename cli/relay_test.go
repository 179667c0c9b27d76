package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRelayAllowList: an --allow file that lists no one stops the relay
// before it starts (a usage error saying why), as does one with a bad
// line; neither creates the data folder.
func TestRelayAllowList(t *testing.T) {
	cases := []struct {
		name, content string
		code          int
		stderr        string
	}{
		{"empty", "", exitUsage, "lists no identity"},
		{"only comments", "# friends\n\n   # none yet\n", exitUsage, "refusing to start a relay open to anyone"},
		{"bad line", "not a key\n", exitFailure, "line 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			list := filepath.Join(dir, "allow.txt")
			if err := os.WriteFile(list, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "relay")
			r := runArgs("relay", "--data", data, "--listen", "127.0.0.1:0", "--allow", list)
			check(t, r, c.code, "", c.stderr)
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Fatalf("the relay touched its data folder: %v", err)
			}
		})
	}
}
