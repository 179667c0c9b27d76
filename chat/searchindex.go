package chat

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"ratchat/store"
)

// searchIndex is the in-memory index of the history's text: an inverted
// index from folded words to the documents (rows) that hold them, with a
// sorted vocabulary for prefix look-ups. It lives only in memory, from
// unlock to [Messenger.Close]: nothing of it ever reaches the disk, where
// a plaintext index would undo the store's encryption.
//
// Documents are numbered in the order they were added, which is the
// order of their sequence numbers but for rows stored concurrently; a
// query walks the numbers down, newest first. A document's postings are
// never removed: an edit adds the new words, a removal marks the
// document gone, and every candidate is confirmed against its current
// text ([searchQuery.matches]), so that stale postings cost a little time
// and never a wrong result.
type searchIndex struct {
	mu       sync.RWMutex
	docs     []searchDoc
	bySeq    map[int64]uint32    // document number of a row
	words    map[string]uint32   // word → its number in lists
	lists    [][]uint32          // a word's documents, ascending
	sorted   []string            // the vocabulary, sorted
	tail     []string            // words not yet merged into sorted
	expiring map[int64]time.Time // rows that disappear, and when
	gone     int                 // documents marked gone
	closed   bool
}

// searchDoc is one indexed row.
type searchDoc struct {
	seq     int64
	contact store.ContactID
	text    string // "" once gone
}

func newSearchIndex() *searchIndex {
	return &searchIndex{bySeq: map[int64]uint32{}, words: map[string]uint32{}, expiring: map[int64]time.Time{}}
}

// indexedText is what of a row is searchable: a text message's text, a
// file's name; nothing of the messenger's own lines.
func indexedText(m *store.Message) (string, bool) {
	switch {
	case m.Kind == store.KindText:
		return string(m.Body), len(m.Body) > 0
	case m.Kind == store.KindFile && m.File != nil:
		return m.File.Name, m.File.Name != ""
	}
	return "", false
}

// upsert indexes a row, or re-indexes it if its text changed (an edit).
func (x *searchIndex) upsert(m *store.Message) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.upsertLocked(m)
}

// add indexes a page of rows under one lock.
func (x *searchIndex) add(page []store.Message) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range page {
		x.upsertLocked(&page[i])
	}
}

func (x *searchIndex) upsertLocked(m *store.Message) {
	if x.closed {
		return
	}
	text, ok := indexedText(m)
	if !ok {
		x.removeLocked(m.Seq)
		return
	}
	if !m.Expires.IsZero() {
		x.expiring[m.Seq] = m.Expires
	}
	if n, ok := x.bySeq[m.Seq]; ok {
		d := &x.docs[n]
		if d.text == text && d.contact == m.Conversation {
			return // a file's progress, a status: nothing new to index
		}
		if d.text == "" {
			x.gone--
		}
		d.text, d.contact = text, m.Conversation
		x.addWords(n, text)
		return
	}
	n := uint32(len(x.docs))
	x.docs = append(x.docs, searchDoc{seq: m.Seq, contact: m.Conversation, text: text})
	x.bySeq[m.Seq] = n
	x.addWords(n, text)
}

// addWords adds document n to the postings of the words of text.
func (x *searchIndex) addWords(n uint32, text string) {
	eachWord(text, func(s span) {
		id, ok := x.words[s.word]
		if !ok {
			w := strings.Clone(s.word) // not a slice of a folded copy of the text
			x.words[w] = uint32(len(x.lists))
			x.lists = append(x.lists, []uint32{n})
			x.tail = append(x.tail, w)
			x.mergeTail()
			return
		}
		p := x.lists[id]
		if last := p[len(p)-1]; last == n {
			return // the word again in the same text
		} else if last < n {
			x.lists[id] = append(p, n)
			return
		}
		// An edit of an older row: keep the postings sorted.
		if i, found := slices.BinarySearch(p, n); !found {
			x.lists[id] = slices.Insert(p, i, n)
		}
	})
}

// mergeTail sorts the new words into the vocabulary once there are
// enough of them that the linear scan of the tail would cost more than a
// merge: at least 1,024, and an eighth of the vocabulary, so that merging
// costs O(1) amortised per word.
func (x *searchIndex) mergeTail() {
	if len(x.tail) < max(1024, len(x.sorted)/8) {
		return
	}
	x.flushTail()
}

