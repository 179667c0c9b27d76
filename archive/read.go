package archive

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Each calls fn with every record whose Time is not before since, in
// chain order, with the chain hash at that record. It opens each record
// (a record that fails to open stops it with an error wrapping
// [ErrChanged]); it does not check the chain against a head: that is
// Verify's work.
func (a *Archive) Each(since time.Time, fn func(e Entry, hash [HashSize]byte) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	segs, err := a.openSegments()
	if err != nil {
		return err
	}
	for _, sg := range segs {
		s, err := readSegment(a.segPath(sg.name))
		if err != nil {
			return err
		}
		h := s.header.prev
		for _, r := range s.records {
			e, err := a.open(r)
			if err != nil {
				return fmt.Errorf("archive: record %d: %w", r.seq, err)
			}
			h = chain(h, r.header, r.body)
			if e.Time.Before(since) {
				continue
			}
			if err := fn(e, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// Stats describe the archive's files.
type Stats struct {
	Segments int
	Bytes    int64
	First    uint64 // the first record's seq on disk (0: none)
}

// Stats counts the segment files and their bytes.
func (a *Archive) Stats() (Stats, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	segs, err := listSegments(a.dir)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Segments: len(segs)}
	if len(segs) > 0 {
		st.First = segs[0].first
	}
	for _, sg := range segs {
		fi, err := os.Stat(a.segPath(sg.name))
		if err != nil {
			return Stats{}, fmt.Errorf("archive: %w", err)
		}
		st.Bytes += fi.Size()
	}
	return st, nil
}

// After calls fn with every record whose seq is above after, in order,
// reading only the segments that may hold them (the records past the
// head a store recorded, after a crash between an append and its
// record).
func (a *Archive) After(after uint64, fn func(e Entry) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	segs, err := a.openSegments()
	if err != nil {
		return err
	}
	for len(segs) > 1 && segs[1].first <= after+1 {
		segs = segs[1:]
	}
	for _, sg := range segs {
		s, err := readSegment(a.segPath(sg.name))
		if err != nil {
			return err
		}
		for _, r := range s.records {
			if r.seq <= after {
				continue
			}
			e, err := a.open(r)
			if err != nil {
				return fmt.Errorf("archive: record %d: %w", r.seq, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Start returns the Head just before the first record on disk: the
// first segment's chain start (the zero Head for an empty archive, or
// one never pruned). A profile that adopts an archive it has no record
// of (restored from a backup) verifies it from here.
func (a *Archive) Start() (Head, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	segs, err := a.openSegments()
	if err != nil || len(segs) == 0 {
		return Head{}, err
	}
	f, err := os.Open(a.segPath(segs[0].name))
	if err != nil {
		return Head{}, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	b := make([]byte, segHeaderSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return Head{}, fmt.Errorf("%w: %s: %w", ErrMalformed, segs[0].name, err)
	}
	h, err := parseSegHeader(b)
	if err != nil || h.first != segs[0].first || h.first == 0 {
		return Head{}, fmt.Errorf("%w: %s: bad segment header", ErrMalformed, segs[0].name)
	}
	return Head{Seq: h.first - 1, Hash: h.prev}, nil
}
