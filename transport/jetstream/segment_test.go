package jetstream

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"ratchat/keys"
)

// tableEntries is a segment's table with each kind of quota and a lifetime.
func tableEntries() []segEntry {
	var a, b keys.PublicKey
	a[0], b[0] = 1, 2
	return []segEntry{
		{owner: a, quota: "r", dedup: depositID{1}, size: 1024, received: 1_795_846_135_000},
		{owner: b, quota: strings.Repeat("ab", 32), dedup: depositID{2}, size: 7, received: 1_795_846_135_001, ttl: 3600},
		{owner: a, dedup: depositID{3}, size: 0, received: 1},
	}
}

func TestSegmentTableRoundTrip(t *testing.T) {
	full := make([]segEntry, segmentSlots)
	for i := range full {
		full[i] = segEntry{quota: "r", size: 1, received: int64(i)}
	}
	tests := []struct {
		name    string
		entries []segEntry
	}{
		{"every quota kind", tableEntries()},
		{"one envelope", tableEntries()[:1]},
		{"full", full},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := marshalTable(tc.entries)
			if err != nil {
				t.Fatal(err)
			}
			var size int64
			for _, e := range tc.entries {
				size += e.size
			}
			got, err := parseTable(h, size)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.entries) {
				t.Errorf("parsed %+v, want %+v", got, tc.entries)
			}
			if _, err := parseTable(h, size+1); !errors.Is(err, ErrRecord) {
				t.Errorf("a table whose sizes do not add up to the data: %v, want ErrRecord", err)
			}
		})
	}
}

func TestSegmentTableRefused(t *testing.T) {
	good, err := marshalTable(tableEntries())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
	}{
		{"empty", ""},
		{"not base64", "!!!"},
		{"truncated", good[:len(good)-4]},
		{"trailing bytes", good + "AAAA"},
		{"another version", "Ag" + good[2:]},
		{"too long", strings.Repeat("A", 200_000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseTable(tc.header, 1031); !errors.Is(err, ErrRecord) {
				t.Errorf("parseTable: %v, want ErrRecord", err)
			}
		})
	}
	for _, bad := range [][]segEntry{nil, make([]segEntry, segmentSlots+1), {{quota: "xyz"}}, {{size: -1}}} {
		if _, err := marshalTable(bad); !errors.Is(err, ErrRecord) {
			t.Errorf("marshalTable(%d entries): %v, want ErrRecord", len(bad), err)
		}
	}
}

func TestAckRecord(t *testing.T) {
	ids := []ackedEnvelope{{envelopeID(1, 0), depositID{1}}, {envelopeID(1, 255), depositID{2}}, {envelopeID(1<<40, 3), depositID{}}}
	h, err := marshalAcks(ids)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseAcks(h)
	if err != nil || !reflect.DeepEqual(got, ids) {
		t.Fatalf("parseAcks = %v, %v; want %v", got, err, ids)
	}
	for _, bad := range []string{"", "AQ", h[:len(h)-2], h + "AA", strings.Repeat("A", 300_000)} {
		if _, err := parseAcks(bad); !errors.Is(err, ErrRecord) {
			t.Errorf("parseAcks(%.20q): %v, want ErrRecord", bad, err)
		}
	}
	if _, err := marshalAcks(make([]ackedEnvelope, maxAckRecord+1)); !errors.Is(err, ErrRecord) {
		t.Errorf("marshalAcks of too many ids: %v, want ErrRecord", err)
	}
}

func TestEnvelopeID(t *testing.T) {
	for _, tc := range []struct {
		seq uint64
		i   int
	}{{1, 0}, {1, segmentSlots - 1}, {1 << 50, 17}} {
		seq, i := segmentOf(envelopeID(tc.seq, tc.i))
		if seq != tc.seq || i != tc.i {
			t.Errorf("segmentOf(envelopeID(%d, %d)) = %d, %d", tc.seq, tc.i, seq, i)
		}
	}
	if envelopeID(2, 0) <= envelopeID(1, segmentSlots-1) {
		t.Error("a later segment's first id is not above an earlier one's last")
	}
}

