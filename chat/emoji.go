package chat

import (
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// validEmoji reports whether s is empty (a reaction removed) or one emoji:
// a single grapheme cluster that starts with a symbol (or is a keycap such
// as 1️⃣), holds no control characters, and no format characters but the
// joiners, variation selectors and tags that emoji sequences use. Why so
// strict: a reaction is drawn under someone else's message, and a peer
// must not be able to put text, line breaks or bidi overrides there.
func validEmoji(s string) bool {
	if s == "" {
		return true
	}
	if !utf8.ValidString(s) || uniseg.GraphemeClusterCount(s) != 1 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	keycap := (first == '#' || first == '*' || first >= '0' && first <= '9') && len(s) > 1 && lastRune(s) == 0x20E3
	if !unicode.Is(unicode.So, first) && !keycap {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x200D, r == 0xFE0F, r == 0xFE0E, r == 0x20E3, r >= 0xE0020 && r <= 0xE007F:
			// zero-width joiner, variation selectors, keycap, tags
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.IsSpace(r):
			return false
		}
	}
	return true
}

// lastRune returns the last rune of s.
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
