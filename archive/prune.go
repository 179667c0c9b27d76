package archive

import (
	"fmt"
	"os"
	"time"
)

// Prune removes the oldest whole segments whose last record's Time is
// before cut, never the last segment. Before removing anything it calls
// commit with the new anchor (the chain's Head at the end of the last
// segment removed), which the caller stores: a crash between the two
// leaves segments Verify skips as covered by the anchor, never a gap. It
// returns how many segments it removed. A legal hold is the caller's:
// it simply does not call Prune.
func (a *Archive) Prune(cut time.Time, commit func(anchor Head) error) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	segs, err := a.openSegments()
	if err != nil || len(segs) < 2 {
		return 0, err
	}
	var anchor Head
	var drop []segment
	for _, sg := range segs[:len(segs)-1] {
		end, old, err := a.segmentEnd(sg, cut)
		if err != nil {
			return 0, err
		}
		if !old {
			break
		}
		anchor, drop = end, append(drop, sg)
	}
	if len(drop) == 0 {
		return 0, nil
	}
	if err := commit(anchor); err != nil {
		return 0, err
	}
	for _, sg := range drop {
		if err := os.Remove(a.segPath(sg.name)); err != nil {
			return 0, fmt.Errorf("archive: pruning: %w", err)
		}
	}
	return len(drop), syncDir(a.dir)
}

// segmentEnd returns the chain's Head at the end of a segment and
// whether its last record is older than cut.
func (a *Archive) segmentEnd(sg segment, cut time.Time) (Head, bool, error) {
	s, err := readSegment(a.segPath(sg.name))
	if err != nil {
		return Head{}, false, err
	}
	if len(s.records) == 0 {
		return Head{}, false, nil
	}
	h := s.header.prev
	for _, r := range s.records {
		h = chain(h, r.header, r.body)
	}
	last := s.records[len(s.records)-1]
	e, err := a.open(last)
	if err != nil {
		return Head{}, false, fmt.Errorf("archive: record %d: %w", last.seq, err)
	}
	return Head{Seq: last.seq, Hash: h}, e.Time.Before(cut), nil
}
