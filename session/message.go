package session

import (
	"bytes"
	"crypto/hmac"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/keys"
)

const (
	// MACSize is the length of a SignalMessage's MAC: HMAC-SHA256 truncated
	// to 8 bytes, as libsignal sends it.
	MACSize = 8
	// MaxMessageSize bounds a whole serialized message. Parsers check it
	// before anything else, so a peer cannot make us work on a huge input.
	MaxMessageSize = 256 << 10
	// macKeySize is the length of the MAC key the message keys give.
	macKeySize = 32
)

// Field numbers of SignalMessage in libsignal's wire.proto.
const (
	fieldRatchetKey      protowire.Number = 1
	fieldCounter         protowire.Number = 2
	fieldPreviousCounter protowire.Number = 3
	fieldCiphertext      protowire.Number = 4
	// fieldPQRatchet is libsignal's pq_ratchet: the SPQR message of the
	// triple ratchet, written only when not empty (a session without SPQR
	// sends none).
	fieldPQRatchet protowire.Number = 5
	// fieldAddresses is libsignal's addresses (sender and recipient service
	// ids), which its MAC check compares with the addresses it expects
	// when the sender included them. ratchat has no service ids: it reads
	// the field (once, as bytes) and ignores its value; the MAC covers it.
	fieldAddresses protowire.Number = 6
)

// signalPolicy reads SignalMessage. Any newer field is skipped as unknown.
var signalPolicy = wire.Policy{Fields: []wire.Spec{
	fieldRatchetKey:      wire.Bytes(),
	fieldCounter:         wire.Uint32(),
	fieldPreviousCounter: wire.Uint32(),
	fieldCiphertext:      wire.Bytes(),
	fieldPQRatchet:       wire.Bytes(),
	fieldAddresses:       wire.Bytes(),
}}

// SignalMessage is a Double Ratchet message: libsignal's version byte, the
// protobuf SignalMessage, then the MAC. Made by [NewSignalMessage] or
// [ParseSignalMessage], it is read-only: [SignalMessage.Bytes] and
// [SignalMessage.VerifyMAC] use the bytes it was made or parsed from, not
// the exported fields.
type SignalMessage struct {
	// Version is the message version, [VersionX3DH] or
	// [VersionPQXDH].
	Version uint8
	// RatchetKey is the sender's current ratchet public key.
	RatchetKey keys.PublicKey
	// Counter is the message's index in its sending chain.
	Counter uint32
	// PreviousCounter is the length of the sender's previous sending chain.
	PreviousCounter uint32
	// Ciphertext is the AES-256-CBC ciphertext. It aliases the message's
	// serialization.
	Ciphertext []byte
	// PQRatchet is the SPQR message (field 5), empty when absent. It
	// aliases the message's serialization.
	PQRatchet []byte

	// raw is version || protobuf || MAC; the MAC covers all but its last
	// MACSize bytes.
	raw []byte
}

// NewSignalMessage serializes a message and computes its MAC, HMAC-SHA256
// under the 32-byte macKey over sender's and receiver's serialized identity
// keys, the version byte and the protobuf. The counters are always written,
// even when zero, as libsignal does. The caller keeps ciphertext small enough
// for the whole message to fit [MaxMessageSize], or the peer refuses it.
func NewSignalMessage(version uint8, ratchetKey keys.PublicKey, counter, previous uint32,
	ciphertext, macKey []byte, sender, receiver keys.PublicKey) *SignalMessage {
	return newSignalMessage(version, ratchetKey, counter, previous, ciphertext, nil, macKey, sender, receiver)
}

// newSignalMessage is [NewSignalMessage] with the SPQR message pq, written
// as field 5 after the ciphertext when not empty, as libsignal writes it;
// the MAC covers it.
func newSignalMessage(version uint8, ratchetKey keys.PublicKey, counter, previous uint32,
	ciphertext, pq, macKey []byte, sender, receiver keys.PublicKey) *SignalMessage {
	return buildSignalMessage(version, ratchetKey, counter, previous, len(ciphertext),
		func(dst []byte) []byte { return append(dst, ciphertext...) }, pq, macKey, sender, receiver)
}

