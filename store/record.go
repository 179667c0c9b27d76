package store

import (
	"encoding/binary"
	"time"
)

// encoder builds the plaintext of a multi-field record: unsigned and signed
// varints and length-prefixed byte strings, in a fixed order per record.
type encoder struct{ b []byte }

// uvarint appends an unsigned varint.
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

// varint appends a signed (zig-zag) varint.
func (e *encoder) varint(v int64) { e.b = binary.AppendVarint(e.b, v) }

// bytes appends a length-prefixed byte string.
func (e *encoder) bytes(p []byte) { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }

// str appends a length-prefixed string.
func (e *encoder) str(s string) { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

// time appends a time as unixNano encodes it.
func (e *encoder) time(t time.Time) { e.varint(unixNano(t)) }

// bool appends 1 for true and 0 for false.
func (e *encoder) bool(v bool) {
	if v {
		e.uvarint(1)
	} else {
		e.uvarint(0)
	}
}

// decoder reads what an encoder wrote. The first malformed read sets err,
// after which every read returns a zero value; done reports it, and also
// rejects trailing bytes: records are parsed strictly.
type decoder struct {
	b   []byte
	err error
}

// fail records a malformed input and stops every later read.
func (d *decoder) fail() { d.err, d.b = ErrCorrupt, nil }

// uvarint reads an unsigned varint.
func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads a signed varint.
func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes returns a copy of the next length-prefixed byte string.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	out := append([]byte(nil), d.b[:n]...)
	d.b = d.b[n:]
	return out
}

// str reads a length-prefixed string.
func (d *decoder) str() string { return string(d.bytes()) }

// time reads a time written by encoder.time.
func (d *decoder) time() time.Time { return fromUnixNano(d.varint()) }

// bool reads a 0 or a 1; anything else is malformed.
func (d *decoder) bool() bool {
	v := d.uvarint()
	if v > 1 {
		d.fail()
	}
	return v == 1
}

// fixed reads a length-prefixed string that must be exactly len(dst) long.
func (d *decoder) fixed(dst []byte) {
	b := d.bytes()
	if d.err == nil && len(b) != len(dst) {
		d.fail()
	}
	copy(dst, b)
}

// done returns the first error, or [ErrCorrupt] if bytes are left over.
func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return d.err
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
