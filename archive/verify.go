package archive

import (
	"crypto/subtle"
	"fmt"
)

// Verify walks the whole chain from anchor (the Head just before the
// first record kept; zero for an archive never pruned) and checks it
// against head (the Head kept in the profile store). It returns nil, or a
// [*VerifyError] for the first bad record: [ErrChanged] (a byte changed:
// the record fails to open, or a segment's chain start differs),
// [ErrRemoved] (a record missing inside a segment), [ErrReordered] (a
// record before its place), [ErrSegmentMissing] (a gap at a segment's
// start), [ErrTruncated] (the chain ends before head) or [ErrAhead] (it
// goes on past head). A partial record after the last one counted by
// head is a torn append, not an error (Open cuts it off).
func (a *Archive) Verify(head, anchor Head) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	segs, err := a.openSegments()
	if err != nil {
		return err
	}
	// Segments wholly before the anchor are left over from a prune that
	// stored its anchor and then stopped before removing them.
	for len(segs) > 1 && segs[1].first <= anchor.Seq+1 {
		segs = segs[1:]
	}
	v := verifier{a: a, head: head, next: anchor.Seq + 1, prev: anchor.Hash}
	if head.Seq == anchor.Seq {
		v.atHead, v.seenHead = anchor.Hash, true
	}
	for i, sg := range segs {
		if err := v.segment(sg, i == len(segs)-1); err != nil {
			return err
		}
	}
	return v.end()
}

// verifier is the state of one Verify walk.
type verifier struct {
	a        *Archive
	head     Head
	next     uint64         // the seq expected next
	prev     [HashSize]byte // the chain so far
	atHead   [HashSize]byte // the chain hash at head.Seq, once seen
	seenHead bool
}

// fail is a VerifyError at seq.
func (v *verifier) fail(seq uint64, seg string, err error) error {
	return &VerifyError{Seq: seq, Segment: seg, Err: err}
}

// segment checks one segment file.
func (v *verifier) segment(sg segment, last bool) error {
	s, err := readSegment(v.a.segPath(sg.name))
	if err != nil || s.header.first != sg.first {
		return v.fail(v.next, sg.name, ErrChanged)
	}
	switch {
	case sg.first > v.next:
		return v.fail(v.next, sg.name, ErrSegmentMissing)
	case sg.first < v.next:
		return v.fail(sg.first, sg.name, ErrReordered)
	case subtle.ConstantTimeCompare(s.header.prev[:], v.prev[:]) != 1:
		return v.fail(v.next, sg.name, ErrChanged)
	}
	for j, r := range s.records {
		if err := v.record(s.records[j+1:], r); err != nil {
			return v.fail(v.next, sg.name, err)
		}
	}
	if s.torn > 0 && !(last && v.next > v.head.Seq) {
		return v.fail(v.next, sg.name, ErrChanged)
	}
	return nil
}

// record checks one record (rest: those after it in its segment).
func (v *verifier) record(rest []rawRecord, r rawRecord) error {
	if r.seq > v.next {
		for _, o := range rest {
			if o.seq == v.next {
				return ErrReordered
			}
		}
		return ErrRemoved
	}
	if r.seq < v.next {
		return ErrReordered
	}
	if _, err := v.a.open(r); err != nil {
		return ErrChanged
	}
	v.prev = chain(v.prev, r.header, r.body)
	if r.seq == v.head.Seq {
		v.atHead, v.seenHead = v.prev, true
	}
	v.next++
	return nil
}

// end compares where the chain ended with the head.
func (v *verifier) end() error {
	last := v.next - 1
	switch {
	case last < v.head.Seq:
		return v.fail(v.next, "", ErrTruncated)
	case !v.seenHead || subtle.ConstantTimeCompare(v.atHead[:], v.head.Hash[:]) != 1:
		return v.fail(v.head.Seq, "", ErrChanged)
	case last > v.head.Seq:
		return v.fail(v.head.Seq+1, "", ErrAhead)
	}
	return nil
}

// open decrypts and parses a record.
func (a *Archive) open(r rawRecord) (Entry, error) {
	if len(r.body) < minBody {
		return Entry{}, fmt.Errorf("%w: short body", ErrMalformed)
	}
	ns := a.aead.NonceSize()
	pt, err := a.aead.Open(nil, r.body[:ns], r.body[ns:], r.header)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrChanged, err)
	}
	e, err := ParseEntry(pt)
	if err != nil {
		return Entry{}, err
	}
	e.Seq = r.seq
	return e, nil
}
