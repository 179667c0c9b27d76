package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// segMagic opens every segment file.
const segMagic = "RCARCH01"

// segHeaderSize is a segment header: magic, first seq, creation time and
// the chain hash before the first record.
const segHeaderSize = 8 + 8 + 8 + HashSize

// segExt ends every segment file's name.
const segExt = ".seg"

// segHeader is a segment file's header.
type segHeader struct {
	first   uint64
	created time.Time
	prev    [HashSize]byte
}

// encode returns the header's bytes.
func (h segHeader) encode() []byte {
	b := make([]byte, 0, segHeaderSize)
	b = append(b, segMagic...)
	b = binary.BigEndian.AppendUint64(b, h.first)
	b = binary.BigEndian.AppendUint64(b, uint64(h.created.UnixNano()))
	return append(b, h.prev[:]...)
}

// parseSegHeader reads a segment header from the start of b.
func parseSegHeader(b []byte) (segHeader, error) {
	if len(b) < segHeaderSize || !bytes.Equal(b[:8], []byte(segMagic)) {
		return segHeader{}, fmt.Errorf("%w: bad segment header", ErrMalformed)
	}
	h := segHeader{first: binary.BigEndian.Uint64(b[8:]), created: time.Unix(0, int64(binary.BigEndian.Uint64(b[16:])))}
	copy(h.prev[:], b[24:])
	return h, nil
}

// segName is the file name of the segment whose first record is seq.
func segName(first uint64) string { return fmt.Sprintf("%020d%s", first, segExt) }

// segment is a segment file found in the folder.
type segment struct {
	name  string
	first uint64 // from the name
}

// openSegments lists the segments of an open archive; a.mu is held.
func (a *Archive) openSegments() ([]segment, error) {
	if a.aead == nil {
		return nil, ErrClosed
	}
	return listSegments(a.dir)
}

// listSegments returns the segment files of dir, by first seq.
func listSegments(dir string) ([]segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("archive: listing segments: %w", err)
	}
	var out []segment
	for _, e := range ents {
		base, ok := strings.CutSuffix(e.Name(), segExt)
		if !ok || len(base) != 20 {
			continue
		}
		n, err := strconv.ParseUint(base, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, segment{name: e.Name(), first: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out, nil
}

// segFile is a segment read whole: its header, its complete records, and
// how many trailing bytes did not make a complete record (a torn append,
// or damage).
type segFile struct {
	header  segHeader
	records []rawRecord
	good    int64 // bytes up to the end of the last complete record
	torn    int   // bytes after it
}

// readSegment reads and splits a segment file; it opens nothing.
func readSegment(path string) (*segFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("archive: reading segment: %w", err)
	}
	h, err := parseSegHeader(b)
	if err != nil {
		return nil, err
	}
	s := &segFile{header: h, good: segHeaderSize}
	for rest := b[segHeaderSize:]; len(rest) > 0; {
		seq, hdr, body, n, err := ParseRecord(rest)
		if err != nil {
			s.torn = len(rest)
			break
		}
		s.records = append(s.records, rawRecord{seq: seq, header: hdr, body: body})
		s.good += int64(n)
		rest = rest[n:]
	}
	return s, nil
}

// syncDir makes a new or removed file's folder entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// segPath is the path of a segment file.
func (a *Archive) segPath(name string) string { return filepath.Join(a.dir, name) }
