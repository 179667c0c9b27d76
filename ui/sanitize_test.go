package ui

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello, world", "hello, world"},
		{"newline and tab kept", "a\nb\tc", "a\nb\tc"},
		{"unicode kept", "héllo 世界 👋🏽 👨‍👩‍👧", "héllo 世界 👋🏽 👨‍👩‍👧"},
		{"CSI clear screen", "x\x1b[2Jy", "x[2Jy"},
		{"OSC 52 clipboard write, BEL", "\x1b]52;c;ZXZpbA==\x07ok", "]52;c;ZXZpbA==ok"},
		{"OSC 52 with ST", "\x1b]52;c;ZXZpbA==\x1b\\ok", "]52;c;ZXZpbA==\\ok"},
		{"carriage return overwrite", "pay 100\rpay 999", "pay 100pay 999"},
		{"backspace", "abc\b\b\bxyz", "abcxyz"},
		{"NUL and DEL", "a\x00b\x7fc", "abc"},
		{"8-bit CSI as rune", "a\u009b2Jb", "a2Jb"},
		{"8-bit CSI as raw byte", "a\x9b2Jb", "a\ufffd2Jb"},
		{"C1 range ends", "\u0080x\u009f", "x"},
		{"RLO", "invoice\u202egpj.exe", "invoicegpj.exe"},
		{"all embeddings", "\u202a\u202b\u202c\u202d\u202e.", "."},
		{"isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"marks", "\u200ea\u200fb\u061c", "ab"},
		{"invalid utf-8", "a\xffb", "a\ufffdb"},
		{"zero-width joiner kept", "a\u200db", "a\u200db"},
		{"VS16 removed: one width everywhere", "I \u2764\ufe0f it \u263a\ufe0f", "I \u2764 it \u263a"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("%s: Sanitize(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestSanitizeLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice", "Alice"},
		{"Al\nice\tB", "Al ice B"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"Bob\u202eecilA", "BobecilA"},
	}
	for _, tt := range tests {
		if got := SanitizeLine(tt.in); got != tt.want {
			t.Errorf("SanitizeLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkSanitized fails if out holds a forbidden rune or invalid UTF-8.
func checkSanitized(t *testing.T, in, out string, oneLine bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("output of %q is not valid UTF-8: %q", in, out)
	}
	for _, r := range out {
		if forbidden(r) || oneLine && (r == '\n' || r == '\t') {
			t.Fatalf("output of %q holds %U: %q", in, r, out)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"hello", "\x1b[2J", "\x1b]52;c;aGk=\x07", "a\rb", "\u202e", "\x9b",
		"\xff\xfe", "a\nb\tc", "\u2066\u2069", "\u200f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		checkSanitized(t, in, out, false)
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		line := SanitizeLine(in)
		checkSanitized(t, in, line, true)
		if again := SanitizeLine(line); again != line {
			t.Fatalf("SanitizeLine not idempotent: %q -> %q -> %q", in, line, again)
		}
		if strings.ContainsRune(in, 0x1b) && strings.ContainsRune(out, 0x1b) {
			t.Fatalf("ESC survived: %q", out)
		}
	})
}

func TestErrorText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"store: wrong passphrase", "wrong passphrase"},
		{"chat: decrypting: store: closed", "decrypting: closed"},
		{"api: no method \"x\"", "no method \"x\""},
		{"a restore: nothing\x1b[2J to say", "a restore: nothing[2J to say"}, // ESC dropped: no escape sequence
		{"mystore: kept", "mystore: kept"},
	} {
		if got := ErrorText(errors.New(tt.in)); got != tt.want {
			t.Errorf("ErrorText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
