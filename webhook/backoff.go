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
	d := b.max
	if attempt < 1 {
		attempt = 1
	}
	// Double with a bound on the shift: 2^40 seconds is beyond any cap.
	if shift := attempt - 1; shift < 40 && b.min<<shift < b.max {
		d = b.min << shift
	}
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
