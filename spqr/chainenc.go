package spqr

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// maxLinks bounds the epochs a decoded chain may hold. A live chain holds
// the epoch before its send epoch, the send epoch and the few the braid
// completed since we last sent (in practice at most four), so 64 only ever
// refuses damaged state.
const maxLinks = 64

// storedKeySize is the encoded size of one stored key: index || key.
const storedKeySize = 4 + KeySize

// marshal appends the chain:
//
//	u8 flags (bit 0: we send A2B) | u64 current epoch | u64 send epoch |
//	32 next root | u32 max jump | u32 max out-of-order keys |
//	u8 link count | links, each: send half, receive half
//
// and a half is u32 counter | u8 erased | 32 next |
// u32 stored-key count | count × (u32 index | 32 key), ascending.
func (c *chain) marshal(b *cryptobyte.Builder) {
	var flags uint8
	if c.a2b {
		flags |= 1
	}
	b.AddUint8(flags)
	b.AddUint64(c.currentEpoch)
	b.AddUint64(c.sendEpoch)
	b.AddBytes(c.nextRoot[:])
	b.AddUint32(c.params.MaxJump)
	b.AddUint32(c.params.MaxOOOKeys)
	b.AddUint8(uint8(len(c.links)))
	for _, l := range c.links {
		l.send.marshal(b)
		l.recv.marshal(b)
	}
}

func (h *halfChain) marshal(b *cryptobyte.Builder) {
	b.AddUint32(h.ctr)
	if h.erased {
		b.AddUint8(1)
	} else {
		b.AddUint8(0)
	}
	b.AddBytes(h.next[:])
	b.AddUint32(uint32(len(h.prev)))
	for _, k := range h.prev {
		b.AddUint32(k.index)
		b.AddBytes(k.key[:])
	}
}

// unmarshalChain reads what [chain.marshal] wrote and checks its invariants.
func unmarshalChain(s *cryptobyte.String) (*chain, error) {
	var (
		c       chain
		flags   uint8
		n       uint8
		rootRaw []byte
	)
	if !s.ReadUint8(&flags) || !s.ReadUint64(&c.currentEpoch) || !s.ReadUint64(&c.sendEpoch) ||
		!s.ReadBytes(&rootRaw, KeySize) || !s.ReadUint32(&c.params.MaxJump) ||
		!s.ReadUint32(&c.params.MaxOOOKeys) || !s.ReadUint8(&n) {
		return nil, fmt.Errorf("%w: chain truncated", ErrStateDecode)
	}
	if flags > 1 {
		return nil, fmt.Errorf("%w: chain flags %#x", ErrStateDecode, flags)
	}
	c.a2b = flags == 1
	copy(c.nextRoot[:], rootRaw)
	if err := c.params.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateDecode, err)
	}
	if n == 0 || n > maxLinks || uint64(n)-1 > c.currentEpoch {
		return nil, fmt.Errorf("%w: %d links at epoch %d", ErrStateDecode, n, c.currentEpoch)
	}
	if c.sendEpoch > c.currentEpoch || c.currentEpoch-c.sendEpoch >= uint64(n) {
		return nil, fmt.Errorf("%w: send epoch %d outside links", ErrStateDecode, c.sendEpoch)
	}
	c.links = make([]link, n)
	for i := range c.links {
		var err error
		if c.links[i].send, err = unmarshalHalf(s, c.params, false); err != nil {
			return nil, err
		}
		if c.links[i].recv, err = unmarshalHalf(s, c.params, true); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// unmarshalHalf reads one half-chain. Only a receive half may hold keys,
// in ascending order, behind its counter and within the out-of-order
// window; the count is checked against the bytes left before anything is
// allocated.
func unmarshalHalf(s *cryptobyte.String, p ChainParams, recv bool) (halfChain, error) {
	var (
		h       halfChain
		erased  uint8
		nextRaw []byte
		count   uint32
	)
	if !s.ReadUint32(&h.ctr) || !s.ReadUint8(&erased) || !s.ReadBytes(&nextRaw, KeySize) || !s.ReadUint32(&count) {
		return h, fmt.Errorf("%w: half-chain truncated", ErrStateDecode)
	}
	copy(h.next[:], nextRaw)
	switch {
	case erased > 1, erased == 1 && (recv || h.next != [KeySize]byte{}):
		return h, fmt.Errorf("%w: bad erased half-chain", ErrStateDecode)
	case count > 0 && !recv, uint64(count) > uint64(p.maxOOO())+1, uint64(count)*storedKeySize > uint64(len(*s)):
		return h, fmt.Errorf("%w: %d stored keys", ErrStateDecode, count)
	}
	h.erased = erased == 1
	if count == 0 {
		return h, nil
	}
	h.prev = make(history, count)
	for i := range h.prev {
		var raw []byte
		if !s.ReadUint32(&h.prev[i].index) || !s.ReadBytes(&raw, KeySize) {
			return h, fmt.Errorf("%w: stored key truncated", ErrStateDecode)
		}
		copy(h.prev[i].key[:], raw)
		idx := h.prev[i].index
		if idx >= h.ctr || uint64(idx)+uint64(p.maxOOO()) < uint64(h.ctr) || (i > 0 && idx <= h.prev[i-1].index) {
			return h, fmt.Errorf("%w: stored key %d at counter %d", ErrStateDecode, idx, h.ctr)
		}
	}
	return h, nil
}
