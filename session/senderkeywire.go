package session

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// This file reads and writes libsignal's two sender key messages, each a
// version byte then a protobuf of wire.proto: SenderKeyDistributionMessage
// (sent pairwise) and SenderKeyMessage (sent to the group, followed by an
// XEdDSA signature by the chain's signing key over everything before it).

const (
	// VersionSenderKey is the sender key message version, libsignal's
	// SENDERKEY_MESSAGE_CURRENT_VERSION; the version byte is 0x33.
	VersionSenderKey = 3
	// MaxSenderKeyDistributionSize bounds a serialized
	// SenderKeyDistributionMessage; libsignal's are about 100 bytes.
	MaxSenderKeyDistributionSize = 256
	// senderKeyIDSize is the length of a distribution id (a UUID).
	senderKeyIDSize = len(DistributionID{})
)

// Field numbers of SenderKeyMessage and SenderKeyDistributionMessage in
// libsignal's wire.proto; fields 1 to 3 are common to both.
const (
	fieldSKDistribution protowire.Number = 1
	fieldSKChainID      protowire.Number = 2
	fieldSKIteration    protowire.Number = 3
	fieldSKCiphertext   protowire.Number = 4 // SenderKeyMessage
	fieldSKChainKey     protowire.Number = 4 // SenderKeyDistributionMessage
	fieldSKSigningKey   protowire.Number = 5 // SenderKeyDistributionMessage
)

// senderKeyMessagePolicy reads SenderKeyMessage; newer fields are skipped.
var senderKeyMessagePolicy = wire.Policy{Fields: []wire.Spec{
	fieldSKDistribution: wire.Fixed(senderKeyIDSize),
	fieldSKChainID:      wire.Uint32(),
	fieldSKIteration:    wire.Uint32(),
	fieldSKCiphertext:   wire.Bytes(),
}}

// senderKeyDistributionPolicy reads SenderKeyDistributionMessage; newer
// fields are skipped.
var senderKeyDistributionPolicy = wire.Policy{Fields: []wire.Spec{
	fieldSKDistribution: wire.Fixed(senderKeyIDSize),
	fieldSKChainID:      wire.Uint32(),
	fieldSKIteration:    wire.Uint32(),
	fieldSKChainKey:     wire.Fixed(keySize),
	fieldSKSigningKey:   wire.Fixed(keys.SerializedKeySize),
}}

// senderKeyVersionByte is the version byte ratchat writes, 0x33, as
// libsignal does.
const senderKeyVersionByte = VersionSenderKey<<4 | VersionSenderKey

// Marshal returns the message as libsignal serializes it: 0x33, then the
// protobuf with all five fields in order, zero values written.
func (m *SenderKeyDistributionMessage) Marshal() []byte {
	size := 1 + protowire.SizeTag(fieldSKDistribution) + protowire.SizeBytes(senderKeyIDSize) +
		sizeUint32Field(fieldSKChainID, m.ChainID) + sizeUint32Field(fieldSKIteration, m.Iteration) +
		protowire.SizeTag(fieldSKChainKey) + protowire.SizeBytes(keySize) + sizeKeyField(fieldSKSigningKey)
	b := make([]byte, 0, size)
	b = append(b, senderKeyVersionByte)
	b = wire.AppendBytesField(b, fieldSKDistribution, m.DistributionID[:])
	b = appendUint32Field(b, fieldSKChainID, m.ChainID)
	b = appendUint32Field(b, fieldSKIteration, m.Iteration)
	b = wire.AppendBytesField(b, fieldSKChainKey, m.ChainKey[:])
	return appendKeyField(b, fieldSKSigningKey, m.SigningKey)
}

// ParseSenderKeyDistributionMessage parses libsignal's serialization
// strictly: at most [MaxSenderKeyDistributionSize] bytes, version 3
// ([ErrVersion] otherwise), every field present once with its exact length
// (16-byte distribution id, 32-byte chain key, 33-byte signing key), a
// valid signing key. Other failures wrap [ErrMalformed].
func ParseSenderKeyDistributionMessage(b []byte) (*SenderKeyDistributionMessage, error) {
	if len(b) > MaxSenderKeyDistributionSize {
		return nil, malformed("sender key distribution of %d bytes exceeds %d", len(b), MaxSenderKeyDistributionSize)
	}
	if len(b) < 1 {
		return nil, malformed("empty sender key distribution")
	}
	if err := parseSenderKeyVersion(b[0]); err != nil {
		return nil, err
	}
	m := new(SenderKeyDistributionMessage)
	r := wire.NewReader(b[1:], &senderKeyDistributionPolicy)
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fieldError("sender key distribution", err)
		}
		if !ok {
			break
		}
		switch f.Num {
		case fieldSKDistribution:
			m.DistributionID = DistributionID(f.Bytes)
		case fieldSKChainID:
			m.ChainID = uint32(f.Value)
		case fieldSKIteration:
			m.Iteration = uint32(f.Value)
		case fieldSKChainKey:
			m.ChainKey = [keySize]byte(f.Bytes)
		case fieldSKSigningKey:
			if m.SigningKey, err = keys.ParsePublicKey(f.Bytes); err != nil {
				return nil, fmt.Errorf("%w: sender key distribution: signing key: %w", ErrMalformed, err)
			}
		}
	}
	// Every field is required, as libsignal requires them.
	for _, num := range []protowire.Number{fieldSKDistribution, fieldSKChainID, fieldSKIteration, fieldSKChainKey, fieldSKSigningKey} {
		if !r.Has(num) {
			return nil, malformed("sender key distribution: missing field %d", num)
		}
	}
	return m, nil
}

