package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

// testKey is a fixed archive key.
var testKey = [KeySize]byte{1, 2, 3}

// clock is a test clock that moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// secret is the message text the tests look for in the files.
const secret = "the quarterly numbers are 4711"

// fill opens an archive in a new folder and appends n entries, with
// segments of about three records each.
func fill(t testing.TB, n int, c *clock) (*Archive, string, Head) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "archive")
	a, err := Open(dir, testKey, Options{SegmentSize: 3 * 150, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	var h Head
	for i := range n {
		e := []Entry{{Time: c.now(), Kind: KindIn, Conversation: 7, Message: int64(i + 1), Source: int64(i + 1),
			Content: fmt.Appendf(nil, `{"text":%q}`, secret+strconv.Itoa(i))}}
		if h, err = a.Append(e); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(time.Hour)
	}
	return a, dir, h
}

// segFiles lists the segment paths of dir in order.
func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range segs {
		out = append(out, filepath.Join(dir, s.name))
	}
	return out
}

// rewrite replaces a segment's records with those edit returns.
func rewrite(t testing.TB, path string, edit func([]rawRecord) []rawRecord) {
	t.Helper()
	s, err := readSegment(path)
	if err != nil {
		t.Fatal(err)
	}
	b := s.header.encode()
	for _, r := range edit(s.records) {
		b = append(append(b, r.header...), r.body...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string, h *Head)
		want   error
		seq    uint64
	}{
		{"intact", func(*testing.T, string, *Head) {}, nil, 0},
		{"byte changed", func(t *testing.T, dir string, _ *Head) {
			p := segFiles(t, dir)[1]
			b, _ := os.ReadFile(p)
			b[segHeaderSize+headerSize+30] ^= 1 // inside the first record's body
			os.WriteFile(p, b, 0o600)
		}, ErrChanged, 4},
		{"record removed", func(t *testing.T, dir string, _ *Head) {
			rewrite(t, segFiles(t, dir)[1], func(r []rawRecord) []rawRecord { return append(r[:1:1], r[2:]...) })
		}, ErrRemoved, 5},
		{"two swapped", func(t *testing.T, dir string, _ *Head) {
			rewrite(t, segFiles(t, dir)[1], func(r []rawRecord) []rawRecord { r[0], r[1] = r[1], r[0]; return r })
		}, ErrReordered, 4},
		{"tail truncated", func(t *testing.T, dir string, _ *Head) {
			segs := segFiles(t, dir)
			rewrite(t, segs[len(segs)-1], func(r []rawRecord) []rawRecord { return r[:len(r)-1] })
		}, ErrTruncated, 10},
		{"tail cut mid-record", func(t *testing.T, dir string, _ *Head) {
			segs := segFiles(t, dir)
			fi, _ := os.Stat(segs[len(segs)-1])
			os.Truncate(segs[len(segs)-1], fi.Size()-5)
		}, ErrTruncated, 10},
		{"middle segment removed", func(t *testing.T, dir string, _ *Head) {
			os.Remove(segFiles(t, dir)[1])
		}, ErrSegmentMissing, 4},
		{"first segment removed", func(t *testing.T, dir string, _ *Head) {
			os.Remove(segFiles(t, dir)[0])
		}, ErrSegmentMissing, 1},
		{"last segment removed", func(t *testing.T, dir string, _ *Head) {
			segs := segFiles(t, dir)
			os.Remove(segs[len(segs)-1])
		}, ErrTruncated, 10},
		{"head rolled back", func(t *testing.T, dir string, h *Head) {
			*h = Head{Seq: 8, Hash: headAt(t, dir, 8)}
		}, ErrAhead, 9},
		{"head hash differs", func(t *testing.T, dir string, h *Head) {
			h.Hash[0] ^= 1
		}, ErrChanged, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1_800_000_000, 0)}
			a, dir, head := fill(t, 10, c)
			a.Close()
			tt.tamper(t, dir, &head)
			b, err := Open(dir, testKey, Options{SegmentSize: 3 * 150})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			err = b.Verify(head, Head{})
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			var ve *VerifyError
			if tt.want != nil && (!errors.As(err, &ve) || ve.Seq != tt.seq) {
				t.Fatalf("Verify = %v, want the record %d named", err, tt.seq)
			}
		})
	}
}