// FuzzSegmentTable feeds parseTable and parseAcks arbitrary headers: an
// error, or a table that encodes and parses back to itself; never a panic.
func FuzzSegmentTable(f *testing.F) {
	h, err := marshalTable(tableEntries())
	if err != nil {
		f.Fatal(err)
	}
	a, err := marshalAcks([]ackedEnvelope{{1, depositID{1}}, {2, depositID{2}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h, int64(1031))
	f.Add(a, int64(0))
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if entries, err := parseTable(header, size); err == nil {
			again, err := marshalTable(entries)
			if err != nil {
				t.Fatalf("a parsed table does not encode: %v", err)
			}
			if back, err := parseTable(again, size); err != nil || !reflect.DeepEqual(back, entries) {
				t.Fatalf("a table encodes and parses to %+v (%v), not %+v", back, err, entries)
			}
		}
		if ids, err := parseAcks(header); err == nil {
			again, err := marshalAcks(ids)
			if err != nil {
				t.Fatalf("a parsed ack record does not encode: %v", err)
			}
			if back, err := parseAcks(again); err != nil || !reflect.DeepEqual(back, ids) {
				t.Fatalf("an ack record encodes and parses to %v (%v), not %v", back, err, ids)
			}
		}
	})
}

// TestRememberWindow checks the holder's memory of deposit ids: an id is
// kept for the dedup window and forgotten after it, and what is kept stays
// bounded by the window however many deposits pass.
func TestRememberWindow(t *testing.T) {
	p := newPart(nil, 0, 0)
	win := dupWindow.Milliseconds()
	const n = 20_000
	idOf := func(i int) (d depositID) {
		d[0], d[1], d[2] = byte(i), byte(i>>8), 1
		return d
	}
	for i := range n {
		d := idOf(i)
		p.remember(d, uint64(i+1), int64(i)*win/1000) // 1,000 deposits per window
	}
	if len(p.dedups) > 1001 || len(p.recent)-p.head > 1001 {
		t.Fatalf("%d ids and %d items kept, want at most a window's 1,001", len(p.dedups), len(p.recent)-p.head)
	}
	if len(p.recent) > 2*1002 {
		t.Errorf("recent holds %d items: not compacted", len(p.recent))
	}
	last, first := idOf(n-1), idOf(0)
	if p.dedups[last].id != n {
		t.Errorf("the newest deposit maps to %d, want %d", p.dedups[last].id, n)
	}
	if _, ok := p.dedups[first]; ok {
		t.Error("the first deposit is still remembered past the window")
	}
}

// TestForgetDedups: a deposit id seen again (acknowledged after it was
// stored) outlives its first sighting, and after a burst and silence the
// lease round's sweep forgets what is past the window, with no deposit
// to trigger it.
func TestForgetDedups(t *testing.T) {
	p := newPart(nil, 0, 0)
	win := dupWindow.Milliseconds()
	a, b := depositID{1}, depositID{2}
	p.remember(a, 256, 0)
	p.remember(b, 257, 10)
	p.remember(a, 256, win/2) // a acknowledged
	p.forgetDedups(20)        // the window has passed the sightings before 20 ms
	if _, ok := p.dedups[a]; !ok {
		t.Error("a deposit acknowledged within the window was forgotten with its first sighting")
	}
	if _, ok := p.dedups[b]; ok {
		t.Error("a deposit past the window is still remembered")
	}
	p.forgetDedups(win/2 + 1) // silence: the lease round's sweep
	if len(p.dedups) != 0 || len(p.recent) != p.head {
		t.Errorf("after the window, %d ids and %d items kept; want none", len(p.dedups), len(p.recent)-p.head)
	}
}
