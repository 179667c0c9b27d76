package incmlkem

import "crypto/sha3"

// encapsState is what [Encaps2] needs from [Encaps1]: the message m and the
// header. Encoded, it is m ‖ ρ ‖ H(ek) ([EncapsulationStateSize] bytes).
// This is our own local format, not libcrux's 2,080-byte state (r̂, e2 and
// m as 16-bit integers): r̂ and e2 are recomputed from G(m ‖ H(ek)), which
// costs a hash and four PRF calls but keeps the stored state at 96 bytes and
// free of any integer encoding to get wrong.
type encapsState struct {
	m      []byte // 32 bytes
	header []byte // ρ ‖ H(ek)
}

// derive is line 2 of FIPS 203 Algorithm 17: (K, r) = G(m ‖ H(ek)), G being
// SHA3-512. K is the shared secret, r the seed of K-PKE.Encrypt's noise.
func (s encapsState) derive() (sharedSecret, seed []byte) {
	in := make([]byte, 0, messageSize+seedSize)
	in = append(append(in, s.m...), s.header[seedSize:]...)
	g := sha3.Sum512(in)
	return g[:SharedKeySize], g[SharedKeySize:]
}

// encode returns m ‖ header.
func (s encapsState) encode() []byte {
	out := make([]byte, 0, EncapsulationStateSize)
	return append(append(out, s.m...), s.header...)
}

// decodeState parses m ‖ header, copying nothing: the slices alias state.
func decodeState(state []byte) (encapsState, error) {
	if len(state) != EncapsulationStateSize {
		return encapsState{}, ErrStateSize
	}
	return encapsState{m: state[:messageSize], header: state[messageSize:]}, nil
}
