package session

import (
	"fmt"

	"ratchat/internal/wire"
	"ratchat/keys"
	"ratchat/spqr"
)

// Serialized session format. The store keeps it as an opaque, encrypted
// blob; it is never sent to anyone.
//
//	session  = magic(4) format(1) has-current(1) [state] n-archived(2) state*
//	state    = version(1) local-identity(32) remote-identity(32)
//	           local-registration(4) remote-registration(4) base-key(32)
//	           root(32) previous-counter(4)
//	           sender-public(32) sender-private(32) sender-chain(32) sender-index(4)
//	           n-receivers(2) receiver* n-retired(2) retired-key(32)*
//	           has-pending(1) [pending] has-pq-auth(1) [pq-auth-key(32)]
//	           spqr-length(4) spqr-state
//	receiver = ratchet-key(32) chain(32) index(4) evicted-below(4) n-skipped(2) skipped*
//	skipped  = index(4) stored(8) seed(32)
//	pending  = has-prekey(1) prekey-id(4) signed-prekey-id(4) kem-prekey-id(4) kem-ciphertext(2+n)
//
// Integers are big-endian. Every count is bounded by the engine's limits,
// so a damaged blob cannot make the decoder allocate without bound.
//
// stored is when the skipped key was kept, in Unix seconds (0: unknown).
// Format 1, written before skipped keys expired, has no stored field; it
// still loads, its keys undated, and they are dated by the first decrypt
// that comes with a clock (see [MaxSkippedKeyAge]): they expire 30 days
// after the upgrade, not at once.
//
// pq-auth-key is the SPQR authentication key PQXDH derived (has-pq-auth
// is 1 only in version 4 states). Formats 1 and 2, written before ratchat
// kept it, end the state after the pending part; they still load, without
// the key.
//
// spqr-state is the triple ratchet's SPQR state, in package spqr's own
// versioned encoding ([spqr.State.MarshalBinary]; empty for a state
// without SPQR), at most [maxSPQRState] bytes. Formats 1 to 3, written
// before ratchat spoke SPQR, end the state before it; they load without
// SPQR (V0): such a session still decrypts what the peer sends on it, and
// the caller starts a new one before sending (see [Session.SPQR]). Format
// 4 is always written.
const (
	stateMagic    = "RCS\x00"
	stateFormatV1 = 1 // no skipped-key dates, no SPQR authentication key
	stateFormatV2 = 2 // no SPQR authentication key
	stateFormatV3 = 3 // no SPQR state
	stateFormat   = 4
	// maxSPQRState bounds one state's SPQR encoding: the braid's largest
	// state (an ML-KEM-768 key pair, a ciphertext, erasure decoders) and
	// the chain's kept keys (two epochs of at most 2,000 each, plus the
	// skipped ones) fit well under it.
	maxSPQRState = 1 << 20
)

// MarshalBinary encodes the session in the format above. It holds private
// keys: only the encrypted store may keep it.
func (s *Session) MarshalBinary() ([]byte, error) {
	e := &encoder{Encoder: make(wire.Encoder, 0, 4096)}
	e.Bytes([]byte(stateMagic))
	e.U8(stateFormat)
	e.Flag(s.current != nil)
	if s.current != nil {
		if err := s.current.encode(e); err != nil {
			return nil, err
		}
	}
	e.U16(uint16(len(s.archived)))
	for _, st := range s.archived {
		if err := st.encode(e); err != nil {
			return nil, err
		}
	}
	return []byte(e.Encoder), nil
}

// UnmarshalBinary decodes a session written by [Session.MarshalBinary],
// replacing s. On error s is unchanged and the error wraps [ErrMalformed].
func (s *Session) UnmarshalBinary(b []byte) error {
	d := decoder{wire.NewDecoder(b)}
	if string(d.Bytes(len(stateMagic))) != stateMagic {
		return malformed("not a session state")
	}
	format := d.U8()
	if (format < stateFormatV1 || format > stateFormat) && d.Err() == nil {
		return malformed("session state format %d", format)
	}
	var out Session
	if d.Flag() {
		out.current = decodeState(d, format)
	}
	n := d.count(MaxArchivedStates, "archived states")
	for range n {
		out.archived = append(out.archived, decodeState(d, format))
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("%w: session state: %w", ErrMalformed, err)
	}
	*s = out
	return nil
}

