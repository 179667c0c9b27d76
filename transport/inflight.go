package transport

import "sync"

// flightLimit bounds the deposits of one connection that await their
// commit, by count and by bytes: many small envelopes (a group message's,
// one per member) may be in flight at once and commit in one batch, while
// the memory a connection holds stays bounded by the bytes however large
// its envelopes are. The first deposit is always let in, so an envelope
// larger than the byte bound still goes through, alone.
type flightLimit struct {
	mu       sync.Mutex
	cond     sync.Cond
	count    int
	bytes    int64
	maxCount int
	maxBytes int64
}

// newFlightLimit returns a bound of maxCount deposits and maxBytes bytes.
func newFlightLimit(maxCount int, maxBytes int64) *flightLimit {
	f := &flightLimit{maxCount: maxCount, maxBytes: maxBytes}
	f.cond.L = &f.mu
	return f
}

// acquire waits until a deposit of n bytes fits, then counts it.
func (f *flightLimit) acquire(n int64) {
	f.mu.Lock()
	for !f.fits(n) {
		f.cond.Wait()
	}
	f.count++
	f.bytes += n
	f.mu.Unlock()
}

// fits reports whether a deposit of n bytes may go in now; f.mu is held.
func (f *flightLimit) fits(n int64) bool {
	return f.count == 0 || f.count < f.maxCount && f.bytes+n <= f.maxBytes
}

// release uncounts a deposit of n bytes.
func (f *flightLimit) release(n int64) {
	f.mu.Lock()
	f.count--
	f.bytes -= n
	f.mu.Unlock()
	f.cond.Broadcast()
}
