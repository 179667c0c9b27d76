package chat

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratchat/store"
)

// indexOf builds an index of texts: row i+1 is texts[i], in chat 1 when i
// is even and chat 2 when odd.
func indexOf(texts ...string) *searchIndex {
	x := newSearchIndex()
	page := make([]store.Message, len(texts))
	for i, t := range texts {
		page[i] = store.Message{Seq: int64(i + 1), Conversation: store.ContactID(1 + i%2), Body: []byte(t)}
	}
	x.add(page)
	return x
}

// seqs runs a query and returns the rows found.
func seqs(t *testing.T, x *searchIndex, query string, contact store.ContactID) []int64 {
	t.Helper()
	q, err := parseQuery(query)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	hits, ok := x.query(q, contact, 100)
	if !ok {
		t.Fatalf("query %q: index closed", query)
	}
	var out []int64
	for _, h := range hits {
		out = append(out, h.seq)
	}
	return out
}

// TestSearchIndexMatches is the correctness table: case, accents,
// prefixes, several words, scripts without spaces, one chat.
func TestSearchIndexMatches(t *testing.T) {
	x := indexOf(
		"Hello world",                    // 1, chat 1
		"hello again, WORLDWIDE friends", // 2, chat 2
		"Café au lait at noon",           // 3, chat 1
		"Grüße aus München",              // 4, chat 2
		"東京都に行きます",                       // 5, chat 1
		"the meeting is at 10:30",        // 6, chat 2
		"ΟΔΥΣΣΕΥΣ returns",               // 7, chat 1
		"nothing to see here",            // 8, chat 2
	)
	tests := []struct {
		name, query string
		contact     store.ContactID
		want        []int64
	}{
		{"one word, newest first", "hello", 0, []int64{2, 1}},
		{"case", "HELLO", 0, []int64{2, 1}},
		{"prefix", "wor", 0, []int64{2, 1}},
		{"not a middle of a word", "orld", 0, nil},
		{"two words, both needed", "hello world", 0, []int64{2, 1}},
		{"two words, one absent", "hello moon", 0, nil},
		{"word order does not matter", "world hello", 0, []int64{2, 1}},
		{"punctuation ignored", "hello, again!", 0, []int64{2}},
		{"accent in the text, none in the query", "cafe", 0, []int64{3}},
		{"accent in the query", "CAFÉ", 0, []int64{3}},
		{"umlaut and sharp s", "grusse", 0, []int64{4}},
		{"umlaut folded", "muNCHEN", 0, []int64{4}},
		{"greek upper and lower", "οδυσσευς", 0, []int64{7}},
		{"ideographs, in order", "東京", 0, []int64{5}},
		{"ideographs, one", "京", 0, []int64{5}},
		{"ideographs, not in that order", "京東", 0, nil},
		{"digits", "10", 0, []int64{6}},
		{"within one chat", "hello", 1, []int64{1}},
		{"within the other chat", "hello", 2, []int64{2}},
		{"within a chat without it", "cafe", 2, nil},
		{"nothing", "zebra", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seqs(t, x, tt.query, tt.contact); !slices.Equal(got, tt.want) {
				t.Errorf("search %q: %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

// TestSearchIndexChanges covers the index kept current: a new row, an
// edit, a removal, a contact's rows removed or moved, expiry, and the
// index dropped.
func TestSearchIndexChanges(t *testing.T) {
	x := indexOf("first note", "second note")
	x.upsert(&store.Message{Seq: 3, Conversation: 1, Body: []byte("a third note arrives")})
	if got := seqs(t, x, "note", 0); !slices.Equal(got, []int64{3, 2, 1}) {
		t.Fatalf("after a new row: %v", got)
	}
	x.upsert(&store.Message{Seq: 1, Conversation: 1, Body: []byte("first memo, edited")})
	if got := seqs(t, x, "note", 0); !slices.Equal(got, []int64{3, 2}) {
		t.Errorf("an edited row still found by its old word: %v", got)
	}
	if got := seqs(t, x, "memo", 0); !slices.Equal(got, []int64{1}) {
		t.Errorf("an edited row not found by its new word: %v", got)
	}
	x.remove(2)
	if got := seqs(t, x, "note", 0); !slices.Equal(got, []int64{3}) {
		t.Errorf("after removing row 2: %v", got)
	}
	x.moveContact(1, 5)
	if got := seqs(t, x, "note", 5); !slices.Equal(got, []int64{3}) {
		t.Errorf("after moving chat 1 to 5: %v", got)
	}
	x.removeContact(5)
	if got := seqs(t, x, "first", 0); got != nil {
		t.Errorf("after removing the contact: %v", got)
	}
	soon := time.Unix(1000, 0)
	x.upsert(&store.Message{Seq: 9, Conversation: 2, Body: []byte("vanishing words"), Expires: soon})
	x.expire(soon.Add(-time.Second))
	if got := seqs(t, x, "vanishing", 0); !slices.Equal(got, []int64{9}) {
		t.Errorf("before its time: %v", got)
	}
	x.expire(soon)
	if got := seqs(t, x, "vanishing", 0); got != nil {
		t.Errorf("after its time: %v", got)
	}
	x.upsert(&store.Message{Seq: 10, Conversation: 2, Kind: store.KindFile, File: &store.FileInfo{Name: "holiday-photos.zip"}})
	if got := seqs(t, x, "photos", 0); !slices.Equal(got, []int64{10}) {
		t.Errorf("a file by its name: %v", got)
	}
	x.upsert(&store.Message{Seq: 11, Conversation: 2, Kind: store.KindVerified, Direction: store.Local})
	if n := x.size(); n != 1 { // only the file: the rest is gone, and a system line is not indexed
		t.Errorf("size %d, want 1", n)
	}
	x.drop()
	q, _ := parseQuery("photos")
	if _, ok := x.query(q, 0, 10); ok {
		t.Error("a dropped index answered")
	}
	x.upsert(&store.Message{Seq: 12, Conversation: 2, Body: []byte("after the drop")})
	if x.docs != nil || x.words != nil {
		t.Error("a dropped index took a row")
	}
}

// TestSearchIndexVocabularyMerge adds more new words than the tail holds,
// so that prefixes are found both in the sorted vocabulary and the tail.
func TestSearchIndexVocabularyMerge(t *testing.T) {
	var texts []string
	for i := range 3000 {
		texts = append(texts, "w"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strconv.Itoa(i))
	}
	x := indexOf(texts...)
	if len(x.sorted) == 0 || len(x.tail) >= max(1024, len(x.sorted)/8) {
		t.Fatalf("vocabulary: %d sorted, %d in the tail", len(x.sorted), len(x.tail))
	}
	want := 0
	for _, s := range texts {
		if strings.HasPrefix(s, "wxxa") {
			want++
		}
	}
	q, _ := parseQuery("wxxa")
	hits, _ := x.query(q, 0, MaxSearchLimit)
	if len(hits) != want {
		t.Errorf("prefix wxxa: %d hits, want %d", len(hits), want)
	}
}

// TestParseQuery checks the query bounds.
func TestParseQuery(t *testing.T) {
	tests := []struct {
		query string
		err   error
	}{
		{"", ErrEmptyQuery},
		{"  ,.!? ", ErrEmptyQuery},
		{strings.Repeat("a", MaxSearchQuery+1), ErrQueryTooLong},
		{"a b c d e f g h i j k l m n o p q", ErrQueryTooLong}, // 17 words
		{strings.Repeat("same ", 40), nil},                     // one distinct word
		{"ok", nil},
	}
	for _, tt := range tests {
		if _, err := parseQuery(tt.query); !errors.Is(err, tt.err) {
			t.Errorf("parseQuery(%.20q): %v, want %v", tt.query, err, tt.err)
		}
	}
}

// TestSnippet checks the snippet's window around the match.
func TestSnippet(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 20)
	tests := []struct {
		name, query, text, want string
	}{
		{"short text whole", "world", "hello\nworld", "hello world"},
		{"cut after", "start", "start " + long, ("start " + long)[:snippetRunes] + "…"},
		{"cut before", "target", long + "target end", "…" + (long + "target end")[len(long)+len("target end")-snippetRunes:]},
	}
	for _, tt := range tests {
		q, _ := parseQuery(tt.query)
		if got := q.snippet(tt.text); got != tt.want {
			t.Errorf("%s: snippet %q, want %q", tt.name, got, tt.want)
		}
	}
	q, _ := parseQuery("target")
	mid := long + "target " + long
	got := q.snippet(mid)
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "target") {
		t.Errorf("middle: snippet %q", got)
	}
}

// FuzzParseQuery holds the parser to its bounds, and a query always
// matches its own text.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"hello world", "Café", "東京都", "ΟΔΥΣΣΕΥΣ", "a\u0301", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQuery(s)
		if err != nil {
			if !errors.Is(err, ErrEmptyQuery) && !errors.Is(err, ErrQueryTooLong) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(q.words) == 0 || len(q.words) > maxQueryWords {
			t.Fatalf("%d words", len(q.words))
		}
		for _, w := range q.words {
			if len(w) == 0 || len(w) > maxWordBytes {
				t.Fatalf("word %q", w)
			}
		}
		if !q.matches(s) {
			t.Fatalf("query %q does not match its own text", s)
		}
	})
}
