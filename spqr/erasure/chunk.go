package erasure

import (
	"encoding/binary"
	"fmt"
)

// ChunkDataSize is the number of data bytes in a chunk: one 16-bit field
// element for each of the 16 lanes.
const ChunkDataSize = 32

// MaxMessageLen is the longest message, in bytes, this package encodes or
// decodes. SPQR's longest is the 1,152-byte ML-KEM-768 encapsulation key;
// the bound keeps a decoder's memory (at most twice the message in points)
// and its quadratic interpolation small. Signal's library allows 1 MiB, which
// no message of SPQR v1 comes near.
const MaxMessageLen = 8192

// lanes is the number of polynomials a message is spread over, one per
// 16-bit element of a chunk.
const lanes = ChunkDataSize / 2

// maxLaneLen is the most message elements one lane holds.
const maxLaneLen = MaxMessageLen / ChunkDataSize

// Chunk is one piece of an erasure-coded message: the values of the 16
// lane polynomials at the point Index, each as two big-endian bytes.
type Chunk struct {
	// Index is the chunk's evaluation point; chunks below the message
	// length divided by 32 carry the message itself.
	Index uint16
	// Data holds, at offset 2p, the value of lane p's polynomial at Index.
	Data [ChunkDataSize]byte
}

// positions holds the field elements 0, 1, 2, ...: the evaluation points of
// a lane's own message elements.
var positions = func() (xs [maxLaneLen]gf) {
	for i := range xs {
		xs[i] = gf(i)
	}
	return xs
}()

// checkLen returns an error wrapping [ErrMessageLength] unless n is a
// message length this package accepts.
func checkLen(n int) error {
	if n < 0 || n > MaxMessageLen || n%2 != 0 {
		return fmt.Errorf("%w: got %d", ErrMessageLength, n)
	}
	return nil
}

// laneLen returns how many of a message's elems elements fall in lane p
// (those with index k ≡ p mod 16): the n_p of the package documentation.
func laneLen(elems, p int) int {
	return (elems + lanes - 1 - p) / lanes
}

// element returns the message's k-th 16-bit element, read big-endian.
func element(msg []byte, k int) gf {
	return gf(binary.BigEndian.Uint16(msg[2*k:]))
}
