package braid

import (
	"fmt"

	"ratchat/spqr/erasure"
)

// chunkList holds the chunks of one message received so far, newest first.
// It is immutable: adding a chunk makes a new head that points at the old
// list, so states derived from one another share it safely and Recv costs
// no copy. The message is decoded only when enough distinct chunks are in.
type chunkList struct {
	chunk erasure.Chunk
	prev  *chunkList
	n     int // chunks in the list, this one included
}

func (l *chunkList) len() int {
	if l == nil {
		return 0
	}
	return l.n
}

func (l *chunkList) has(index uint16) bool {
	for ; l != nil; l = l.prev {
		if l.chunk.Index == index {
			return true
		}
	}
	return false
}

func (l *chunkList) with(c erasure.Chunk) *chunkList {
	return &chunkList{chunk: c, prev: l, n: l.len() + 1}
}

// chunks returns the list oldest first, the order in which they arrived.
func (l *chunkList) chunks() []erasure.Chunk {
	out := make([]erasure.Chunk, l.len())
	for i := len(out) - 1; l != nil; l, i = l.prev, i-1 {
		out[i] = l.chunk
	}
	return out
}

// addChunk returns the chunks of s's incoming message with c added, and the
// message once it decodes to n bytes. A chunk index already received is
// ignored (the first value for an index wins, as in the decoder), and the
// list never holds more than twice the chunks the message needs, so a
// peer cannot make it grow.
func (s States) addChunk(c erasure.Chunk, n int) (*chunkList, []byte, error) {
	need := n / erasure.ChunkDataSize
	if s.got.has(c.Index) || s.got.len() >= 2*need-1 {
		return s.got, nil, nil
	}
	got := s.got.with(c)
	if got.len() < need {
		return got, nil, nil
	}
	dec, err := erasure.NewDecoder(n)
	if err != nil {
		return nil, nil, fmt.Errorf("braid: decoder: %w", err)
	}
	for _, c := range got.chunks() {
		dec.Add(c)
	}
	msg, ok := dec.Message()
	if !ok {
		return got, nil, nil
	}
	if len(msg) != n {
		return nil, nil, fmt.Errorf("%w: decoded %d bytes in state %v, want %d", ErrState, len(msg), s.kind, n)
	}
	return got, msg, nil
}

// newEncoder returns an erasure encoder for msg with its parity tables
// already made (by asking for the first parity chunk once). The encoder is
// shared by every state derived from the one that made it, and Chunk then
// only reads it, so those states may be used from several goroutines.
func newEncoder(msg []byte) (*erasure.Encoder, error) {
	enc, err := erasure.NewEncoder(msg)
	if err != nil {
		return nil, fmt.Errorf("braid: encoder: %w", err)
	}
	warm(enc)
	return enc, nil
}

// warm makes enc's parity tables, which the erasure encoder otherwise makes
// on the first parity chunk asked for.
func warm(enc *erasure.Encoder) {
	enc.Chunk(uint16(enc.MessageLen() / erasure.ChunkDataSize))
}
