package wire

import (
	"encoding/binary"
	"fmt"
)

// Decoder reads a binary record written by an [Encoder]: big-endian
// fixed-width integers, varints as encoding/binary writes them, and byte
// strings. The first failure sticks: every later read returns a zero value
// and [Decoder.Err] reports the failure. Byte slices it returns alias the
// input, their capacity capped.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder returns a decoder of the record b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err returns the first failure, or nil.
func (d *Decoder) Err() error { return d.err }

// Len returns how many bytes are left.
func (d *Decoder) Len() int { return len(d.b) }

// Fail records err as the decoder's failure unless one is already recorded,
// and stops every later read. Callers use it for a value that read well but
// is out of range; err should wrap [ErrRange] or a caller's sentinel.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err, d.b = err, nil
	}
}

// Done returns the first failure, or an error wrapping [ErrTrailing] if
// bytes are left over: records are read whole.
func (d *Decoder) Done() error {
	if d.err == nil && len(d.b) != 0 {
		d.Fail(fmt.Errorf("%w: %d bytes", ErrTrailing, len(d.b)))
	}
	return d.err
}

// Bytes returns the next n bytes, or nil once the decoder has failed.
func (d *Decoder) Bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.Fail(fmt.Errorf("%w: %d bytes wanted, %d left", ErrTruncated, n, len(d.b)))
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// Rest returns every byte left, possibly none.
func (d *Decoder) Rest() []byte { return d.Bytes(len(d.b)) }

// U8 reads one byte.
func (d *Decoder) U8() uint8 {
	if b := d.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a big-endian uint16.
func (d *Decoder) U16() uint16 {
	if b := d.Bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// U32 reads a big-endian uint32.
func (d *Decoder) U32() uint32 {
	if b := d.Bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// U64 reads a big-endian uint64.
func (d *Decoder) U64() uint64 {
	if b := d.Bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Flag reads a byte that must be 0 or 1.
func (d *Decoder) Flag() bool {
	v := d.U8()
	if v > 1 {
		d.Fail(fmt.Errorf("%w: flag %d", ErrRange, v))
	}
	return v == 1
}

// Uvarint reads an unsigned varint. Like [binary.Uvarint] it takes a
// non-minimal encoding, and refuses one over 64 bits.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	return d.varint(v, n)
}

// Varint reads a signed (zig-zag) varint, as [binary.Varint] does.
func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	return int64(d.varint(uint64(v), n))
}

// varint consumes a varint of n bytes, as encoding/binary reports n.
func (d *Decoder) varint(v uint64, n int) uint64 {
	switch {
	case n == 0:
		d.Fail(fmt.Errorf("%w: varint", ErrTruncated))
	case n < 0:
		d.Fail(fmt.Errorf("%w: varint over 64 bits", ErrSyntax))
	default:
		d.b = d.b[n:]
		return v
	}
	return 0
}

// UvarintBytes reads a byte string prefixed by its length as a uvarint.
func (d *Decoder) UvarintBytes() []byte {
	n := d.Uvarint()
	if n > uint64(len(d.b)) {
		d.Fail(fmt.Errorf("%w: %d bytes wanted, %d left", ErrTruncated, n, len(d.b)))
		return nil
	}
	return d.Bytes(int(n))
}

// Encoder appends what a [Decoder] reads. Its zero value is ready; convert
// it with []byte(e) when done.
type Encoder []byte

// U8 appends one byte.
func (e *Encoder) U8(v uint8) { *e = append(*e, v) }

// U16 appends v big-endian.
func (e *Encoder) U16(v uint16) { *e = binary.BigEndian.AppendUint16(*e, v) }

// U32 appends v big-endian.
func (e *Encoder) U32(v uint32) { *e = binary.BigEndian.AppendUint32(*e, v) }

// U64 appends v big-endian.
func (e *Encoder) U64(v uint64) { *e = binary.BigEndian.AppendUint64(*e, v) }

// Flag appends 1 for true and 0 for false.
func (e *Encoder) Flag(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

// Uvarint appends an unsigned varint.
func (e *Encoder) Uvarint(v uint64) { *e = binary.AppendUvarint(*e, v) }

// Varint appends a signed (zig-zag) varint.
func (e *Encoder) Varint(v int64) { *e = binary.AppendVarint(*e, v) }

// Bytes appends b as it is, with no length.
func (e *Encoder) Bytes(b []byte) { *e = append(*e, b...) }

// UvarintBytes appends b prefixed by its length as a uvarint.
func (e *Encoder) UvarintBytes(b []byte) { e.Uvarint(uint64(len(b))); e.Bytes(b) }

// UvarintString appends s prefixed by its length as a uvarint.
func (e *Encoder) UvarintString(s string) { e.Uvarint(uint64(len(s))); *e = append(*e, s...) }
