package spqr

import (
	"fmt"
	"math"
	"sort"
)

// storedKey is a receive key kept for a message that has not arrived yet.
type storedKey struct {
	index uint32
	key   [KeySize]byte
}

// history holds one receive chain's skipped keys in ascending index order.
// A history is never changed in place: every change builds a new slice (or
// reslices), so states that share one stay independent. That is what lets
// [Send] and [Recv] return a new state without copying every key each time.
type history []storedKey

// halfChain is one direction (send or receive) of one epoch's chain.
type halfChain struct {
	// ctr is the index of the last key handed out; 0 before the first.
	ctr uint32
	// next is the chain secret that derives key ctr+1.
	next [KeySize]byte
	// erased is set once next was wiped: a send chain of an epoch we no
	// longer send in.
	erased bool
	// prev are the skipped receive keys still within reach.
	prev history
}

// erase wipes the chain secret; the half-chain can make no key any more.
func (h *halfChain) erase() {
	h.next = [KeySize]byte{}
	h.erased = true
}

// nextKey steps the chain once and returns the new counter and its key.
func (h *halfChain) nextKey() (uint32, [KeySize]byte, error) {
	if h.erased {
		return 0, [KeySize]byte{}, fmt.Errorf("%w: chain erased", ErrEpochOutOfRange)
	}
	if h.ctr == math.MaxUint32 {
		return 0, [KeySize]byte{}, ErrChainExhausted
	}
	h.ctr++
	var key [KeySize]byte
	h.next, key = deriveNext(h.next, h.ctr)
	return h.ctr, key, nil
}

// key returns the receive key at index at: a stored one if at is behind the
// counter, or the chain stepped forward to at, keeping the skipped keys that
// stay within p's out-of-order window. A key is handed out once.
func (h *halfChain) key(at uint32, p ChainParams) ([KeySize]byte, error) {
	switch {
	case at < h.ctr:
		return h.take(at, p)
	case at == h.ctr:
		return [KeySize]byte{}, fmt.Errorf("%w: index %d", ErrKeyAlreadyUsed, at)
	case at-h.ctr > p.maxJump():
		return [KeySize]byte{}, fmt.Errorf("%w: index %d, counter %d, at most %d ahead", ErrKeyJump, at, h.ctr, p.maxJump())
	case h.erased:
		return [KeySize]byte{}, fmt.Errorf("%w: chain erased", ErrEpochOutOfRange)
	}
	window := uint64(p.maxOOO())
	// Keys more than window behind at are deleted now: they would be
	// refused anyway once the counter reaches at.
	kept := h.prev.from(uint64(at), window)
	var added history
	for h.ctr+1 < at {
		h.ctr++
		var k [KeySize]byte
		h.next, k = deriveNext(h.next, h.ctr)
		if uint64(h.ctr)+window >= uint64(at) {
			added = append(added, storedKey{index: h.ctr, key: k})
		}
	}
	if len(added) > 0 {
		kept = append(append(make(history, 0, len(kept)+len(added)), kept...), added...)
	}
	h.prev = kept
	h.ctr = at
	var k [KeySize]byte
	h.next, k = deriveNext(h.next, at)
	return k, nil
}

// take removes and returns the stored key at index at.
func (h *halfChain) take(at uint32, p ChainParams) ([KeySize]byte, error) {
	if uint64(at)+uint64(p.maxOOO()) < uint64(h.ctr) {
		return [KeySize]byte{}, fmt.Errorf("%w: index %d, counter %d, window %d", ErrKeyTrimmed, at, h.ctr, p.maxOOO())
	}
	i := sort.Search(len(h.prev), func(i int) bool { return h.prev[i].index >= at })
	if i == len(h.prev) || h.prev[i].index != at {
		return [KeySize]byte{}, fmt.Errorf("%w: index %d", ErrKeyAlreadyUsed, at)
	}
	k := h.prev[i].key
	h.prev = append(append(make(history, 0, len(h.prev)-1), h.prev[:i]...), h.prev[i+1:]...)
	return k, nil
}

// from returns the suffix of h that is still within window of counter ctr
// (index + window >= ctr). It shares h's array, which is safe because a
// history is never written in place.
func (h history) from(ctr, window uint64) history {
	i := sort.Search(len(h), func(i int) bool { return uint64(h[i].index)+window >= ctr })
	if i == len(h) {
		return nil
	}
	return h[i:]
}
