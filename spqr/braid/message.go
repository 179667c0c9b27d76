package braid

import (
	"fmt"

	"ratchat/spqr/erasure"
)

// Version is the first byte of every message this package writes: SPQR V1.
const Version = 1

// maxVarintLen is the longest varint a message may hold: ten bytes carry 64
// bits, as in the reference (src/v1/chunked/states/serialize.rs,
// MAX_VARINT_BYTES_LEN).
const maxVarintLen = 10

// MessageType says what a message carries. The values are the type byte on
// the wire (src/v1/chunked/states/serialize.rs, enum MessageType).
type MessageType uint8

// The message types. Hdr, Ek and EkCt1Ack come from the side sending an
// encapsulation key; Ct1 and Ct2 from the side encapsulating to it.
const (
	TypeNone     MessageType = 0 // nothing for the braid; the epoch only
	TypeHdr      MessageType = 1 // a chunk of header ‖ header MAC
	TypeEk       MessageType = 2 // a chunk of the encapsulation key vector
	TypeEkCt1Ack MessageType = 3 // a chunk of the key, and "all of ct1 arrived"
	TypeCt1Ack   MessageType = 4 // "all of ct1 arrived", no chunk
	TypeCt1      MessageType = 5 // a chunk of ct1
	TypeCt2      MessageType = 6 // a chunk of ct2 ‖ ciphertext MAC
)

// HasChunk reports whether messages of type t carry an erasure-coded chunk.
func (t MessageType) HasChunk() bool {
	switch t {
	case TypeHdr, TypeEk, TypeEkCt1Ack, TypeCt1, TypeCt2:
		return true
	}
	return false
}

// String returns the type's name as the reference spells it.
func (t MessageType) String() string {
	names := [...]string{"None", "Hdr", "Ek", "EkCt1Ack", "Ct1Ack", "Ct1", "Ct2"}
	if int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

// Message is one braid message: the sender's epoch, what it carries and,
// when [MessageType.HasChunk], one chunk.
type Message struct {
	Epoch uint64
	Type  MessageType
	Chunk erasure.Chunk // meaningful only when Type.HasChunk()
}

// Serialize returns the message as SPQR V1 puts it in SignalMessage field 5,
// with index, the position of the message key in the symmetric chain, which
// the top level chooses:
//
//	version (1 byte, = 1) ‖ varint(epoch) ‖ varint(index) ‖ type (1 byte)
//	[‖ varint(chunk index) ‖ chunk data (32 bytes)]   when the type has a chunk
//
// Varints are little-endian base-128, as in protobuf. This is Message::serialize
// in src/v1/chunked/states/serialize.rs of SparsePostQuantumRatchet.
func (m Message) Serialize(index uint32) []byte {
	b := make([]byte, 0, 1+maxVarintLen+5+1+3+erasure.ChunkDataSize)
	b = append(b, Version)
	b = appendVarint(b, m.Epoch)
	b = appendVarint(b, uint64(index))
	b = append(b, byte(m.Type))
	if m.Type.HasChunk() {
		b = appendVarint(b, uint64(m.Chunk.Index))
		b = append(b, m.Chunk.Data[:]...)
	}
	return b
}

// ParseMessage reads a message that [Message.Serialize] (or the reference's
// Message::serialize) wrote and returns it with its chain index. Like the
// reference (Message::deserialize), it accepts trailing bytes after the
// message, left for future versions, and varints in non-minimal form.
func ParseMessage(b []byte) (Message, uint32, error) {
	if len(b) == 0 || b[0] != Version {
		return Message{}, 0, ErrMessageVersion
	}
	p := parser{b: b, at: 1}
	epoch, err := p.varint("epoch")
	if err != nil {
		return Message{}, 0, err
	}
	if epoch == 0 {
		return Message{}, 0, fmt.Errorf("%w: epoch 0", ErrMalformedMessage)
	}
	index, err := p.varint("index")
	if err != nil {
		return Message{}, 0, err
	}
	if index > 1<<32-1 {
		return Message{}, 0, fmt.Errorf("%w: index %d out of range", ErrMalformedMessage, index)
	}
	if p.at >= len(b) {
		return Message{}, 0, fmt.Errorf("%w: no type byte", ErrMalformedMessage)
	}
	m := Message{Epoch: epoch, Type: MessageType(b[p.at])}
	p.at++
	if m.Type > TypeCt2 {
		return Message{}, 0, fmt.Errorf("%w: unknown type %d", ErrMalformedMessage, uint8(m.Type))
	}
	if m.Type.HasChunk() {
		if m.Chunk, err = p.chunk(); err != nil {
			return Message{}, 0, err
		}
	}
	return m, uint32(index), nil
}

// appendVarint appends v in base-128, low group first, high bit set on every
// byte but the last (src/v1/chunked/states/serialize.rs, encode_varint).
func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// parser walks a message from a position, with bounds on every read.
type parser struct {
	b  []byte
	at int
}

// varint reads at most maxVarintLen bytes. As in the reference
// (decode_varint), bits beyond 64 in a tenth byte are dropped, not refused.
func (p *parser) varint(field string) (uint64, error) {
	var v uint64
	for i := 0; i < maxVarintLen; i++ {
		if p.at+i >= len(p.b) {
			return 0, fmt.Errorf("%w: %s truncated", ErrMalformedMessage, field)
		}
		c := p.b[p.at+i]
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			p.at += i + 1
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: %s longer than %d bytes", ErrMalformedMessage, field, maxVarintLen)
}

// chunk reads a chunk index (at most 65535) and 32 bytes of data
// (src/v1/chunked/states/serialize.rs, decode_chunk).
func (p *parser) chunk() (erasure.Chunk, error) {
	idx, err := p.varint("chunk index")
	if err != nil {
		return erasure.Chunk{}, err
	}
	if idx > 0xffff {
		return erasure.Chunk{}, fmt.Errorf("%w: chunk index %d out of range", ErrMalformedMessage, idx)
	}
	if len(p.b)-p.at < erasure.ChunkDataSize {
		return erasure.Chunk{}, fmt.Errorf("%w: chunk data truncated", ErrMalformedMessage)
	}
	c := erasure.Chunk{Index: uint16(idx)}
	copy(c.Data[:], p.b[p.at:])
	p.at += erasure.ChunkDataSize
	return c, nil
}
