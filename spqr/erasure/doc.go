// Package erasure is the erasure code of SPQR, Signal's sparse post-quantum
// ratchet: it cuts a message (an ML-KEM-768 encapsulation key, a ciphertext
// part, a header) into 32-byte chunks so that any large enough set of them
// rebuilds it, whichever chunks the network lost.
//
// The code is the one SparsePostQuantumRatchet v1 puts on the wire
// (its PolyEncoder and PolyDecoder); chunks made here decode in Signal's
// library and the other way round. The package is pure: no I/O, no clock,
// no randomness.
//
// # The field
//
// Arithmetic is in GF(2^16) with the reduction polynomial
// x^16 + x^12 + x^3 + x + 1 (0x1100b). A field element is a uint16 whose
// bit i is the coefficient of x^i; addition is XOR.
//
// # From bytes to points
//
// A message of L bytes (L even) is read as L/2 big-endian 16-bit elements
// m[0], m[1], ... Element m[k] belongs to lane k mod 16 at position k/16:
// lane p holds the points (j, m[16j+p]) for j = 0, 1, ..., n_p-1, where
// n_p = ceil((L/2 - p)/16). Through each lane's points runs the unique
// polynomial f_p of degree below n_p (the zero polynomial when n_p = 0).
//
// # Chunks
//
// Chunk i carries, for p = 0..15, f_p(i) as two big-endian bytes at
// offset 2p: the evaluation point of chunk i is the field element whose
// bits are the integer i. The first chunks are therefore the message itself
// (chunk i is bytes 32i..32i+31 while those exist): the code is systematic.
// Later chunks are parity, and any n_0 = ceil(L/32) distinct chunks rebuild
// the message. The [Encoder] hands chunks out from index 0 upwards, wrapping
// after 65535.
//
// # Decoding
//
// A [Decoder] for a message of L bytes keeps, per lane, the points of the
// chunks it was given: a point is kept when its position is below n_p (it
// may spare an interpolation) or while the lane has fewer than n_p points;
// a second point at the same position is ignored. A lane therefore never
// holds more than 2·n_p points, whatever a peer sends. Once every lane has
// n_p points, each element is read from the point at its position when there
// is one, and otherwise from the polynomial through the lane's n_p points of
// lowest position. This is the rule Signal's library follows, so both sides
// pick the same points even when a chunk was corrupted (SPQR authenticates
// the rebuilt message, never a chunk).
//
// # Saved state
//
// [Encoder.MarshalBinary] and [Decoder.MarshalBinary] write a versioned
// format of this package's own (Signal's library keeps protobufs instead);
// [UnmarshalEncoder] and [UnmarshalDecoder] accept exactly what those write
// and refuse anything else with [ErrStateVersion] or [ErrStateMalformed].
//
// # Timing
//
// Field arithmetic uses log and exponent tables, whose memory accesses
// depend on the values. That is acceptable here: everything SPQR encodes is
// public (encapsulation keys and ciphertexts that travel in the clear,
// authenticated by a MAC), so no secret reaches the tables.
package erasure