// sealSignalMessage is newSignalMessage of [encryptCBC] of plaintext under
// mk, MACed with mk's MAC key: the ciphertext is encrypted in place in the
// serialization, with no buffer of its own.
func sealSignalMessage(version uint8, ratchetKey keys.PublicKey, counter, previous uint32,
	mk *messageKeys, plaintext, pq []byte, sender, receiver keys.PublicKey) *SignalMessage {
	return buildSignalMessage(version, ratchetKey, counter, previous, cbcLen(len(plaintext)),
		func(dst []byte) []byte { return appendCBC(dst, mk, plaintext) }, pq, mk.mac[:], sender, receiver)
}

// buildSignalMessage serializes a message whose ciphertext of ctLen bytes
// appendCiphertext appends, and MACs it.
func buildSignalMessage(version uint8, ratchetKey keys.PublicKey, counter, previous uint32,
	ctLen int, appendCiphertext func([]byte) []byte, pq, macKey []byte, sender, receiver keys.PublicKey) *SignalMessage {
	mustVersion(version)
	size := 1 + sizeKeyField(fieldRatchetKey) +
		sizeUint32Field(fieldCounter, counter) + sizeUint32Field(fieldPreviousCounter, previous) +
		protowire.SizeTag(fieldCiphertext) + protowire.SizeBytes(ctLen) + MACSize
	if len(pq) > 0 {
		size += protowire.SizeTag(fieldPQRatchet) + protowire.SizeBytes(len(pq))
	}
	raw := make([]byte, 0, size)
	raw = append(raw, versionByte(version))
	raw = appendKeyField(raw, fieldRatchetKey, ratchetKey)
	raw = appendUint32Field(raw, fieldCounter, counter)
	raw = appendUint32Field(raw, fieldPreviousCounter, previous)
	raw = protowire.AppendTag(raw, fieldCiphertext, protowire.BytesType)
	raw = protowire.AppendVarint(raw, uint64(ctLen))
	start := len(raw)
	raw = appendCiphertext(raw)
	end := len(raw)
	if end-start != ctLen {
		panic(fmt.Sprintf("session: ciphertext of %d bytes, %d announced", end-start, ctLen))
	}
	var pqRatchet []byte
	if len(pq) > 0 {
		raw = protowire.AppendTag(raw, fieldPQRatchet, protowire.BytesType)
		raw = protowire.AppendVarint(raw, uint64(len(pq)))
		pqStart := len(raw)
		raw = append(raw, pq...)
		pqRatchet = raw[pqStart:len(raw):len(raw)]
	}
	mac := computeMAC(macKey, sender, receiver, raw)
	raw = append(raw, mac[:]...)
	return &SignalMessage{
		Version:         version,
		RatchetKey:      ratchetKey,
		Counter:         counter,
		PreviousCounter: previous,
		Ciphertext:      raw[start:end:end],
		PQRatchet:       pqRatchet,
		raw:             raw,
	}
}

// Bytes returns the serialized message: version || protobuf || MAC, exactly
// as it was made or parsed. The caller must not modify it.
func (m *SignalMessage) Bytes() []byte { return m.raw }

// VerifyMAC checks the message's MAC for the given 32-byte MAC key, sent by
// sender to receiver, and returns [ErrBadMAC] if it does not match. The MAC
// covers the bytes as received, so fields a newer peer added are
// authenticated too.
func (m *SignalMessage) VerifyMAC(macKey []byte, sender, receiver keys.PublicKey) error {
	n := len(m.raw) - MACSize
	if n < 1 {
		return ErrBadMAC
	}
	want := computeMAC(macKey, sender, receiver, m.raw[:n])
	// Why hmac.Equal: a comparison that stops at the first differing byte
	// would let a forger learn the MAC byte by byte.
	if !hmac.Equal(want[:], m.raw[n:]) {
		return ErrBadMAC
	}
	return nil
}

// computeMAC is one HMAC-SHA256 over sender's and receiver's serialized
// identity keys and covered, truncated to [MACSize] bytes.
func computeMAC(macKey []byte, sender, receiver keys.PublicKey, covered []byte) [MACSize]byte {
	if len(macKey) != macKeySize {
		panic(fmt.Sprintf("session: MAC key of %d bytes, want %d", len(macKey), macKeySize))
	}
	// Why both identities, in sender-then-receiver order: the MAC then binds
	// the message to this pair and this direction, as libsignal's does.
	var ids [2 * keys.SerializedKeySize]byte
	ids[0] = keys.TypeDJB
	copy(ids[1:], sender[:])
	ids[keys.SerializedKeySize] = keys.TypeDJB
	copy(ids[keys.SerializedKeySize+1:], receiver[:])
	full := hmacSHA256(macKey, ids[:], covered)
	return [MACSize]byte(full[:MACSize])
}

