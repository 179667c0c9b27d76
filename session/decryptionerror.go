package session

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// This file implements libsignal's DecryptionErrorMessage (its retry
// receipt) and the PlaintextContent that carries it outside any session:
// what a receiver sends back when a message does not decrypt, so that the
// sender re-sends the original over a fresh session.

// TypePlaintext is the message type of a [PlaintextContent], as libsignal's
// CiphertextMessageType numbers it. It is never encrypted by a session.
const TypePlaintext MessageType = 8

// DefaultDeviceID is the device id ratchat writes into a
// [DecryptionErrorMessage]: one profile is one device, and Signal numbers
// an account's first device 1.
const DefaultDeviceID = 1

// MaxDecryptionErrorSize bounds a serialized DecryptionErrorMessage. The
// largest valid one (a 33-byte key, a 10-byte timestamp, a 5-byte device
// id, and their tags) is 52 bytes; room is left for fields a newer peer
// adds, which are skipped.
const MaxDecryptionErrorSize = 256

// Field numbers of DecryptionErrorMessage in libsignal's wire.proto.
const (
	fieldDEMRatchetKey protowire.Number = 1
	fieldDEMTimestamp  protowire.Number = 2
	fieldDEMDeviceID   protowire.Number = 3
)

// decryptionErrorPolicy reads DecryptionErrorMessage: the key exactly 33
// bytes, no field twice, unknown fields skipped as libsignal's protobuf
// decoder skips them.
var decryptionErrorPolicy = wire.Policy{Fields: []wire.Spec{
	fieldDEMRatchetKey: wire.Fixed(keys.SerializedKeySize),
	fieldDEMTimestamp:  wire.Varint(math.MaxUint64),
	fieldDEMDeviceID:   wire.Uint32(),
}}

// DecryptionErrorMessage is libsignal's DecryptionErrorMessage: it names a
// message that failed to decrypt by its sent time and, for a 1:1 message,
// the ratchet key it was sent under.
type DecryptionErrorMessage struct {
	// RatchetKey is the sender's ratchet key of the failed message, valid
	// if HasRatchetKey: the key of a SignalMessage, or of the SignalMessage
	// inside a PreKeySignalMessage. The sender compares it with its
	// session's current ratchet key to tell whether that session is the
	// broken one.
	RatchetKey    keys.PublicKey
	HasRatchetKey bool
	// Timestamp is the failed message's time in milliseconds since the
	// Unix epoch.
	Timestamp uint64
	// DeviceID is the device that sent the failed message.
	DeviceID uint32
}

// NewDecryptionErrorMessage builds the message for a failed message of
// type typ, as libsignal's DecryptionErrorMessage::for_original does: the
// ratchet key comes from the SignalMessage, or from the SignalMessage
// inside a PreKeySignalMessage; another type carries none. It fails with
// [ErrMalformed] or [ErrVersion] when the original cannot be parsed far
// enough to read its ratchet key (a caller may still send one without it).
func NewDecryptionErrorMessage(typ MessageType, original []byte, timestamp uint64, deviceID uint32) (*DecryptionErrorMessage, error) {
	m := &DecryptionErrorMessage{Timestamp: timestamp, DeviceID: deviceID}
	switch typ {
	case TypeSignal:
		sm, err := ParseSignalMessage(original)
		if err != nil {
			return nil, err
		}
		m.RatchetKey, m.HasRatchetKey = sm.RatchetKey, true
	case TypePreKey:
		pm, err := ParsePreKeySignalMessage(original)
		if err != nil {
			return nil, err
		}
		m.RatchetKey, m.HasRatchetKey = pm.Message.RatchetKey, true
	}
	return m, nil
}

// Bytes serializes the message as libsignal does: the ratchet key if any,
// then the timestamp and the device id, always written.
func (m *DecryptionErrorMessage) Bytes() []byte {
	b := make([]byte, 0, 64)
	if m.HasRatchetKey {
		b = appendKeyField(b, fieldDEMRatchetKey, m.RatchetKey)
	}
	b = wire.AppendVarintField(b, fieldDEMTimestamp, m.Timestamp)
	return appendUint32Field(b, fieldDEMDeviceID, m.DeviceID)
}

// ParseDecryptionErrorMessage parses a serialized DecryptionErrorMessage
// strictly: at most [MaxDecryptionErrorSize] bytes, no known field twice,
// a valid ratchet key if present, and a timestamp, which libsignal always
// writes (an error that names no message is of no use). An absent device
// id is 0. Failures wrap [ErrMalformed].
func ParseDecryptionErrorMessage(b []byte) (*DecryptionErrorMessage, error) {
	if len(b) > MaxDecryptionErrorSize {
		return nil, malformed("decryption error message of %d bytes exceeds %d", len(b), MaxDecryptionErrorSize)
	}
	m := new(DecryptionErrorMessage)
	r := wire.NewReader(b, &decryptionErrorPolicy)
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fieldError("decryption error message", err)
		}
		if !ok {
			break
		}
		switch f.Num {
		case fieldDEMRatchetKey:
			if m.RatchetKey, err = keys.ParsePublicKey(f.Bytes); err != nil {
				return nil, malformed("decryption error message: ratchet key: %w", err)
			}
			m.HasRatchetKey = true
		case fieldDEMTimestamp:
			m.Timestamp = f.Value
		case fieldDEMDeviceID:
			m.DeviceID = uint32(f.Value)
		}
	}
	if !r.Has(fieldDEMTimestamp) {
		return nil, malformed("decryption error message: missing timestamp")
	}
	return m, nil
}
