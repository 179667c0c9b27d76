package webhook

import (
	"math/rand/v2"
	"time"
)

// Defaults of [Config].
const (
	// DefaultMinBackoff is the wait after the first failed attempt; each
	// failure doubles it, up to DefaultMaxBackoff.
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff caps the wait between two attempts.
	DefaultMaxBackoff = time.Hour
	// DefaultMaxAge is how long an event is retried, from its first
	// failure, before it is dead-lettered.
	DefaultMaxAge = 7 * 24 * time.Hour
	// DefaultTimeout bounds one attempt: connecting, sending, and the
	// receiver's answer.
	DefaultTimeout = 10 * time.Second
	// DefaultBatch is how many events a worker reads from the log at once.
	DefaultBatch = 100
)

// backoff is the retry schedule: after attempt n (1, 2, …) failed, wait
// min·2^(n-1), capped at max, with "equal jitter": half of it fixed and
// half drawn at random, so that webhooks failing together (a receiver
// down) do not retry in lockstep, and no wait is shorter than half the
// schedule's.
type backoff struct {
	min, max time.Duration
	jitter   func(n int64) int64 // a number in [0, n); tests fix it
}

// delay returns the wait after the attempt-th failed attempt.
func (b backoff) delay(attempt int) time.Duration {
	d := b.min
	// Doubling stops at the cap: at most 63 steps, and never an overflow.
	for i := 1; i < attempt && d < b.max && d > 0; i++ {
		d *= 2
	}
	d = min(d, b.max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + time.Duration(b.jitterOf(int64(d-half)))
}

func (b backoff) jitterOf(n int64) int64 {
	if b.jitter != nil {
		return b.jitter(n)
	}
	return rand.Int64N(n)
}
