package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	write := func(content string, mode os.FileMode) string {
		p := filepath.Join(dir, "pass")
		os.Remove(p)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	for _, tc := range []struct {
		content string
		mode    os.FileMode
		want    string
		err     error
	}{
		{"secret\n", 0o600, "secret", nil},
		{"secret\r\nignored", 0o400, "secret", nil},
		{"with spaces  ", 0o600, "with spaces  ", nil},
		{"secret\n", 0o644, "", ErrPassphraseFileMode},
		{"\n", 0o600, "", ErrEmptyPassphrase},
	} {
		got, err := ReadPassphraseFile(write(tc.content, tc.mode))
		if !errors.Is(err, tc.err) || string(got) != tc.want {
			t.Errorf("%q (%v): %q, %v", tc.content, tc.mode, got, err)
		}
	}
	t.Setenv(PassphraseEnv, "from env")
	if p, ok := PassphraseFromEnv(); !ok || string(p) != "from env" {
		t.Fatalf("PassphraseFromEnv = %q %v", p, ok)
	}
}
