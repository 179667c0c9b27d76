package jetstream

import (
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"ratchat/keys"
)

// TestTTLHeader checks the lifetime's way into the Nats-TTL header (whole
// seconds, rounded up) and back out of a stored envelope's headers.
func TestTTLHeader(t *testing.T) {
	cases := []struct {
		lifetime time.Duration
		header   string // as published; "" for none
		expires  int64  // from a receipt time of 1,000 ms
	}{
		{0, "", 0},
		{-time.Second, "", 0},
		{time.Millisecond, "1", 2000},
		{time.Second, "1", 2000},
		{1500 * time.Millisecond, "2", 3000},
		{time.Hour, "3600", 3601000},
	}
	for _, c := range cases {
		h := nats.Header{}
		if s := ttlSeconds(c.lifetime); s != 0 {
			h.Set("Nats-TTL", strconv.FormatInt(s, 10))
		}
		if got := h.Get("Nats-TTL"); got != c.header {
			t.Fatalf("%v: header %q, want %q", c.lifetime, got, c.header)
		}
		if got := expiresAt(h, 1000); got != c.expires {
			t.Fatalf("%v: expires %d, want %d", c.lifetime, got, c.expires)
		}
	}
	// A TTL written by someone else (a duration string) is NATS's to time.
	if got := expiresAt(nats.Header{"Nats-TTL": {"1m"}}, 1000); got != 0 {
		t.Fatalf("foreign TTL read as %d", got)
	}
}

// TestDropExpired checks the holder's index: envelopes leave it, and
// their mailbox's usage, when their lifetime passes, in expiry order;
// one acknowledged meanwhile is not counted twice; a delivered segment
// that expires is acknowledged, one not delivered yet is forgotten.
func TestDropExpired(t *testing.T) {
	p := newPart(nil, 0, 0)
	owner := keys.PublicKey{1}
	base := time.Now().UnixMilli()
	add := func(seq uint64, ttl int64, reply string) uint64 {
		sg := p.addSegment(seq, []segEntry{{owner: owner, size: 10, received: base, ttl: ttl}}, ttl != 0)
		sg.reply = reply
		return envelopeID(seq, 0)
	}
	add(1, 3, "ack.1")
	add(2, 1, "")      // not delivered yet
	add(3, 0, "ack.3") // no lifetime
	acked := add(4, 2, "ack.4")
	if r := p.removeEntry(acked, p.byID[acked], nil); len(r) != 1 || r[0] != "ack.4" {
		t.Fatalf("acknowledging a delivered segment's one envelope sends %v, want [ack.4]", r)
	}
	steps := []struct {
		at      int64 // ms after base
		n       int
		replies []string
		left    int64
	}{
		{999, 0, nil, 3},
		{1000, 1, nil, 2},
		{2500, 0, nil, 2},
		{3000, 1, []string{"ack.1"}, 1},
		{1 << 40, 0, nil, 1},
	}
	for _, s := range steps {
		n, size, replies := p.dropExpired(time.UnixMilli(base + s.at))
		if n != s.n || size != int64(10*s.n) || len(replies) != len(s.replies) || len(replies) == 1 && replies[0] != s.replies[0] {
			t.Fatalf("at %d: dropped %d (%d bytes, %v), want %d (%v)", s.at, n, size, replies, s.n, s.replies)
		}
		if u := p.box(owner).use; u.count != s.left {
			t.Fatalf("at %d: %d left, want %d", s.at, u.count, s.left)
		}
	}
	if len(p.segs) != 1 || p.segs[3] == nil {
		t.Fatalf("segments left: %v, want only 3's", p.segs)
	}
}
