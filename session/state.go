package session

import (
	"ratchat/keys"
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
//	           has-pending(1) [pending]
//	receiver = ratchet-key(32) chain(32) index(4) evicted-below(4) n-skipped(2) (index(4) seed(32))*
//	pending  = has-prekey(1) prekey-id(4) signed-prekey-id(4) kem-prekey-id(4) kem-ciphertext(2+n)
//
// Integers are big-endian. Every count is bounded by the engine's limits,
// so a damaged blob cannot make the decoder allocate without bound.
const (
	stateMagic  = "RCS\x00"
	stateFormat = 1
)

// MarshalBinary encodes the session in the format above. It holds private
// keys: only the encrypted store may keep it.
func (s *Session) MarshalBinary() ([]byte, error) {
	e := &encoder{buf: make([]byte, 0, 512)}
	e.bytes([]byte(stateMagic))
	e.u8(stateFormat)
	e.flag(s.current != nil)
	if s.current != nil {
		s.current.encode(e)
	}
	e.u16(uint16(len(s.archived)))
	for _, st := range s.archived {
		st.encode(e)
	}
	return e.buf, nil
}

// UnmarshalBinary decodes a session written by [Session.MarshalBinary],
// replacing s. On error s is unchanged and the error wraps [ErrMalformed].
func (s *Session) UnmarshalBinary(b []byte) error {
	d := &decoder{buf: b}
	if string(d.take(len(stateMagic))) != stateMagic {
		return malformed("not a session state")
	}
	if f := d.u8(); f != stateFormat && d.err == nil {
		return malformed("session state format %d", f)
	}
	var out Session
	if d.flag() {
		out.current = decodeState(d)
	}
	n := d.count(MaxArchivedStates, "archived states")
	for range n {
		out.archived = append(out.archived, decodeState(d))
	}
	if d.err == nil && len(d.buf) != 0 {
		d.fail("%d trailing bytes after session state", len(d.buf))
	}
	if d.err != nil {
		return d.err
	}
	*s = out
	return nil
}

func (st *state) encode(e *encoder) {
	e.u8(st.version)
	e.key(st.localIdentity)
	e.key(st.remoteIdentity)
	e.u32(st.localRegistrationID)
	e.u32(st.remoteRegistrationID)
	e.key(st.baseKey)
	e.key(st.root)
	e.u32(st.previousCounter)
	e.key(st.sender.ratchet.Public)
	e.key(st.sender.ratchet.Private)
	e.key(st.sender.key)
	e.u32(st.sender.index)
	e.u16(uint16(len(st.receivers)))
	for i := range st.receivers {
		rc := &st.receivers[i]
		e.key(rc.ratchetKey)
		e.key(rc.key)
		e.u32(rc.index)
		e.u32(rc.evictedBelow)
		e.u16(uint16(len(rc.skipped)))
		for _, sk := range rc.skipped {
			e.u32(sk.index)
			e.key(sk.seed)
		}
	}
	e.u16(uint16(len(st.retired)))
	for _, k := range st.retired {
		e.key(k)
	}
	e.flag(st.pending != nil)
	if p := st.pending; p != nil {
		e.flag(p.hasPreKeyID)
		e.u32(p.preKeyID)
		e.u32(p.signedPreKeyID)
		e.u32(p.kemPreKeyID)
		e.blob(p.kemCiphertext)
	}
}

func decodeState(d *decoder) *state {
	st := &state{version: d.u8()}
	if d.err == nil && st.version != VersionX3DH && st.version != VersionPQXDH {
		d.fail("session state version %d", st.version)
	}
	st.localIdentity = d.publicKey()
	st.remoteIdentity = d.publicKey()
	st.localRegistrationID = d.u32()
	st.remoteRegistrationID = d.u32()
	st.baseKey = d.publicKey()
	st.root = d.key()
	st.previousCounter = d.u32()
	st.sender.ratchet = keys.KeyPair{Public: d.publicKey(), Private: d.key()}
	st.sender.key = d.key()
	st.sender.index = d.u32()
	n := d.count(MaxReceiverChains, "receiving chains")
	for range n {
		st.receivers = append(st.receivers, decodeReceiver(d))
	}
	n = d.count(MaxRetiredChains, "retired chains")
	for range n {
		st.retired = append(st.retired, d.publicKey())
	}
	if d.flag() {
		st.pending = decodePending(d, st.version)
	}
	return st
}

func decodeReceiver(d *decoder) receiverChain {
	rc := receiverChain{ratchetKey: d.publicKey(), key: d.key(), index: d.u32(), evictedBelow: d.u32()}
	n := d.count(MaxSkippedKeys, "skipped keys")
	if n > 0 && d.err == nil {
		rc.skipped = make([]skippedKey, 0, n)
	}
	for range n {
		rc.skipped = append(rc.skipped, skippedKey{index: d.u32(), seed: d.key()})
	}
	return rc
}

func decodePending(d *decoder, version uint8) *pendingPreKey {
	p := &pendingPreKey{hasPreKeyID: d.flag(), preKeyID: d.u32(), signedPreKeyID: d.u32(), kemPreKeyID: d.u32()}
	n := int(d.u16())
	want := 0
	if version == VersionPQXDH {
		want = 1 + keys.KEMCiphertextSize
	}
	if n != want {
		d.fail("session state: KEM ciphertext of %d bytes, want %d", n, want)
		return p
	}
	if n > 0 {
		p.kemCiphertext = append([]byte(nil), d.take(n)...)
	}
	return p
}
