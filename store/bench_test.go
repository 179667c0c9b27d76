package store

import (
	"bufio"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Benchmarks. The large fixture (a profile of -store.messages messages in
// one conversation, 1,000,000 by default) is built once per process and
// shared; it is skipped in -short mode. docs/STORAGE.md lists the command
// and the figures.
var benchMessages = flag.Int("store.messages", 1_000_000, "messages in the large benchmark fixture")

// benchStore creates a profile for benchmarks, encrypted or not (the same
// schema and code with plainCrypter), with one contact.
func benchStore(b *testing.B, encrypted bool) *Store {
	b.Helper()
	s, _ := newTestStore(b)
	if !encrypted {
		s.c = plainCrypter{}
	}
	addTestContact(b, s, 1, "bob")
	return s
}

// benchMessage is a 100-byte text message number n, with a random id as
// real message ids are (so the unique index sees random keys, encrypted
// or not).
func benchMessage(n int) Message {
	m := testMessage(1, n)
	rand.Read(m.ID[:])
	m.Body = fmt.Appendf(nil, "%-100d", n)
	return m
}

// BenchmarkInsert inserts messages into an encrypted store and into the
// same schema without encryption, interleaved in one loop so that both
// see the same machine noise, and reports each and their ratio.
func BenchmarkInsert(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			enc, plain := benchStore(b, true), benchStore(b, false)
			var tEnc, tPlain time.Duration
			n := 0
			b.ResetTimer()
			for b.Loop() {
				ms := make([]Message, batch)
				for i := range ms {
					ms[i] = benchMessage(n)
					n++
				}
				t0 := time.Now()
				if _, err := enc.InsertMessages(bg, ms); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := plain.InsertMessages(bg, ms); err != nil {
					b.Fatal(err)
				}
				tEnc, tPlain = tEnc+t1.Sub(t0), tPlain+time.Since(t1)
			}
			msgs := float64(n)
			b.ReportMetric(float64(tEnc.Nanoseconds())/msgs, "ns/msg-encrypted")
			b.ReportMetric(float64(tPlain.Nanoseconds())/msgs, "ns/msg-plain")
			b.ReportMetric(float64(tPlain)/float64(tEnc), "speed-ratio")
		})
	}
}

// bigFixture is the shared large profile.
var bigFixture struct {
	once sync.Once
	s    *Store
	dir  string
	err  error
	took time.Duration
}

// largeStore returns the profile of -store.messages messages, building it
// on first use (in batches of 1,000, about a minute for a million).
func largeStore(b *testing.B) *Store {
	if testing.Short() {
		b.Skip("large fixture: skipped in -short mode")
	}
	f := &bigFixture
	f.once.Do(func() {
		f.dir, f.err = os.MkdirTemp("", "ratchat-bench-")
		if f.err != nil {
			return
		}
		start := time.Now()
		f.s, f.err = Create(filepath.Join(f.dir, "profile"), testPass, WithKDF(testKDF))
		if f.err != nil {
			return
		}
		if _, f.err = f.s.AddContact(bg, Contact{Identity: testKey(b, 1), Name: "bob"}); f.err != nil {
			return
		}
		for start := 0; start < *benchMessages && f.err == nil; start += 1000 {
			ms := make([]Message, 0, 1000)
			for i := start; i < min(start+1000, *benchMessages); i++ {
				ms = append(ms, benchMessage(i))
			}
			_, f.err = f.s.InsertMessages(bg, ms)
		}
		if f.err == nil {
			f.err = f.s.checkpoint(bg)
		}
		f.took = time.Since(start)
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	b.Logf("fixture: %d messages, built in %v", *benchMessages, f.took.Round(time.Millisecond))
	return f.s
}

// pagesPerOp is how many pages one iteration of the page benchmarks
// loads, so that -benchtime=1x (used for the slow backup benchmark in the
// same run) still averages many page loads.
const pagesPerOp = 200

// closeLargeStore closes and deletes the large fixture, if one was built.
func closeLargeStore() {
	f := &bigFixture
	if f.s != nil {
		f.s.Close()
	}
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}

// BenchmarkLastPage opens the newest page (50 messages) of a conversation
// of -store.messages messages, as opening a chat does.
func BenchmarkLastPage(b *testing.B) {
	benchPage(b, 0)
}

// BenchmarkEarlierPage pages 50 messages back from the middle.
func BenchmarkEarlierPage(b *testing.B) {
	benchPage(b, Cursor(*benchMessages/2))
}

// benchPage loads the page before cur, pagesPerOp times per iteration,
// and reports the time of one page load.
func benchPage(b *testing.B, cur Cursor) {
	s := largeStore(b)
	n := 0
	for b.Loop() {
		for range pagesPerOp {
			page, _, err := s.Messages(bg, 1, cur, 50)
			if err != nil || len(page) != 50 {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(n), "ms/page")
}

// BenchmarkBackup exports the large profile to a file and restores it
// into a new folder, and copies the database file (with fsync) for
// comparison, reporting each in seconds and as a ratio to the copy.
func BenchmarkBackup(b *testing.B) {
	s := largeStore(b)
	dir := b.TempDir()
	rk, _ := NewRecoveryKey(rand.Reader)
	path := filepath.Join(dir, "backup.rcb")
	var tCopy, tExport, tRestore time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		copyFile(b, dbPath(s.Dir()), filepath.Join(dir, "copy.db"))
		t1 := time.Now()
		exportFile(b, s, path, rk)
		t2 := time.Now()
		restoreBench(b, filepath.Join(dir, fmt.Sprint("restored", i)), path, rk)
		tCopy, tExport, tRestore = tCopy+t1.Sub(t0), tExport+t2.Sub(t1), tRestore+time.Since(t2)
		i++
	}
	n := float64(i)
	b.ReportMetric(tCopy.Seconds()/n, "s-copy")
	b.ReportMetric(tExport.Seconds()/n, "s-export")
	b.ReportMetric(tRestore.Seconds()/n, "s-restore")
	b.ReportMetric(float64(tExport)/float64(tCopy), "export/copy")
	b.ReportMetric(float64(tRestore)/float64(tCopy), "restore/copy")
}

// copyFile copies src to dst and syncs it, as a file-level backup would.
func copyFile(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Sync(); err != nil {
		b.Fatal(err)
	}
	out.Close()
}

// exportFile exports s to path and syncs it.
func exportFile(b *testing.B, s *Store, path string, key BackupKey) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := s.Export(bg, w, key, nil); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// restoreBench restores path into dir.
func restoreBench(b *testing.B, dir, path string, key BackupKey) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := Restore(bg, dir, f, key, testPass, WithKDF(testKDF)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMessageCrypto times the cryptography one message insert does
// alone: two seals (record, status) and one blind index.
func BenchmarkMessageCrypto(b *testing.B) {
	c := testCipher(b)
	k, _ := deriveSubkeys(make([]byte, dataKeySize))
	m := benchMessage(1)
	rec := m.encodeRecord()
	st := encodeStatus(m.Status, m.StatusAt, m.Times)
	for b.Loop() {
		c.seal(tableMessages, colRecord, 1, rec)
		c.seal(tableMessages, colStatus, 1, st)
		c.blind(k.blindMessage, make([]byte, 8), m.ID[:])
	}
}
