package session

import "time"

// MaxSkippedKeyAge is how long a skipped message key is kept: a message
// that arrives later than this after the ones that overtook it no longer
// decrypts ([ErrTooOld]).
//
// Why expire them at all: a skipped key decrypts a message that was never
// delivered, so every one kept is a window for someone who later takes the
// device (and the stored state) to read that message off the wire. Signal
// drops them too; 30 days covers any relay's retention period.
const MaxSkippedKeyAge = 30 * 24 * time.Hour

// skippedKey is the message-key seed of a message not yet received, and
// when it was stored (Unix seconds; 0 when unknown: stored by a version
// that kept no times, or without a clock).
type skippedKey struct {
	index  uint32
	stored int64
	seed   [keySize]byte
}

// expired reports whether the key is older than [MaxSkippedKeyAge] at now.
// A key of unknown age, or a zero now (no clock), never is.
func (sk *skippedKey) expired(now time.Time) bool {
	if sk.stored == 0 || now.IsZero() {
		return false
	}
	return now.Unix()-sk.stored > int64(MaxSkippedKeyAge/time.Second)
}

// findSkipped returns the position of the skipped key for counter, or -1.
func (rc *receiverChain) findSkipped(counter uint32) int {
	for i := range rc.skipped {
		if rc.skipped[i].index == counter {
			return i
		}
	}
	return -1
}

// removeSkipped deletes the skipped key at position i: a key is used once.
func (rc *receiverChain) removeSkipped(i int) {
	clear(rc.skipped[i].seed[:])
	rc.skipped = append(rc.skipped[:i], rc.skipped[i+1:]...)
}

// addSkipped appends newly skipped keys, dropping the oldest beyond
// [MaxSkippedKeys].
func (rc *receiverChain) addSkipped(keys []skippedKey) {
	rc.skipped = append(rc.skipped, keys...)
	if over := len(rc.skipped) - MaxSkippedKeys; over > 0 {
		rc.evictedBelow = rc.skipped[over-1].index + 1
		for i := range over {
			clear(rc.skipped[i].seed[:])
		}
		rc.skipped = append(rc.skipped[:0], rc.skipped[over:]...)
	}
}

// pruneSkipped drops the skipped keys older than [MaxSkippedKeyAge] at now
// from every receiving chain, and stamps those of unknown age with now, so
// that keys stored before times were kept (or just added, unstamped) expire
// 30 days after the first message that comes with a clock. A zero now
// changes nothing. It runs when a decrypt commits.
func (st *state) pruneSkipped(now time.Time) {
	if now.IsZero() {
		return
	}
	for i := range st.receivers {
		st.receivers[i].pruneSkipped(now)
	}
}

// pruneSkipped is [state.pruneSkipped] for one chain. A dropped key's
// message is then reported as too old, not as a duplicate.
func (rc *receiverChain) pruneSkipped(now time.Time) {
	kept := rc.skipped[:0]
	for i := range rc.skipped {
		sk := rc.skipped[i]
		switch {
		case sk.expired(now):
			rc.evictedBelow = max(rc.evictedBelow, sk.index+1)
			clear(rc.skipped[i].seed[:])
			continue
		case sk.stored == 0:
			sk.stored = now.Unix()
		}
		kept = append(kept, sk)
	}
	clear(rc.skipped[len(kept):])
	rc.skipped = kept
}
