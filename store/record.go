package store

import (
	"fmt"
	"time"

	"ratchat/internal/wire"
)

// encoder builds the plaintext of a multi-field record: unsigned and signed
// varints and length-prefixed byte strings, in a fixed order per record,
// written by [wire.Encoder].
type encoder struct{ b wire.Encoder }

// uvarint appends an unsigned varint.
func (e *encoder) uvarint(v uint64) { e.b.Uvarint(v) }

// varint appends a signed (zig-zag) varint.
func (e *encoder) varint(v int64) { e.b.Varint(v) }

// bytes appends a length-prefixed byte string.
func (e *encoder) bytes(p []byte) { e.b.UvarintBytes(p) }

// str appends a length-prefixed string.
func (e *encoder) str(s string) { e.b.UvarintString(s) }

// time appends a time as unixNano encodes it.
func (e *encoder) time(t time.Time) { e.varint(unixNano(t)) }

// bool appends 1 for true and 0 for false (a one-byte uvarint).
func (e *encoder) bool(v bool) { e.b.Flag(v) }

// decoder reads what an encoder wrote, with a [wire.Decoder]: the first
// malformed read sticks, after which every read returns a zero value; done
// reports it, and also rejects trailing bytes: records are parsed strictly.
type decoder struct{ d *wire.Decoder }

// newDecoder returns a decoder of the record b.
func newDecoder(b []byte) *decoder { return &decoder{wire.NewDecoder(b)} }

// uvarint reads an unsigned varint.
func (d *decoder) uvarint() uint64 { return d.d.Uvarint() }

// varint reads a signed varint.
func (d *decoder) varint() int64 { return d.d.Varint() }

// bytes returns a copy of the next length-prefixed byte string (nil if
// it is empty).
func (d *decoder) bytes() []byte { return append([]byte(nil), d.d.UvarintBytes()...) }

// str reads a length-prefixed string.
func (d *decoder) str() string { return string(d.d.UvarintBytes()) }

// time reads a time written by encoder.time.
func (d *decoder) time() time.Time { return fromUnixNano(d.varint()) }

// bool reads a 0 or a 1 as a uvarint; anything else is malformed.
func (d *decoder) bool() bool {
	v := d.uvarint()
	if v > 1 {
		d.d.Fail(fmt.Errorf("%w: bool %d", wire.ErrRange, v))
	}
	return v == 1
}

// fixed reads a length-prefixed string that must be exactly len(dst) long.
func (d *decoder) fixed(dst []byte) {
	b := d.d.UvarintBytes()
	if d.d.Err() == nil && len(b) != len(dst) {
		d.d.Fail(fmt.Errorf("%w: %d bytes, want %d", wire.ErrLength, len(b), len(dst)))
	}
	copy(dst, b)
}

// done returns the first failure, or trailing bytes, wrapped with
// [ErrCorrupt].
func (d *decoder) done() error {
	if err := d.d.Done(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return nil
}

// unixNano encodes a time as nanoseconds since 1970, the zero time as 0
// (so an unset time stays unset; 1970-01-01T00:00:00Z itself reads back as
// unset, which no message time is).
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano reverses unixNano.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
