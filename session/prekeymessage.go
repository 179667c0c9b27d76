package session

import (
	"bytes"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// Field numbers of PreKeySignalMessage in libsignal's wire.proto.
const (
	fieldPreKeyID       protowire.Number = 1
	fieldBaseKey        protowire.Number = 2
	fieldIdentityKey    protowire.Number = 3
	fieldMessage        protowire.Number = 4
	fieldRegistrationID protowire.Number = 5
	fieldSignedPreKeyID protowire.Number = 6
	fieldKEMPreKeyID    protowire.Number = 7
	fieldKEMCiphertext  protowire.Number = 8
)

// preKeyPolicy reads PreKeySignalMessage; unknown fields are skipped.
var preKeyPolicy = wire.Policy{Fields: []wire.Spec{
	fieldPreKeyID:       wire.Uint32(),
	fieldBaseKey:        wire.Bytes(),
	fieldIdentityKey:    wire.Bytes(),
	fieldMessage:        wire.Bytes(),
	fieldRegistrationID: wire.Uint32(),
	fieldSignedPreKeyID: wire.Uint32(),
	fieldKEMPreKeyID:    wire.Uint32(),
	fieldKEMCiphertext:  wire.Bytes(),
}}

// kemCiphertextSize is a serialized KEM ciphertext's length: type byte, then
// the Kyber-1024 or ML-KEM-1024 ciphertext (both 1,568 bytes).
const kemCiphertextSize = 1 + keys.KEMCiphertextSize

// PreKeySignalMessage is the first message of a session, as its initiator
// sends it until the first answer: what the responder needs to run X3DH or
// PQXDH, and the first [SignalMessage]. Version 4 (PQXDH) carries the KEM
// prekey id and ciphertext; version 3 (X3DH) carries neither. A parsed
// message is read-only; one built as a literal is serialized by
// [PreKeySignalMessage.Bytes] from its fields.
//
// No MAC covers the outer message. Its keys and prekey ids are bound by the
// key agreement (wrong ones give wrong MAC keys for the inner message); its
// registration id, the low nibble of its version byte and any unknown field
// are not authenticated at all, in libsignal as here. ratchat's sealed
// envelope covers them.
type PreKeySignalMessage struct {
	// Version is the message version; Message has the same.
	Version uint8
	// RegistrationID is the sender's registration id (0 when absent).
	RegistrationID uint32
	// PreKeyID names the one-time prekey used, if HasPreKeyID.
	PreKeyID uint32
	// HasPreKeyID tells whether a one-time prekey was used: the bundle may
	// have had none left.
	HasPreKeyID bool
	// SignedPreKeyID names the signed prekey used.
	SignedPreKeyID uint32
	// BaseKey is the initiator's ephemeral key; Identity its identity key.
	BaseKey, Identity keys.PublicKey
	// KEMPreKeyID names the KEM prekey used (version 4 only).
	KEMPreKeyID uint32
	// KEMCiphertext is the KEM ciphertext with its type byte (version 4
	// only): 0x08 || Kyber-1024 ciphertext, or 0x0A || ML-KEM-1024
	// ciphertext for a prekey made before ratchat spoke Kyber.
	KEMCiphertext []byte
	// Message is the first SignalMessage of the session.
	Message *SignalMessage

	// raw is the serialization the message was parsed from, or nil.
	raw []byte
}

// Bytes returns the serialized message: the version byte, then the protobuf
// with fields in number order, as libsignal writes them. For a parsed
// message it is exactly the parsed input, which the caller must not modify.
func (m *PreKeySignalMessage) Bytes() []byte {
	if m.raw != nil {
		return m.raw
	}
	mustVersion(m.Version)
	if m.Message.Version != m.Version {
		panic(fmt.Sprintf("session: prekey message of version %d holds a message of version %d", m.Version, m.Message.Version))
	}
	inner := m.Message.Bytes()
	pq := m.Version >= VersionPQXDH
	size := 1 + 2*sizeKeyField(fieldBaseKey) +
		protowire.SizeTag(fieldMessage) + protowire.SizeBytes(len(inner)) +
		sizeUint32Field(fieldRegistrationID, m.RegistrationID) +
		sizeUint32Field(fieldSignedPreKeyID, m.SignedPreKeyID)
	if m.HasPreKeyID {
		size += sizeUint32Field(fieldPreKeyID, m.PreKeyID)
	}
	if pq {
		size += sizeUint32Field(fieldKEMPreKeyID, m.KEMPreKeyID) +
			protowire.SizeTag(fieldKEMCiphertext) + protowire.SizeBytes(len(m.KEMCiphertext))
	}
	b := make([]byte, 0, size)
	b = append(b, versionByte(m.Version))
	if m.HasPreKeyID {
		b = appendUint32Field(b, fieldPreKeyID, m.PreKeyID)
	}
	b = appendKeyField(b, fieldBaseKey, m.BaseKey)
	b = appendKeyField(b, fieldIdentityKey, m.Identity)
	b = wire.AppendBytesField(b, fieldMessage, inner)
	b = appendUint32Field(b, fieldRegistrationID, m.RegistrationID)
	b = appendUint32Field(b, fieldSignedPreKeyID, m.SignedPreKeyID)
	if pq {
		b = appendUint32Field(b, fieldKEMPreKeyID, m.KEMPreKeyID)
		b = wire.AppendBytesField(b, fieldKEMCiphertext, m.KEMCiphertext)
	}
	return b
}

// ParsePreKeySignalMessage parses a serialized PreKeySignalMessage and the
// SignalMessage inside it, as strictly as [ParseSignalMessage]: base key,
// identity key, message and signed prekey id are required; version 4
// requires the KEM prekey id and a KEM ciphertext of the right size and type,
// version 3 forbids them; the inner message must have the same version.
func ParsePreKeySignalMessage(b []byte) (*PreKeySignalMessage, error) {
	if err := checkSize(b); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, malformed("empty prekey message")
	}
	v, err := parseVersion(b[0])
	if err != nil {
		return nil, err
	}
	// Why copy: see ParseSignalMessage. The inner message aliases this copy.
	raw := bytes.Clone(b)
	m := &PreKeySignalMessage{Version: v, raw: raw}
	r := wire.NewReader(raw[1:], &preKeyPolicy)
	var inner []byte
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fieldError("prekey message", err)
		}
		if !ok {
			break
		}
		if f.Num == fieldMessage {
			inner = f.Bytes
		} else if err := m.setField(f); err != nil {
			return nil, err
		}
	}
	if err := m.checkFields(r); err != nil {
		return nil, err
	}
	if m.Message, err = parseSignalMessage(inner); err != nil {
		return nil, fmt.Errorf("%w (in a prekey message)", err)
	}
	if m.Message.Version != v {
		return nil, malformed("prekey message of version %d holds a message of version %d", v, m.Message.Version)
	}
	return m, nil
}

