package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		stdout   string
		stderrOK bool
	}{
		{nil, 0, "Usage:", false},
		{[]string{"version"}, 0, "ratchat " + version, false},
		{[]string{"-h"}, 0, "Usage:", false},
		{[]string{"bogus"}, 2, "", true},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := run(tt.args, &out, &errOut); code != tt.code {
			t.Errorf("run(%q) = %d, want %d", tt.args, code, tt.code)
		}
		if !strings.Contains(out.String(), tt.stdout) {
			t.Errorf("run(%q) printed %q, want it to contain %q", tt.args, out.String(), tt.stdout)
		}
		if (errOut.Len() > 0) != tt.stderrOK {
			t.Errorf("run(%q) stderr %q", tt.args, errOut.String())
		}
	}
}
