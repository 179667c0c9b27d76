package erasure

import "bytes"

// Encoder cuts one message into chunks. It hands chunks out in index order
// with [Encoder.NextChunk], as SPQR does, or any chunk with [Encoder.Chunk].
// An Encoder is not safe for concurrent use: it prepares its interpolation
// tables on the first parity chunk and keeps them.
type Encoder struct {
	msg  []byte
	next uint16
	par  *parityTables // nil until a parity chunk is asked for
}

// parityTables is what an encoder needs to evaluate its lanes beyond the
// message: the log of every element, lane by lane, and the log weights of
// the points 0..n-1 for the (at most two) lane lengths n of the message.
type parityTables struct {
	logY [lanes][]int32
	logW map[int][]int32
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
	var t *parityTables
	var basis [maxLaneLen]int32
	basisLen := 0 // lanes come longest first, so the basis changes at most once
	for p := range lanes {
		n := laneLen(elems, p)
		var v gf
		switch {
		case int(i) < n:
			v = element(e.msg, lanes*int(i)+p)
		case n > 0:
			if t == nil {
				t = e.tables()
			}
			if basisLen != n {
				logBasis(positions[:n], t.weights(n), gf(i), basis[:n])
				basisLen = n
			}
			v = combine(basis[:n], t.logY[p])
		}
		c.Data[2*p] = byte(v >> 8)
		c.Data[2*p+1] = byte(v)
	}
	return c
}

// tables returns the encoder's parity tables, making them on first use.
func (e *Encoder) tables() *parityTables {
	if e.par != nil {
		return e.par
	}
	t := &parityTables{logW: make(map[int][]int32, 2)}
	elems := len(e.msg) / 2
	logs := make([]int32, elems)
	for p := range lanes {
		n := laneLen(elems, p)
		t.logY[p], logs = logs[:n:n], logs[n:]
		for j := range n {
			t.logY[p][j] = logOf(element(e.msg, lanes*j+p))
		}
	}
	e.par = t
	return t
}

// weights returns the log weights of the points 0..n-1.
func (t *parityTables) weights(n int) []int32 {
	w, ok := t.logW[n]
	if !ok {
		w = make([]int32, n)
		logWeights(positions[:n], w)
		t.logW[n] = w
	}
	return w
}
