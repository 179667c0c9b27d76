package jetstream

import (
	"container/heap"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Per-message TTL (disappearing messages). A deposit with a lifetime is
// published with a Nats-TTL header, in whole seconds (rounded up: NATS
// takes no less than one), and NATS deletes it by itself once that has
// passed. The holder's index learns of that deletion from no one, so it
// keeps each such envelope's expiry (time received plus the TTL) in a
// heap and drops what has passed whenever it is asked for usage, checks
// a deposit against the quotas, or expires: one look at the heap's top
// when nothing has passed. Catch-up reads skip an expired envelope that
// NATS has not removed yet, by the same headers.

// ttlSeconds is a lifetime as the Nats-TTL header's seconds: rounded up,
// so that an envelope never goes sooner than asked; 0 for none.
func ttlSeconds(lifetime time.Duration) int64 {
	if lifetime <= 0 {
		return 0
	}
	return int64((lifetime + time.Second - 1) / time.Second)
}

// expiresAt reads when a stored envelope expires (ms since 1970) from its
// headers: received plus its Nats-TTL; 0 for none. (nats.Header, not
// http.Header, whose Get would look for "Nats-Ttl".)
func expiresAt(h nats.Header, received int64) int64 {
	v := h.Get(jetstream.MsgTTLHeader)
	if v == "" {
		return 0
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs <= 0 {
		return 0 // not one of ours: NATS times it, the index does not
	}
	return received + secs*1000
}

// expired reports whether an envelope that expires at exp (ms; 0 for
// never) has, by this front end's clock.
func expired(exp int64, now time.Time) bool { return exp != 0 && exp <= now.UnixMilli() }

// ttlItem is one envelope with a lifetime in a holder's index.
type ttlItem struct {
	seq     uint64
	expires int64 // ms
}

// ttlHeap orders a partition's envelopes with a lifetime by expiry.
type ttlHeap []ttlItem

func (h ttlHeap) Len() int           { return len(h) }
func (h ttlHeap) Less(i, j int) bool { return h[i].expires < h[j].expires }
func (h ttlHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *ttlHeap) Push(x any)        { *h = append(*h, x.(ttlItem)) }
func (h *ttlHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// track notes the expiry of an indexed envelope that has one (p.mu held).
func (p *part) track(seq uint64, e *entry) {
	if e.expires != 0 {
		heap.Push(&p.ttls, ttlItem{seq, e.expires})
	}
}

// dropExpired takes the envelopes whose lifetime has passed at now out of
// the index and their usage (p.mu held), and returns their count, bytes
// and the acks to send (NATS deletes them anyway; an ack lets the
// consumer forget them now).
func (p *part) dropExpired(now time.Time) (n int, size int64, replies []string) {
	ms := now.UnixMilli()
	for len(p.ttls) > 0 && p.ttls[0].expires <= ms {
		it := heap.Pop(&p.ttls).(ttlItem)
		e := p.byID[it.seq]
		if e == nil || e.expires != it.expires {
			continue // acknowledged or expired already
		}
		replies = p.removeEntry(it.seq, e, replies)
		if seq, _ := segmentOf(it.seq); p.segs[seq] != nil && p.segs[seq].live == 0 {
			delete(p.segs, seq) // not delivered yet, and NATS deletes it: its delivery indexes nothing
		}
		n++
		size += e.size
	}
	return n, size, replies
}

// pruneExpired drops partition p's expired envelopes from its index, and
// acknowledges those delivered without waiting for confirmations.
func (s *Store) pruneExpired(p *part) (n int, size int64) {
	p.mu.Lock()
	n, size, replies := p.dropExpired(time.Now())
	p.mu.Unlock()
	for _, r := range replies {
		s.nc.Publish(r, []byte("+ACK"))
	}
	return n, size
}