// headAt is the chain hash at seq, read from an intact archive.
func headAt(t *testing.T, dir string, seq uint64) [HashSize]byte {
	a, err := Open(dir, testKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out [HashSize]byte
	a.Each(time.Time{}, func(e Entry, h [HashSize]byte) error {
		if e.Seq == seq {
			out = h
		}
		return nil
	})
	return out
}

func TestSegmentsRollAndReopen(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	a, dir, head := fill(t, 10, c)
	if n := len(segFiles(t, dir)); n != 4 {
		t.Fatalf("%d segments, want 4 (3 records each)", n)
	}
	a.Close()
	b, err := Open(dir, testKey, Options{SegmentSize: 3 * 150})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Head() != head {
		t.Fatalf("reopened head %d, want %d", b.Head().Seq, head.Seq)
	}
	h, err := b.Append([]Entry{{Time: c.now(), Kind: KindOut, Content: []byte("{}")}})
	if err != nil || h.Seq != 11 {
		t.Fatalf("Append after reopen = %d, %v", h.Seq, err)
	}
	if err := b.Verify(h, Head{}); err != nil {
		t.Fatal(err)
	}
}

func TestNoPlaintextInFiles(t *testing.T) {
	_, dir, _ := fill(t, 10, &clock{t: time.Unix(1_800_000_000, 0)})
	for _, p := range segFiles(t, dir) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("quarterly")) {
			t.Fatalf("%s holds the message text in the clear", p)
		}
	}
}

func TestPruneKeepsAnchor(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	a, dir, head := fill(t, 10, c) // records at hours 0..9, segments of 3
	var anchor Head
	n, err := a.Prune(time.Unix(1_800_000_000, 0).Add(2*time.Hour+time.Minute), func(h Head) error { anchor = h; return nil })
	if err != nil || n != 1 || anchor.Seq != 3 {
		t.Fatalf("Prune = %d, %v, anchor %d; want the first segment (records 1-3) gone", n, err, anchor.Seq)
	}
	if err := a.Verify(head, anchor); err != nil {
		t.Fatalf("Verify from the anchor: %v", err)
	}
	if err := a.Verify(head, Head{}); !errors.Is(err, ErrSegmentMissing) {
		t.Fatalf("Verify without the anchor = %v, want a missing segment", err)
	}
	os.Remove(segFiles(t, dir)[0])
	if err := a.Verify(head, anchor); !errors.Is(err, ErrSegmentMissing) {
		t.Fatalf("Verify after removing the first kept segment = %v, want a missing segment", err)
	}
}

func TestPruneCommitFailureRemovesNothing(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	a, dir, head := fill(t, 10, c)
	boom := errors.New("store down")
	if _, err := a.Prune(c.now(), func(Head) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Prune = %v, want the commit's error", err)
	}
	if n := len(segFiles(t, dir)); n != 4 {
		t.Fatalf("%d segments left, want all 4", n)
	}
	if err := a.Verify(head, Head{}); err != nil {
		t.Fatal(err)
	}
}

func TestExportWARCReadBack(t *testing.T) {
	a, _, _ := fill(t, 5, &clock{t: time.Unix(1_800_000_000, 0)})
	var buf bytes.Buffer
	n, err := a.ExportWARC(&buf, time.Time{}, map[string]string{"profile": "test"})
	if err != nil || n != 5 {
		t.Fatalf("ExportWARC = %d, %v", n, err)
	}
	r, err := gowarc.NewWarcFileReaderFromStream(&buf, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Validation) > 0 {
			t.Fatalf("record %d: %v", len(got), rec.Validation)
		}
		wr := rec.WarcRecord
		if wr.Type() == gowarc.Warcinfo {
			got = append(got, "info")
			continue
		}
		body, err := wr.Block().RawBytes()
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(body)
		got = append(got, wr.WarcHeader().Get(WARCFieldSeq)+" "+wr.WarcHeader().Get(WARCFieldKind)+" "+string(content))
	}
	want := []string{"info"}
	for i := range 5 {
		want = append(want, fmt.Sprintf(`%d in {"text":%q}`, i+1, secret+strconv.Itoa(i)))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read back\n%q\nwant\n%q", got, want)
	}
}

func FuzzParseRecord(f *testing.F) {
	a, dir, _ := fill(f, 2, &clock{t: time.Unix(1_800_000_000, 0)})
	a.Close()
	b, _ := os.ReadFile(segFiles(f, dir)[0])
	f.Add(b[segHeaderSize:])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, header, body, n, err := ParseRecord(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if n != len(header)+len(body) || n > len(b) || len(body) > MaxBody || len(body) < minBody {
			t.Fatalf("n %d, header %d, body %d of %d bytes", n, len(header), len(body), len(b))
		}
		if !bytes.Equal(recordHeader(seq, len(body)), header) {
			t.Fatal("header does not round-trip")
		}
		if e, err := ParseEntry(body); err == nil {
			if !bytes.Equal(encodeEntry(&e), body) {
				t.Fatal("entry does not round-trip")
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatalf("entry error %v does not wrap ErrMalformed", err)
		}
	})
}
