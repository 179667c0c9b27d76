package spqr

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"ratchat/spqr/braid"
)

// stateFormat is the first byte of an encoded V1 state. A state that is
// not V1 (SPQR disabled) encodes as no bytes at all, as libsignal's does,
// so a session record without SPQR state decodes to V0.
const stateFormat = 1

// maxBraidState bounds the braid's encoded state: its largest states hold an
// ML-KEM-768 key pair, a ciphertext and an erasure decoder's chunks, well
// under this.
const maxBraidState = 1 << 18

// Flags of an encoded state.
const (
	flagNegotiating = 1 << iota
	flagChain
)

// MarshalBinary encodes the whole state (negotiation, chain, braid):
//
//	u8 format (1) | u8 version (1) | u8 flags (1: negotiating, 2: chain) |
//	[negotiating: u8 direction | u8 minimum version | u32 max jump |
//	 u32 max out-of-order keys | 32 authentication key] |
//	[chain: see chain.marshal] | u24 length | braid state
//
// A V0 state encodes as no bytes.
func (s State) MarshalBinary() ([]byte, error) {
	if s.version == V0 {
		return []byte{}, nil
	}
	braidState, err := s.braid.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("spqr: marshal: %w", err)
	}
	if len(braidState) > maxBraidState {
		return nil, fmt.Errorf("spqr: marshal: braid state of %d bytes", len(braidState))
	}
	var flags uint8
	if s.neg != nil {
		flags |= flagNegotiating
	}
	if s.chain != nil {
		flags |= flagChain
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, 256+len(braidState)))
	b.AddUint8(stateFormat)
	b.AddUint8(uint8(s.version))
	b.AddUint8(flags)
	if n := s.neg; n != nil {
		b.AddUint8(uint8(n.direction))
		b.AddUint8(uint8(n.minVersion))
		b.AddUint32(n.params.MaxJump)
		b.AddUint32(n.params.MaxOOOKeys)
		b.AddBytes(n.authKey)
	}
	if s.chain != nil {
		s.chain.marshal(b)
	}
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(braidState) })
	return b.Bytes()
}

// UnmarshalState decodes what [State.MarshalBinary] wrote. Empty input is
// the V0 state. Anything else must be a complete, consistent V1 state, or
// the result is [ErrStateDecode].
func UnmarshalState(raw []byte) (State, error) {
	if len(raw) == 0 {
		return State{}, nil
	}
	s := cryptobyte.String(raw)
	var format, version, flags uint8
	if !s.ReadUint8(&format) || !s.ReadUint8(&version) || !s.ReadUint8(&flags) {
		return State{}, fmt.Errorf("%w: header truncated", ErrStateDecode)
	}
	if format != stateFormat || Version(version) != V1 || flags == 0 || flags > flagNegotiating|flagChain {
		return State{}, fmt.Errorf("%w: format %d, version %d, flags %#x", ErrStateDecode, format, version, flags)
	}
	st := State{version: V1}
	var err error
	if flags&flagNegotiating != 0 {
		if st.neg, err = unmarshalNegotiation(&s); err != nil {
			return State{}, err
		}
	}
	if flags&flagChain != 0 {
		if st.chain, err = unmarshalChain(&s); err != nil {
			return State{}, err
		}
	}
	if n, c := st.neg, st.chain; n != nil && c != nil && (c.a2b != (n.direction == A2B) || c.params != n.params) {
		return State{}, fmt.Errorf("%w: chain and negotiation disagree", ErrStateDecode)
	}
	var braidState cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&braidState) || !s.Empty() {
		return State{}, fmt.Errorf("%w: braid state truncated or trailing bytes", ErrStateDecode)
	}
	if len(braidState) > maxBraidState {
		return State{}, fmt.Errorf("%w: braid state of %d bytes", ErrStateDecode, len(braidState))
	}
	if st.braid, err = braid.UnmarshalStates(bytes.Clone(braidState)); err != nil {
		return State{}, fmt.Errorf("%w: %w", ErrStateDecode, err)
	}
	return st, nil
}

// unmarshalNegotiation reads the negotiation record.
func unmarshalNegotiation(s *cryptobyte.String) (*negotiation, error) {
	var (
		n         negotiation
		dir, minV uint8
		auth      []byte
	)
	if !s.ReadUint8(&dir) || !s.ReadUint8(&minV) || !s.ReadUint32(&n.params.MaxJump) ||
		!s.ReadUint32(&n.params.MaxOOOKeys) || !s.ReadBytes(&auth, KeySize) {
		return nil, fmt.Errorf("%w: negotiation truncated", ErrStateDecode)
	}
	n.direction, n.minVersion = Direction(dir), Version(minV)
	if (n.direction != A2B && n.direction != B2A) || n.minVersion > MaxVersion {
		return nil, fmt.Errorf("%w: direction %d, minimum version %d", ErrStateDecode, dir, minV)
	}
	if err := n.params.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateDecode, err)
	}
	n.authKey = append([]byte(nil), auth...)
	return &n, nil
}
