package erasure

import "bytes"

// Encoder cuts one message into chunks. It hands chunks out in index order
// with [Encoder.NextChunk], as SPQR does, or any chunk with [Encoder.Chunk].
// An Encoder is not safe for concurrent use: it computes each lane's
// polynomial on the first parity chunk and keeps it.
type Encoder struct {
	msg  []byte
	next uint16
	// coef[p] holds the Newton coefficients of lane p's polynomial over
	// positions, or nil until a parity chunk needs them.
	coef [lanes][]gf
}

// NewEncoder returns an Encoder for a copy of msg, whose first chunk is
// chunk 0. The length of msg must be even and at most [MaxMessageLen];
// otherwise the error wraps [ErrMessageLength].
func NewEncoder(msg []byte) (*Encoder, error) {
	if err := checkLen(len(msg)); err != nil {
		return nil, err
	}
	return &Encoder{msg: bytes.Clone(msg)}, nil
}

// MessageLen returns the length in bytes of the message being encoded.
func (e *Encoder) MessageLen() int {
	return len(e.msg)
}

// NextChunk returns the chunk after the last one NextChunk returned,
// starting at index 0 and wrapping from 65535 back to 0.
func (e *Encoder) NextChunk() Chunk {
	c := e.Chunk(e.next)
	e.next++
	return c
}

// Chunk returns the chunk at index i, without moving [Encoder.NextChunk].
func (e *Encoder) Chunk(i uint16) Chunk {
	c := Chunk{Index: i}
	if off := int(i) * ChunkDataSize; off+ChunkDataSize <= len(e.msg) {
		copy(c.Data[:], e.msg[off:]) // a systematic chunk: the message itself
		return c
	}
	elems := len(e.msg) / 2
	for p := range lanes {
		v := e.value(p, laneLen(elems, p), i)
		c.Data[2*p] = byte(v >> 8)
		c.Data[2*p+1] = byte(v)
	}
	return c
}

// value returns lane p's polynomial at x, where the lane holds n elements.
func (e *Encoder) value(p, n int, x uint16) gf {
	if int(x) < n {
		return element(e.msg, lanes*int(x)+p)
	}
	if e.coef[p] == nil && n > 0 {
		c := make([]gf, n)
		for j := range c {
			c[j] = element(e.msg, lanes*j+p)
		}
		newtonCoefficients(positions[:n], c)
		e.coef[p] = c
	}
	return newtonEval(positions[:n], e.coef[p], gf(x))
}