// flushTail merges every new word into the sorted vocabulary.
func (x *searchIndex) flushTail() {
	if len(x.tail) == 0 {
		return
	}
	slices.Sort(x.tail)
	merged := make([]string, 0, len(x.sorted)+len(x.tail))
	i, j := 0, 0
	for i < len(x.sorted) && j < len(x.tail) {
		if x.sorted[i] < x.tail[j] {
			merged = append(merged, x.sorted[i])
			i++
		} else {
			merged = append(merged, x.tail[j])
			j++
		}
	}
	merged = append(append(merged, x.sorted[i:]...), x.tail[j:]...)
	x.sorted, x.tail = merged, x.tail[:0]
}

// remove forgets row seq (deleted, expired). Its postings stay (see
// [searchIndex]); its text goes.
func (x *searchIndex) remove(seq int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(seq)
}

func (x *searchIndex) removeLocked(seq int64) {
	n, ok := x.bySeq[seq]
	if !ok {
		return
	}
	delete(x.bySeq, seq)
	delete(x.expiring, seq)
	if x.docs[n].text != "" {
		x.docs[n].text = ""
		x.gone++
	}
}

// removeContact forgets every row of a contact (blocked, removed).
func (x *searchIndex) removeContact(id store.ContactID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, d := range x.docs {
		if d.contact == id {
			x.removeLocked(d.seq)
		}
	}
}

// moveContact gives a request's rows to the contact it was merged into.
func (x *searchIndex) moveContact(from, to store.ContactID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range x.docs {
		if x.docs[i].contact == from {
			x.docs[i].contact = to
		}
	}
}

// expire forgets the rows whose time is up.
func (x *searchIndex) expire(now time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for seq, at := range x.expiring {
		if !at.After(now) {
			x.removeLocked(seq)
		}
	}
}

// drop forgets everything; the index takes nothing more.
func (x *searchIndex) drop() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.docs, x.bySeq, x.words, x.lists, x.sorted, x.tail, x.expiring = nil, nil, nil, nil, nil, nil, nil
	x.gone, x.closed = 0, true
}

// searchHit is one row a query found, and its snippet.
type searchHit struct {
	seq     int64
	contact store.ContactID
	snippet string
}

// query returns up to limit rows that match q, newest first, within one
// contact's rows when contact is not 0. It reports false when the index
// was dropped.
func (x *searchIndex) query(q searchQuery, contact store.ContactID, limit int) ([]searchHit, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, false
	}
	var set []uint64
	for _, w := range q.words {
		s := x.candidates(w)
		if set == nil {
			set = s
		} else {
			for i := range set {
				set[i] &= s[i]
			}
		}
	}
	var out []searchHit
	for i := len(set) - 1; i >= 0 && len(out) < limit; i-- {
		for word := set[i]; word != 0 && len(out) < limit; {
			b := 63 - bits.LeadingZeros64(word)
			word &^= 1 << b
			d := &x.docs[i*64+b]
			if d.text == "" || contact != 0 && d.contact != contact || !q.matches(d.text) {
				continue
			}
			out = append(out, searchHit{seq: d.seq, contact: d.contact, snippet: q.snippet(d.text)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	return out, true
}

// candidates is the set of documents holding a word that starts with
// prefix, as a bitmap of document numbers. The caller holds x.mu.
func (x *searchIndex) candidates(prefix string) []uint64 {
	set := make([]uint64, (len(x.docs)+63)/64)
	add := func(w string) {
		for _, n := range x.lists[x.words[w]] {
			set[n/64] |= 1 << (n % 64)
		}
	}
	for i := sort.SearchStrings(x.sorted, prefix); i < len(x.sorted) && strings.HasPrefix(x.sorted[i], prefix); i++ {
		add(x.sorted[i])
	}
	for _, w := range x.tail {
		if strings.HasPrefix(w, prefix) {
			add(w)
		}
	}
	return set
}

// size is the number of documents indexed (gone ones not counted).
func (x *searchIndex) size() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.docs) - x.gone
}