func (st *state) encode(e *encoder) error {
	e.U8(st.version)
	e.key(st.localIdentity)
	e.key(st.remoteIdentity)
	e.U32(st.localRegistrationID)
	e.U32(st.remoteRegistrationID)
	e.key(st.baseKey)
	e.key(st.root)
	e.U32(st.previousCounter)
	e.key(st.sender.ratchet.Public)
	e.key(st.sender.ratchet.Private)
	e.key(st.sender.key)
	e.U32(st.sender.index)
	e.U16(uint16(len(st.receivers)))
	for i := range st.receivers {
		rc := &st.receivers[i]
		e.key(rc.ratchetKey)
		e.key(rc.key)
		e.U32(rc.index)
		e.U32(rc.evictedBelow)
		e.U16(uint16(len(rc.skipped)))
		for _, sk := range rc.skipped {
			e.U32(sk.index)
			e.U64(uint64(sk.stored))
			e.key(sk.seed)
		}
	}
	e.U16(uint16(len(st.retired)))
	for _, k := range st.retired {
		e.key(k)
	}
	e.Flag(st.pending != nil)
	if p := st.pending; p != nil {
		e.Flag(p.hasPreKeyID)
		e.U32(p.preKeyID)
		e.U32(p.signedPreKeyID)
		e.U32(p.kemPreKeyID)
		e.blob(p.kemCiphertext)
	}
	e.Flag(st.pqRatchetAuthKey != nil)
	if st.pqRatchetAuthKey != nil {
		e.key(*st.pqRatchetAuthKey)
	}
	pq, err := st.pq.MarshalBinary()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if len(pq) > maxSPQRState {
		return fmt.Errorf("session: SPQR state of %d bytes, at most %d", len(pq), maxSPQRState)
	}
	e.U32(uint32(len(pq)))
	e.Bytes(pq)
	return nil
}

func decodeState(d decoder, format uint8) *state {
	st := &state{version: d.U8()}
	if d.Err() == nil && st.version != VersionX3DH && st.version != VersionPQXDH {
		d.fail("session state version %d", st.version)
	}
	st.localIdentity = d.publicKey()
	st.remoteIdentity = d.publicKey()
	st.localRegistrationID = d.U32()
	st.remoteRegistrationID = d.U32()
	st.baseKey = d.publicKey()
	st.root = d.key()
	st.previousCounter = d.U32()
	st.sender.ratchet = keys.KeyPair{Public: d.publicKey(), Private: d.key()}
	st.sender.key = d.key()
	st.sender.index = d.U32()
	n := d.count(MaxReceiverChains, "receiving chains")
	for range n {
		st.receivers = append(st.receivers, decodeReceiver(d, format))
	}
	n = d.count(MaxRetiredChains, "retired chains")
	for range n {
		st.retired = append(st.retired, d.publicKey())
	}
	if d.Flag() {
		st.pending = decodePending(d, st.version)
	}
	if format >= stateFormatV3 && d.Flag() {
		// Why refuse it in a version 3 state: X3DH derives no such key.
		if st.version != VersionPQXDH && d.Err() == nil {
			d.fail("session state: SPQR authentication key in a version %d state", st.version)
		}
		k := pqAuthKey(d.key())
		st.pqRatchetAuthKey = &k
	}
	if format >= stateFormat {
		st.pq = decodePQ(d, st.version)
	}
	return st
}

// decodePQ reads a state's SPQR part, which only a version 4 state may
// have.
func decodePQ(d decoder, version uint8) spqr.State {
	n := d.U32()
	if n > maxSPQRState {
		d.fail("%w: SPQR state of %d bytes, at most %d", wire.ErrRange, n, maxSPQRState)
		return spqr.State{}
	}
	raw := d.Bytes(int(n))
	if d.Err() != nil || n == 0 {
		return spqr.State{}
	}
	// Why refuse it in a version 3 state: X3DH derives no authentication
	// key, so such a state was never written by ratchat.
	if version != VersionPQXDH {
		d.fail("session state: SPQR state in a version %d state", version)
		return spqr.State{}
	}
	pq, err := spqr.UnmarshalState(raw)
	if err != nil {
		d.Fail(err)
	}
	return pq
}

func decodeReceiver(d decoder, format uint8) receiverChain {
	rc := receiverChain{ratchetKey: d.publicKey(), key: d.key(), index: d.U32(), evictedBelow: d.U32()}
	n := d.count(MaxSkippedKeys, "skipped keys")
	if n > 0 && d.Err() == nil {
		rc.skipped = make([]skippedKey, 0, n)
	}
	for range n {
		sk := skippedKey{index: d.U32()}
		if format >= stateFormatV2 {
			sk.stored = int64(d.U64())
			if sk.stored < 0 && d.Err() == nil {
				d.fail("skipped key stored at %d", sk.stored)
			}
		}
		sk.seed = d.key()
		rc.skipped = append(rc.skipped, sk)
	}
	return rc
}

func decodePending(d decoder, version uint8) *pendingPreKey {
	p := &pendingPreKey{hasPreKeyID: d.Flag(), preKeyID: d.U32(), signedPreKeyID: d.U32(), kemPreKeyID: d.U32()}
	n := int(d.U16())
	want := 0
	if version == VersionPQXDH {
		want = 1 + keys.KEMCiphertextSize
	}
	if n != want {
		d.fail("session state: KEM ciphertext of %d bytes, want %d", n, want)
		return p
	}
	if n > 0 {
		p.kemCiphertext = append([]byte(nil), d.Bytes(n)...)
	}
	return p
}
