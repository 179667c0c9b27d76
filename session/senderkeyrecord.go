package session

import (
	"fmt"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// Serialized sender key record format, ratchat's own (libsignal's
// SenderKeyRecordStructure is not needed: records never leave the
// encrypted store).
//
//	record  = magic(4) format(1) distribution(16) n-states(1) state*
//	state   = chain-id(4) signing-public(32) has-private(1) [signing-private(32)]
//	          chain-key(32) iteration(4) evicted-below(4) n-skipped(2) skipped*
//	skipped = iteration(4) seed(32)
//
// Integers are big-endian; states are newest first. The parser holds the
// record to what the engine writes: at most [MaxSenderKeyStates] states
// with distinct chain ids, at most [MaxSkippedKeys] skipped keys per state
// in ascending order, each between evicted-below and the iteration, and a
// private key that matches its public key.
const (
	senderKeyMagic  = "RCSK"
	senderKeyFormat = 1
)

// MarshalBinary encodes the record in the format above. It holds the
// chain keys (and, for our own record, the signing private key): only the
// encrypted store may keep it.
func (r *SenderKeyRecord) MarshalBinary() ([]byte, error) {
	e := &encoder{Encoder: make(wire.Encoder, 0, 128)}
	e.Bytes([]byte(senderKeyMagic))
	e.U8(senderKeyFormat)
	e.Bytes(r.id[:])
	e.U8(uint8(len(r.states)))
	for _, st := range r.states {
		st.encode(e)
	}
	return []byte(e.Encoder), nil
}

func (st *senderKeyState) encode(e *encoder) {
	e.U32(st.chainID)
	e.key(st.signing)
	e.Flag(st.private != nil)
	if st.private != nil {
		e.key(*st.private)
	}
	e.key(st.chain.key)
	e.U32(st.chain.index)
	e.U32(st.chain.evictedBelow)
	e.U16(uint16(len(st.chain.skipped)))
	for _, sk := range st.chain.skipped {
		e.U32(sk.index)
		e.key(sk.seed)
	}
}

// UnmarshalBinary decodes a record written by
// [SenderKeyRecord.MarshalBinary], replacing r. On error r is unchanged
// and the error wraps [ErrMalformed].
func (r *SenderKeyRecord) UnmarshalBinary(b []byte) error {
	d := decoder{wire.NewDecoder(b)}
	if string(d.Bytes(len(senderKeyMagic))) != senderKeyMagic {
		return malformed("not a sender key record")
	}
	if format := d.U8(); format != senderKeyFormat && d.Err() == nil {
		return malformed("sender key record format %d", format)
	}
	var out SenderKeyRecord
	copy(out.id[:], d.Bytes(len(out.id)))
	n := int(d.U8())
	if n > MaxSenderKeyStates {
		d.fail("%w: %d sender key states, at most %d", wire.ErrRange, n, MaxSenderKeyStates)
		n = 0
	}
	for range n {
		st := decodeSenderKeyState(d)
		if out.state(st.chainID) != nil && d.Err() == nil {
			d.fail("chain %d twice", st.chainID)
		}
		out.states = append(out.states, st)
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("%w: sender key record: %w", ErrMalformed, err)
	}
	*r = out
	return nil
}

func decodeSenderKeyState(d decoder) *senderKeyState {
	st := &senderKeyState{chainID: d.U32(), signing: d.publicKey()}
	if d.Flag() {
		priv := keys.PrivateKey(d.key())
		st.private = &priv
		// Why check: a private key that does not match would sign messages
		// no member can verify, silently.
		if kp, err := keys.NewKeyPair(priv); d.Err() == nil && (err != nil || !kp.Public.Equal(st.signing)) {
			d.fail("chain %d: signing private key does not match", st.chainID)
		}
	}
	rc := &st.chain
	rc.key, rc.index, rc.evictedBelow = d.key(), d.U32(), d.U32()
	if rc.evictedBelow > rc.index && d.Err() == nil {
		d.fail("chain %d evicted below %d, past iteration %d", st.chainID, rc.evictedBelow, rc.index)
	}
	n := d.count(MaxSkippedKeys, "skipped keys")
	if n > 0 && d.Err() == nil {
		rc.skipped = make([]skippedKey, 0, n)
	}
	for i := range n {
		sk := skippedKey{index: d.U32(), seed: d.key()}
		ordered := i == 0 || sk.index > rc.skipped[i-1].index
		if (!ordered || sk.index < rc.evictedBelow || sk.index >= rc.index) && d.Err() == nil {
			d.fail("chain %d: skipped iteration %d out of place", st.chainID, sk.index)
		}
		rc.skipped = append(rc.skipped, sk)
	}
	return st
}
