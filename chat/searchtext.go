package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// How search cuts text into words (search.go uses them for the index and
// for queries alike, so that both sides agree):
//
//   - a word is a run of letters, digits and combining marks; anything
//     else separates words;
//   - a word is folded: decomposed (NFD), its combining marks dropped,
//     case-folded, so that "Café", "CAFE" and "cafe" are one word (and
//     "Grüße" is "grusse");
//   - a rune of a script written without spaces (Han, Hiragana, Katakana,
//     Hangul) is a word of its own, and a query's run of them must also
//     appear in that order in the text (see [searchQuery.matches]);
//   - a word is cut at maxWordBytes, which bounds the vocabulary.
const (
	// maxWordBytes bounds one indexed word.
	maxWordBytes = 64
	// MaxSearchQuery bounds a query's length in bytes.
	MaxSearchQuery = 1000
	// maxQueryWords bounds the words of a query.
	maxQueryWords = 16
	// snippetRunes is the length of a result's snippet.
	snippetRunes = 80
)

// ideographic reports whether r is written without spaces between words:
// it is indexed as a word of its own.
func ideographic(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// wordRune reports whether r is part of a word.
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// fold is s as search compares it: decomposed, without combining marks,
// lower case. ASCII takes a fast path.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	// Full case folding: "ς" and "σ" are one letter, "ß" is "ss". A
	// Caser keeps state, so each call has its own.
	return cases.Fold().String(b.String())
}

// span is one word of a text: its folded form and where it was in the
// text (byte offsets).
type span struct {
	word       string
	start, end int
}

// eachWord calls fn with every word of text, folded, and its place.
func eachWord(text string, fn func(span)) {
	start := -1
	emit := func(end int) {
		if start >= 0 {
			w := fold(text[start:end])
			if len(w) > maxWordBytes {
				w = truncateWord(w)
			}
			if w != "" {
				fn(span{w, start, end})
			}
			start = -1
		}
	}
	for i, r := range text {
		if r < utf8.RuneSelf { // ASCII: no table look-ups
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				if start < 0 {
					start = i
				}
			} else {
				emit(i)
			}
			continue
		}
		switch {
		case ideographic(r):
			emit(i)
			start = i
			emit(i + utf8.RuneLen(r))
		case wordRune(r):
			if start < 0 {
				start = i
			}
		default:
			emit(i)
		}
	}
	emit(len(text))
}

// truncateWord cuts w to at most maxWordBytes at a rune boundary.
func truncateWord(w string) string {
	n := maxWordBytes
	for n > 0 && !utf8.RuneStart(w[n]) {
		n--
	}
	return w[:n]
}

// words returns the distinct folded words of text.
func words(text string) []string {
	var out []string
	eachWord(text, func(s span) {
		for _, w := range out {
			if w == s.word {
				return
			}
		}
		out = append(out, s.word)
	})
	return out
}

// searchQuery is a parsed query: the words to match as prefixes, and the
// runs of ideographic text that must appear as they are.
type searchQuery struct {
	words   []string
	phrases []string
}

// parseQuery parses a query; it fails with [ErrEmptyQuery] when it holds
// no word and [ErrQueryTooLong] past [MaxSearchQuery] bytes or
// maxQueryWords words.
func parseQuery(q string) (searchQuery, error) {
	if len(q) > MaxSearchQuery {
		return searchQuery{}, ErrQueryTooLong
	}
	var out searchQuery
	out.words = words(q)
	if len(out.words) == 0 {
		return searchQuery{}, ErrEmptyQuery
	}
	if len(out.words) > maxQueryWords {
		return searchQuery{}, ErrQueryTooLong
	}
	var run strings.Builder
	flush := func() {
		if utf8.RuneCountInString(run.String()) > 1 {
			out.phrases = append(out.phrases, fold(run.String()))
		}
		run.Reset()
	}
	for _, r := range q {
		if ideographic(r) {
			run.WriteRune(r)
			continue
		}
		flush()
	}
	flush()
	return out, nil
}

// matches reports whether text holds every word of the query as the
// start of one of its words, and every ideographic run as it is. This is
// the confirmation step after the index proposed text as a candidate: the
// index may propose too much (a word an edit removed), never too little.
func (q searchQuery) matches(text string) bool {
	have := words(text)
	for _, w := range q.words {
		found := false
		for _, h := range have {
			if strings.HasPrefix(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(q.phrases) > 0 {
		folded := fold(text)
		for _, p := range q.phrases {
			if !strings.Contains(folded, p) {
				return false
			}
		}
	}
	return true
}

// snippet is the part of text around the first word the query matches,
// at most snippetRunes runes, with "…" where it was cut; runs of white
// space (newlines too) become one space.
func (q searchQuery) snippet(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	at := 0
	found := false
	eachWord(text, func(s span) {
		for _, w := range q.words {
			if !found && strings.HasPrefix(s.word, w) {
				at, found = s.start, true
			}
		}
	})
	runes := []rune(text)
	pos := utf8.RuneCountInString(text[:at])
	start := max(0, pos-snippetRunes/3)
	end := min(len(runes), start+snippetRunes)
	start = max(0, end-snippetRunes)
	out := string(runes[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}
