package session

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/keys"
)

// This file reads and writes the protobuf wire format of libsignal's
// messages by hand, with protowire: no generated code, no reflection.

// fieldKind is what a known field holds. The zero kind marks a field number
// the message does not know, which the reader skips.
type fieldKind uint8

const (
	kindUnknown fieldKind = iota
	kindUint32            // varint, at most 2^32-1
	kindBytes             // length-delimited
)

// wireField is one known field read by [fieldReader].
type wireField struct {
	num   protowire.Number
	value uint32 // for kindUint32
	bytes []byte // for kindBytes: aliases the input, capacity capped
}

// fieldReader walks the fields of one protobuf message. Each known field
// must have its kind's wire type and appear at most once; unknown fields
// are skipped, so that a newer peer's additions do not break parsing.
type fieldReader struct {
	buf   []byte
	kinds []fieldKind // by field number; at most 32 entries
	what  string      // the message's name, for errors
	seen  uint32      // bit n is set once known field n was read
}

// next returns the next known field, or ok false at the end of the message.
func (r *fieldReader) next() (f wireField, ok bool, err error) {
	for len(r.buf) > 0 {
		num, typ, n := protowire.ConsumeTag(r.buf)
		if n < 0 {
			return f, false, malformed("%s: field tag: %v", r.what, protowire.ParseError(n))
		}
		r.buf = r.buf[n:]
		if int(num) >= len(r.kinds) || r.kinds[num] == kindUnknown {
			n = protowire.ConsumeFieldValue(num, typ, r.buf)
			if n < 0 {
				return f, false, malformed("%s: field %d: %v", r.what, num, protowire.ParseError(n))
			}
			r.buf = r.buf[n:]
			continue
		}
		// Why reject repeats (protobuf would keep the last): no honest
		// sender writes a field twice, and two parsers that disagree on
		// which copy wins could see different messages in the same bytes.
		if r.has(num) {
			return f, false, malformed("%s: field %d repeated", r.what, num)
		}
		r.seen |= 1 << num
		f, err = r.value(num, typ, r.kinds[num])
		return f, err == nil, err
	}
	return f, false, nil
}

// value reads the value of known field num, checking its wire type.
func (r *fieldReader) value(num protowire.Number, typ protowire.Type, kind fieldKind) (wireField, error) {
	f := wireField{num: num}
	var n int
	switch {
	case kind == kindUint32 && typ == protowire.VarintType:
		var v uint64
		v, n = protowire.ConsumeVarint(r.buf)
		if n >= 0 && v > math.MaxUint32 {
			return f, malformed("%s: field %d: %d overflows uint32", r.what, num, v)
		}
		f.value = uint32(v)
	case kind == kindBytes && typ == protowire.BytesType:
		f.bytes, n = protowire.ConsumeBytes(r.buf)
		f.bytes = f.bytes[:len(f.bytes):len(f.bytes)]
	default:
		return f, malformed("%s: field %d has wire type %d", r.what, num, typ)
	}
	if n < 0 {
		return f, malformed("%s: field %d: %v", r.what, num, protowire.ParseError(n))
	}
	r.buf = r.buf[n:]
	return f, nil
}

// has reports whether known field num was read.
func (r *fieldReader) has(num protowire.Number) bool { return r.seen&(1<<num) != 0 }

// sizeUint32Field is the encoded size of a uint32 field.
func sizeUint32Field(num protowire.Number, v uint32) int {
	return protowire.SizeTag(num) + protowire.SizeVarint(uint64(v))
}

// sizeKeyField is the encoded size of a serialized public key field.
func sizeKeyField(num protowire.Number) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(keys.SerializedKeySize)
}

// appendUint32Field appends field num holding v.
func appendUint32Field(b []byte, num protowire.Number, v uint32) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// appendBytesField appends field num holding v.
func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// appendKeyField appends field num holding k serialized (0x05 || u),
// without the allocation of [keys.PublicKey.Bytes].
func appendKeyField(b []byte, num protowire.Number, k keys.PublicKey) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, keys.SerializedKeySize)
	b = append(b, keys.TypeDJB)
	return append(b, k[:]...)
}