// ParseSignalMessage parses a serialized SignalMessage strictly: size bound,
// version 3 or 4 ([ErrVersion] otherwise), required ratchet key, counter
// ([ErrNoCounter] when absent) and ciphertext, no repeated field, valid key,
// a ciphertext of whole AES blocks. Other failures wrap [ErrMalformed]. It does not check the MAC: see
// [SignalMessage.VerifyMAC].
func ParseSignalMessage(b []byte) (*SignalMessage, error) {
	if err := checkSize(b); err != nil {
		return nil, err
	}
	// Why copy: the message is read again after its MAC verified (to decrypt,
	// to store); a private copy cannot change in between.
	return parseSignalMessage(bytes.Clone(b))
}

// parseSignalMessage parses raw, which the message keeps and aliases.
func parseSignalMessage(raw []byte) (*SignalMessage, error) {
	if len(raw) < 1+MACSize {
		return nil, malformed("signal message of %d bytes, want at least %d", len(raw), 1+MACSize)
	}
	v, err := parseVersion(raw[0])
	if err != nil {
		return nil, err
	}
	m := &SignalMessage{Version: v, raw: raw}
	r := wire.NewReader(raw[1:len(raw)-MACSize], &signalPolicy)
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fieldError("signal message", err)
		}
		if !ok {
			break
		}
		switch f.Num {
		case fieldRatchetKey:
			if m.RatchetKey, err = keys.ParsePublicKey(f.Bytes); err != nil {
				return nil, fmt.Errorf("%w: signal message: ratchet key: %w", ErrMalformed, err)
			}
		case fieldCounter:
			m.Counter = uint32(f.Value)
		case fieldPreviousCounter:
			m.PreviousCounter = uint32(f.Value)
		case fieldCiphertext:
			m.Ciphertext = f.Bytes
		case fieldPQRatchet:
			m.PQRatchet = f.Bytes
		}
	}
	// An absent previous counter is zero, as in protobuf and libsignal; the
	// other fields are required.
	if !r.Has(fieldRatchetKey) {
		return nil, malformed("signal message: missing ratchet key")
	}
	if !r.Has(fieldCiphertext) {
		return nil, malformed("signal message: missing ciphertext")
	}
	// Why refuse rather than read 0: libsignal refuses it too, and a
	// missing counter taken as 0 would let an altered message pass for the
	// chain's first before its MAC is ever checked.
	if !r.Has(fieldCounter) {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, ErrNoCounter)
	}
	// Why check here: AES-CBC only decrypts whole blocks, and rejecting early
	// keeps a malformed message from reaching the ratchet at all.
	if len(m.Ciphertext) == 0 || len(m.Ciphertext)%16 != 0 {
		return nil, malformed("signal message: ciphertext of %d bytes is not whole AES blocks", len(m.Ciphertext))
	}
	return m, nil
}

// checkSize rejects a message larger than [MaxMessageSize].
func checkSize(b []byte) error {
	if len(b) > MaxMessageSize {
		return malformed("message of %d bytes exceeds %d", len(b), MaxMessageSize)
	}
	return nil
}

// parseVersion reads the message version from a version byte: the high
// nibble is the message version, the low nibble the sender's newest
// version. libsignal ignores the low nibble; we require it to be a version
// that exists (3 or 4) and no older than the message's, which every
// libsignal sender satisfies (go.mau.fi writes 0x33, libsignal 0x34, we
// 0x33 and 0x44). Why: the outer byte of a PreKeySignalMessage is not
// covered by any MAC, so the fewer spellings we accept, the fewer ways a
// message can be altered and still be taken.
func parseVersion(b byte) (uint8, error) {
	v, newest := b>>4, b&0x0f
	if v != VersionX3DH && v != VersionPQXDH {
		return 0, fmt.Errorf("%w: %d", ErrVersion, v)
	}
	if newest < v || newest > VersionPQXDH {
		return 0, fmt.Errorf("%w: version byte 0x%02x", ErrVersion, b)
	}
	return v, nil
}

// versionByte is the version byte ratchat writes: the message version in
// both nibbles.
func versionByte(v uint8) byte { return v<<4 | v }

// mustVersion panics unless v is a version ratchat speaks: making a message
// of another version is a bug in the caller.
func mustVersion(v uint8) {
	if v != VersionX3DH && v != VersionPQXDH {
		panic(fmt.Sprintf("session: message version %d", v))
	}
}
