package ui

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Sanitize makes a string a peer wrote safe to write to a terminal, keeping
// newlines and tabs. It removes:
//
//   - C0 controls (U+0000–U+001F) but newline and tab: ESC starts every
//     escape sequence (CSI, OSC 52 clipboard writes, title changes), BEL
//     rings or ends an OSC, CR returns to the start of the line to
//     overwrite what was shown, BS erases it;
//   - DEL (U+007F);
//   - C1 controls (U+0080–U+009F): U+009B is an 8-bit CSI and U+009D an
//     8-bit OSC on terminals that honour them;
//   - bidi embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069), with which a peer could show text in an order other
//     than the one it is stored in ("Trojan Source", CVE-2021-42574);
//   - the bidi marks LRM, RLM and ALM (U+200E, U+200F, U+061C): they are
//     invisible and can reorder neighbouring digits and punctuation (a
//     file name's extension, an amount) on bidi-aware terminals. Removing
//     them costs right-to-left writers at most the placement of
//     punctuation in mixed-direction text, which we accept.
//
// It also removes the emoji presentation selector VS16 (U+FE0F, as in
// "❤️"): terminals disagree on the width of a character it follows (one
// cell by wcwidth, two by Unicode's emoji rules, which the layout uses),
// and a width the layout and the terminal disagree on shifts a pane's
// border. Without it, both see the character in its one-cell text
// presentation.
//
// Invalid UTF-8 becomes U+FFFD, so that a stray byte cannot act as a C1
// control either. Other invisible characters (zero-width space and
// joiners) cannot move the cursor or reorder text, and the joiners are
// needed by emoji and some scripts; they are kept.
//
// Sanitize is idempotent, and its output never holds a removed rune.
func Sanitize(s string) string {
	if clean(s, false) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		// Ranging over a string yields U+FFFD for each invalid byte.
		if !forbidden(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SanitizeLine is [Sanitize] for text shown on one line (names, file
// names, previews): newlines and tabs become spaces as well.
func SanitizeLine(s string) string {
	if clean(s, true) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteByte(' ')
		case !forbidden(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// forbidden reports whether Sanitize removes r.
func forbidden(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f:
		return true // C0 controls and DEL
	case r >= 0x80 && r <= 0x9f:
		return true // C1 controls
	case r >= 0x202a && r <= 0x202e:
		return true // LRE, RLE, PDF, LRO, RLO
	case r >= 0x2066 && r <= 0x2069:
		return true // LRI, RLI, FSI, PDI
	case r == 0x200e || r == 0x200f || r == 0x061c:
		return true // LRM, RLM, ALM
	case r == 0xfe0f:
		return true // VS16: see Sanitize
	}
	return false
}

// clean reports whether s is valid UTF-8 without a forbidden rune (nor,
// for one-line text, a newline or tab), so that Sanitize can return it as
// it is: the common case costs no allocation.
func clean(s string, oneLine bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && (oneLine || (c != '\n' && c != '\t')) || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || forbidden(r) {
			return false
		}
		i += size
	}
	return true
}

// packagePrefix matches the "store: ", "chat: " ... with which ratchat's
// packages start their errors: useful in a log, noise to a person.
var packagePrefix = regexp.MustCompile(`\b(api|chat|cli|keys|session|store|transport|ui|wire): `)

// ErrorText is an error as a person reads it: on one line, sanitized (an
// error may quote what a peer sent), without package names.
func ErrorText(err error) string {
	return SanitizeLine(packagePrefix.ReplaceAllString(err.Error(), ""))
}