// setField stores one parsed field other than the inner message.
func (m *PreKeySignalMessage) setField(f wire.Field) error {
	var err error
	switch f.Num {
	case fieldPreKeyID:
		m.PreKeyID, m.HasPreKeyID = uint32(f.Value), true
	case fieldBaseKey:
		if m.BaseKey, err = keys.ParsePublicKey(f.Bytes); err != nil {
			return fmt.Errorf("%w: prekey message: base key: %w", ErrMalformed, err)
		}
	case fieldIdentityKey:
		if m.Identity, err = keys.ParsePublicKey(f.Bytes); err != nil {
			return fmt.Errorf("%w: prekey message: identity key: %w", ErrMalformed, err)
		}
	case fieldRegistrationID:
		m.RegistrationID = uint32(f.Value)
	case fieldSignedPreKeyID:
		m.SignedPreKeyID = uint32(f.Value)
	case fieldKEMPreKeyID:
		m.KEMPreKeyID = uint32(f.Value)
	case fieldKEMCiphertext:
		m.KEMCiphertext = f.Bytes
	}
	return nil
}

// checkFields checks that the required fields were present, and the KEM
// fields present exactly for version 4.
func (m *PreKeySignalMessage) checkFields(r *wire.Reader) error {
	for _, f := range [...]struct {
		num  protowire.Number
		name string
	}{
		{fieldBaseKey, "base key"},
		{fieldIdentityKey, "identity key"},
		{fieldMessage, "message"},
		{fieldSignedPreKeyID, "signed prekey id"},
	} {
		if !r.Has(f.num) {
			return malformed("prekey message: missing %s", f.name)
		}
	}
	hasKEM := r.Has(fieldKEMPreKeyID) || r.Has(fieldKEMCiphertext)
	if m.Version == VersionX3DH {
		// Why reject: a version-3 session ignores KEM fields, so their
		// presence means a confused or downgrading sender.
		if hasKEM {
			return malformed("prekey message: version 3 with KEM fields")
		}
		return nil
	}
	// Why required: PQXDH without its KEM secret would silently be X3DH.
	if !r.Has(fieldKEMPreKeyID) || !r.Has(fieldKEMCiphertext) {
		return malformed("prekey message: version 4 without KEM prekey id and ciphertext")
	}
	if len(m.KEMCiphertext) != kemCiphertextSize {
		return malformed("prekey message: KEM ciphertext of %d bytes, want %d", len(m.KEMCiphertext), kemCiphertextSize)
	}
	// Why here: an unknown KEM is refused before any prekey is looked up.
	// Whether the type is the named prekey's is Decapsulate's check.
	if t := keys.KEMType(m.KEMCiphertext[0]); t != keys.TypeKyber1024 && t != keys.TypeMLKEM1024 {
		return malformed("prekey message: KEM ciphertext of type 0x%02x, want 0x%02x (Kyber-1024) or 0x%02x (ML-KEM-1024)",
			m.KEMCiphertext[0], byte(keys.TypeKyber1024), byte(keys.TypeMLKEM1024))
	}
	return nil
}
