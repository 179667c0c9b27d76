package chat

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"ratchat/store"
)

// The search benchmarks. The 1,000,000-row history is generated here
// (benchmarks do not run in the tests' normal run): texts of 4 to 16 words
// drawn from a 20,000-word vocabulary with a Zipf distribution (as words
// in real text: a few very common, most rare), a number in one text of
// four, across 50 chats.
const (
	benchRows   = 1_000_000
	benchVocab  = 20_000
	benchChats  = 50
	benchLimit  = DefaultSearchLimit
	benchBuildN = 100_000 // rows of the real-store build benchmark
)

// benchWord is word i of the generated vocabulary: pronounceable, and
// distinct for every i.
func benchWord(i int) string {
	const cons, vow = "bcdfghjklmnprstvz", "aeiou"
	var b []byte
	for i++; i > 0; i /= len(cons) * len(vow) {
		b = append(b, cons[i%len(cons)], vow[i/len(cons)%len(vow)])
	}
	return string(b)
}

// benchTexts generates n texts, reproducibly.
func benchTexts(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 1, benchVocab-1)
	vocab := make([]string, benchVocab)
	for i := range vocab {
		vocab[i] = benchWord(i)
	}
	out := make([]string, n)
	buf := make([]byte, 0, 128)
	for i := range out {
		buf = buf[:0]
		for w := range 4 + r.IntN(13) {
			if w > 0 {
				buf = append(buf, ' ')
			}
			buf = append(buf, vocab[zipf.Uint64()]...)
		}
		if i%4 == 0 {
			buf = fmt.Appendf(buf, " %d", r.IntN(100_000))
		}
		out[i] = string(buf)
	}
	return out
}

// benchRow is row i of the generated history.
func benchRow(i int, text string) store.Message {
	return store.Message{Seq: int64(i + 1), Conversation: store.ContactID(1 + i%benchChats), Body: []byte(text)}
}

// buildBenchIndex indexes texts as the messenger's build does, a page at
// a time, and returns the heap the index holds.
func buildBenchIndex(texts []string) (*searchIndex, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := newSearchIndex()
	page := make([]store.Message, 0, searchPage)
	for i, t := range texts {
		page = append(page, benchRow(i, t))
		if len(page) == searchPage {
			x.add(page)
			page = page[:0]
		}
	}
	x.add(page)
	runtime.GC()
	runtime.ReadMemStats(&after)
	return x, after.HeapAlloc - before.HeapAlloc
}

// linearSearch is the baseline: every text, newest first, folded and
// checked for each query word as a substring (the cheap test that rules
// most texts out), then with the index's own confirmation step, until
// limit.
func linearSearch(texts []string, q searchQuery, contact store.ContactID, limit int) int {
	n := 0
next:
	for i := len(texts) - 1; i >= 0 && n < limit; i-- {
		if contact != 0 && store.ContactID(1+i%benchChats) != contact {
			continue
		}
		folded := fold(texts[i])
		for _, w := range q.words {
			if !strings.Contains(folded, w) {
				continue next
			}
		}
		if q.matches(texts[i]) {
			q.snippet(texts[i])
			n++
		}
	}
	return n
}

// BenchmarkSearch1M times queries on an index of 1,000,000 rows, each
// beside the same query as a linear scan over the same texts in memory
// (the baseline, same run), and reports the index's memory: the heap it
// holds (texts included) and per row.
func BenchmarkSearch1M(b *testing.B) {
	texts := benchTexts(benchRows)
	start := time.Now()
	x, heap := buildBenchIndex(texts)
	b.Logf("index of %d rows: built in %v, %d words, heap %.1f MiB (%.0f B/row; the texts alone %.1f MiB)",
		len(texts), time.Since(start).Round(time.Millisecond), len(x.words), float64(heap)/(1<<20),
		float64(heap)/float64(len(texts)), float64(textBytes(texts))/(1<<20))
	queries := []struct {
		name, query string
		contact     store.ContactID
	}{
		{"common-word", benchWord(1), 0},
		{"rare-word", benchWord(15_000), 0},
		{"prefix", benchWord(400)[:3], 0},
		{"two-words", benchWord(3) + " " + benchWord(200), 0},
		{"rare-in-one-chat", benchWord(2_000), 7},
		{"no-match", "zzzzzz", 0},
	}
	for _, tt := range queries {
		q, err := parseQuery(tt.query)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tt.name+"/index", func(b *testing.B) {
			var hits []searchHit
			for b.Loop() {
				hits, _ = x.query(q, tt.contact, benchLimit)
			}
			b.ReportMetric(float64(len(hits)), "hits")
			reportMs(b)
		})
		b.Run(tt.name+"/linear", func(b *testing.B) {
			var n int
			for b.Loop() {
				n = linearSearch(texts, q, tt.contact, benchLimit)
			}
			b.ReportMetric(float64(n), "hits")
			reportMs(b)
		})
	}
	runtime.KeepAlive(x)
}

// textBytes sums the texts' lengths.
func textBytes(texts []string) int {
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	return n
}

// reportMs reports the mean time per query in milliseconds.
func reportMs(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
}

// BenchmarkIndexBuild times building the index: in memory from 1,000,000
// generated rows (the index's own cost), and by the messenger from a real
// profile of benchBuildN rows in SQLite (reading and decrypting them too),
// which it does in the background after unlock.
func BenchmarkIndexBuild(b *testing.B) {
	b.Run("memory-1M", func(b *testing.B) {
		texts := benchTexts(benchRows)
		for b.Loop() {
			buildBenchIndex(texts)
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
	})
	b.Run(fmt.Sprintf("store-%dk", benchBuildN/1000), func(b *testing.B) {
		p := newProfile(b, "alice", "")
		fillBench(b, p, benchTexts(benchBuildN))
		for b.Loop() {
			m := &Messenger{st: p.st, log: p.m.log, cfg: Config{}, search: newSearchState()}
			m.buildSearch(context.Background())
			if n := m.search.idx.size(); n != benchBuildN {
				b.Fatalf("indexed %d rows", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
	})
}

// fillBench stores texts as rows of p's history, across benchChats chats.
func fillBench(b *testing.B, p *profile, texts []string) {
	ctx := context.Background()
	var ids []store.ContactID
	for i := range benchChats {
		var c store.Contact
		c.Name, c.Address = fmt.Sprintf("c%d", i), "127.0.0.1:9"
		c.Identity[0], c.Identity[1] = 5, byte(i)
		id, err := p.st.AddContact(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	at := time.Unix(1_700_000_000, 0)
	for i := 0; i < len(texts); i += 1000 {
		var batch []store.Message
		for j := i; j < min(i+1000, len(texts)); j++ {
			m := benchRow(j, texts[j])
			m.Seq, m.Conversation = 0, ids[j%benchChats]
			m.Direction, m.Status, m.Sent, m.Received, m.StatusAt = store.Incoming, store.StatusRead, at, at, at
			m.ID[0], m.ID[1], m.ID[2] = byte(j), byte(j>>8), byte(j>>16)
			batch = append(batch, m)
		}
		if _, err := p.st.InsertMessages(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