// parseSenderKeyVersion checks a sender key message's version byte: the
// message version (high nibble) must be 3, and the sender's newest
// version (low nibble, which libsignal ignores) 3 or 4, as [parseVersion]
// allows for SignalMessage.
func parseSenderKeyVersion(b byte) error {
	v, newest := b>>4, b&0x0f
	if v != VersionSenderKey || newest < v || newest > VersionPQXDH {
		return fmt.Errorf("%w: sender key version byte 0x%02x", ErrVersion, b)
	}
	return nil
}

// senderKeyMessage is a parsed SenderKeyMessage. Its slices alias raw.
type senderKeyMessage struct {
	distribution DistributionID
	chainID      uint32
	iteration    uint32
	ciphertext   []byte
	// raw is version || protobuf || signature; the signature covers all
	// but its last [keys.SignatureSize] bytes.
	raw []byte
}

// signed returns what the signature covers, and the signature.
func (m *senderKeyMessage) signed() (content, sig []byte) {
	n := len(m.raw) - keys.SignatureSize
	return m.raw[:n], m.raw[n:]
}

// parseSenderKeyMessage parses a serialized SenderKeyMessage strictly:
// size bound ([MaxMessageSize]), version 3, every field present once with
// its exact length, a ciphertext of whole AES blocks, a 64-byte signature.
// It does not check the signature. The message aliases b.
func parseSenderKeyMessage(b []byte) (*senderKeyMessage, error) {
	if err := checkSize(b); err != nil {
		return nil, err
	}
	if len(b) < 1+keys.SignatureSize {
		return nil, malformed("sender key message of %d bytes, want at least %d", len(b), 1+keys.SignatureSize)
	}
	if err := parseSenderKeyVersion(b[0]); err != nil {
		return nil, err
	}
	m := &senderKeyMessage{raw: b}
	r := wire.NewReader(b[1:len(b)-keys.SignatureSize], &senderKeyMessagePolicy)
	for {
		f, ok, err := r.Next()
		if err != nil {
			return nil, fieldError("sender key message", err)
		}
		if !ok {
			break
		}
		switch f.Num {
		case fieldSKDistribution:
			m.distribution = DistributionID(f.Bytes)
		case fieldSKChainID:
			m.chainID = uint32(f.Value)
		case fieldSKIteration:
			m.iteration = uint32(f.Value)
		case fieldSKCiphertext:
			m.ciphertext = f.Bytes
		}
	}
	for _, num := range []protowire.Number{fieldSKDistribution, fieldSKChainID, fieldSKIteration, fieldSKCiphertext} {
		if !r.Has(num) {
			return nil, malformed("sender key message: missing field %d", num)
		}
	}
	if len(m.ciphertext) == 0 || len(m.ciphertext)%16 != 0 {
		return nil, malformed("sender key message: ciphertext of %d bytes is not whole AES blocks", len(m.ciphertext))
	}
	return m, nil
}

// SenderKeyMessageDistribution reads the distribution id and chain id of
// a serialized SenderKeyMessage, parsing it as [SenderKeyRecord.Decrypt]
// does but without checking its signature: it tells the caller which
// record to decrypt it with.
func SenderKeyMessageDistribution(msg []byte) (DistributionID, uint32, error) {
	m, err := parseSenderKeyMessage(msg)
	if err != nil {
		return DistributionID{}, 0, err
	}
	return m.distribution, m.chainID, nil
}

// sealSenderKeyMessage serializes a SenderKeyMessage whose ciphertext is
// [appendCBC] of plaintext under mk, encrypted in place in the
// serialization, and leaves room for the signature, which the caller
// appends. It returns the bytes the signature covers.
func sealSenderKeyMessage(id DistributionID, chainID, iteration uint32, mk *messageKeys, plaintext []byte) []byte {
	ctLen := cbcLen(len(plaintext))
	size := 1 + protowire.SizeTag(fieldSKDistribution) + protowire.SizeBytes(senderKeyIDSize) +
		sizeUint32Field(fieldSKChainID, chainID) + sizeUint32Field(fieldSKIteration, iteration) +
		protowire.SizeTag(fieldSKCiphertext) + protowire.SizeBytes(ctLen) + keys.SignatureSize
	raw := make([]byte, 0, size)
	raw = append(raw, senderKeyVersionByte)
	raw = wire.AppendBytesField(raw, fieldSKDistribution, id[:])
	raw = appendUint32Field(raw, fieldSKChainID, chainID)
	raw = appendUint32Field(raw, fieldSKIteration, iteration)
	raw = protowire.AppendTag(raw, fieldSKCiphertext, protowire.BytesType)
	raw = protowire.AppendVarint(raw, uint64(ctLen))
	return appendCBC(raw, mk, plaintext)
}
