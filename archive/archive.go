package archive

import (
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Defaults of [Options].
const (
	// DefaultSegmentSize is when a new segment starts by size.
	DefaultSegmentSize = 16 << 20
	// DefaultSegmentAge is when a new segment starts by age: retention
	// removes whole segments, so it is as precise as this.
	DefaultSegmentAge = 7 * 24 * time.Hour
)

// Options tune an archive; the zero value takes the defaults.
type Options struct {
	SegmentSize int64
	SegmentAge  time.Duration
	Rand        io.Reader        // nonces; crypto/rand when nil
	Now         func() time.Time // segment creation times; time.Now when nil
}

// Archive is an open archive folder. Append, Verify, Prune and Each may
// be called from several goroutines: a mutex orders them.
type Archive struct {
	mu   sync.Mutex
	dir  string
	aead cipher.AEAD
	o    Options
	head Head     // the last record written
	cur  *os.File // the last segment, open for appending; nil before the first
	size int64    // its size
	born time.Time
	// failed is the write error after which nothing more is appended.
	failed error
}

// Open opens (creating it, 0700) the archive folder dir under key. It
// reads the last segment to find the chain's end, and cuts off a torn
// partial record after it (an append that never completed; a record the
// store's head counts is then reported missing by Verify).
func Open(dir string, key [KeySize]byte, o Options) (*Archive, error) {
	a, err := newArchive(dir, key, o)
	if err != nil {
		return nil, err
	}
	return a, a.openTail()
}

// newArchive makes the folder and the cipher, with o's defaults.
func newArchive(dir string, key [KeySize]byte, o Options) (*Archive, error) {
	if o.SegmentSize <= 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.SegmentAge <= 0 {
		o.SegmentAge = DefaultSegmentAge
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return &Archive{dir: dir, aead: aead, o: o}, nil
}

// Tail is where an archive's chain ended when it was closed: its head,
// and the last segment's name, size and creation time. Given back to
// [OpenAt], it spares reading the last segment again.
type Tail struct {
	Head    Head
	Segment string
	Size    int64
	Born    time.Time
}

// Tail returns where the chain ends now (zero before the first record).
func (a *Archive) Tail() Tail {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil {
		return Tail{}
	}
	return Tail{Head: a.head, Segment: filepath.Base(a.cur.Name()), Size: a.size, Born: a.born}
}

// OpenAt is Open resuming from a Tail taken before a Close: when the last
// segment still has that name and size, it is not read again; otherwise
// OpenAt reads it as Open does. (A change of the same size in the last
// record is still caught by Verify, which reads everything.)
func OpenAt(dir string, key [KeySize]byte, o Options, t Tail) (*Archive, error) {
	a, err := newArchive(dir, key, o)
	if err != nil {
		return nil, err
	}
	if t.Segment != "" {
		if ok, err := a.resume(t); err != nil || ok {
			return a, err
		}
	}
	return a, a.openTail()
}

// resume opens the last segment at t if it matches.
func (a *Archive) resume(t Tail) (bool, error) {
	segs, err := listSegments(a.dir)
	if err != nil || len(segs) == 0 || segs[len(segs)-1].name != t.Segment {
		return false, err
	}
	f, err := os.OpenFile(a.segPath(t.Segment), os.O_RDWR, 0o600)
	if err != nil {
		return false, fmt.Errorf("archive: %w", err)
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != t.Size {
		f.Close()
		return false, err
	}
	if _, err := f.Seek(t.Size, io.SeekStart); err != nil {
		f.Close()
		return false, fmt.Errorf("archive: %w", err)
	}
	a.head, a.cur, a.size, a.born = t.Head, f, t.Size, t.Born
	return true, nil
}

// openTail finds the end of the chain in the last segment.
func (a *Archive) openTail() error {
	segs, err := listSegments(a.dir)
	if err != nil || len(segs) == 0 {
		return err
	}
	last := segs[len(segs)-1]
	s, err := readSegment(a.segPath(last.name))
	if err != nil {
		return err
	}
	h := Head{Seq: s.header.first - 1, Hash: s.header.prev}
	for _, r := range s.records {
		h = Head{Seq: r.seq, Hash: chain(h.Hash, r.header, r.body)}
	}
	f, err := os.OpenFile(a.segPath(last.name), os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if s.torn > 0 {
		if err := f.Truncate(s.good); err != nil {
			f.Close()
			return fmt.Errorf("archive: cutting a torn record: %w", err)
		}
	}
	if _, err := f.Seek(s.good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("archive: %w", err)
	}
	a.head, a.cur, a.size, a.born = h, f, s.good, s.header.created
	return nil
}

// Head returns the last record written.
func (a *Archive) Head() Head {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.head
}

// Close closes the open segment.
func (a *Archive) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.aead == nil {
		return ErrClosed
	}
	a.aead = nil
	if a.cur != nil {
		return a.cur.Close()
	}
	return nil
}

// Append seals entries, in order, as the next records of the chain,
// writes them and syncs the file before returning the new head, which
// the caller stores. Each entry's Seq is set. After a failed write the
// archive refuses every later append (reopen it: Open cuts the torn
// record off).
func (a *Archive) Append(entries []Entry) (Head, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.aead == nil {
		return Head{}, ErrClosed
	}
	if a.failed != nil {
		return a.head, a.failed
	}
	var buf []byte
	h := a.head
	for i := range entries {
		rec, next, err := a.seal(h, &entries[i])
		if err != nil {
			return a.head, err
		}
		if a.needRoll(a.size+int64(len(buf)), int64(len(rec))) {
			if err := a.write(buf); err != nil {
				return a.head, err
			}
			a.head, buf = h, nil
			if err := a.roll(h); err != nil {
				return a.head, err
			}
		}
		buf = append(buf, rec...)
		h = next
		entries[i].Seq = h.Seq
	}
	if err := a.write(buf); err != nil {
		return a.head, err
	}
	a.head = h
	return h, nil
}

// seal makes the record of e after h.
func (a *Archive) seal(h Head, e *Entry) ([]byte, Head, error) {
	pt := encodeEntry(e)
	if len(pt)+minBody > MaxBody {
		return nil, h, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(pt))
	}
	seq := h.Seq + 1
	header := recordHeader(seq, len(pt)+minBody)
	rec := make([]byte, headerSize+chacha20poly1305.NonceSizeX, headerSize+len(pt)+minBody)
	copy(rec, header)
	nonce := rec[headerSize:]
	if _, err := io.ReadFull(a.o.Rand, nonce); err != nil {
		return nil, h, fmt.Errorf("archive: reading randomness: %w", err)
	}
	rec = a.aead.Seal(rec, nonce, pt, header)
	return rec, Head{Seq: seq, Hash: chain(h.Hash, header, rec[headerSize:])}, nil
}

// needRoll reports whether a record of add bytes goes to a new segment,
// the open one holding used bytes: there is none yet, or it is full or
// old (an empty segment takes at least one record).
func (a *Archive) needRoll(used, add int64) bool {
	switch {
	case a.cur == nil:
		return true
	case used == segHeaderSize:
		return false
	}
	return used+add > a.o.SegmentSize || a.o.Now().Sub(a.born) >= a.o.SegmentAge
}

// roll closes the open segment and starts a new one after h.
func (a *Archive) roll(h Head) error {
	if a.cur != nil {
		a.cur.Close() // synced by write
		a.cur = nil
	}
	now := a.o.Now()
	name := segName(h.Seq + 1)
	f, err := os.OpenFile(a.segPath(name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("archive: new segment: %w", err)
	}
	a.cur, a.size, a.born = f, 0, now
	if err := a.write(segHeader{first: h.Seq + 1, created: now, prev: h.Hash}.encode()); err != nil {
		return err
	}
	if err := syncDir(a.dir); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// write appends b to the open segment and syncs it.
func (a *Archive) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := a.cur.Write(b); err != nil {
		a.failed = fmt.Errorf("archive: %w", err)
		return a.failed
	}
	a.size += int64(len(b))
	if err := a.cur.Sync(); err != nil {
		a.failed = fmt.Errorf("archive: %w", err)
		return a.failed
	}
	return nil
}
