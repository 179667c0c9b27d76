package wire

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// MaxFields is the largest field table a [Policy] may hold: field numbers
// 0 to 63 (0 is never valid on the wire).
const MaxFields = 64

// kind is what a known field holds; the zero kind marks an unknown field.
type kind uint8

const (
	kindUnknown kind = iota
	kindVarint
	kindBytes
)

// Spec describes one known field of a protobuf message. The zero Spec marks
// a field number the message does not know. Make one with [Varint],
// [Uint32], [Bytes] or [Fixed].
type Spec struct {
	kind     kind
	max      uint64 // varint: largest value
	min, len int    // bytes: length bounds, inclusive; min < len only for Bytes
	repeated bool
}

// Varint is a varint field whose value is at most max.
func Varint(max uint64) Spec { return Spec{kind: kindVarint, max: max} }

// Uint32 is a varint field holding a uint32.
func Uint32() Spec { return Varint(math.MaxUint32) }

// Bytes is a length-delimited field of any length.
func Bytes() Spec { return Spec{kind: kindBytes, len: math.MaxInt} }

// Fixed is a length-delimited field of exactly n bytes.
func Fixed(n int) Spec { return Spec{kind: kindBytes, min: n, len: n} }

// Repeated returns s allowed to appear more than once.
func (s Spec) Repeated() Spec {
	s.repeated = true
	return s
}

// Policy is how strictly a [Reader] reads one message. See the package doc.
type Policy struct {
	// Fields gives the spec of each known field, by field number; numbers
	// past its end are unknown. It holds at most [MaxFields] entries.
	Fields []Spec
	// RefuseUnknown refuses unknown fields instead of skipping them.
	RefuseUnknown bool
	// Canonical refuses non-minimal tags, varints and lengths, and fields
	// out of ascending order.
	Canonical bool
}

// spec returns the spec of field num (the zero Spec if it is unknown).
func (p *Policy) spec(num protowire.Number) Spec {
	if int(num) >= len(p.Fields) {
		return Spec{}
	}
	return p.Fields[num]
}

// Field is one known field read by a [Reader].
type Field struct {
	// Num is the field number.
	Num protowire.Number
	// Value is a varint field's value.
	Value uint64
	// Bytes is a length-delimited field's value. It aliases the input, with
	// its capacity capped so that an append cannot overwrite what follows.
	Bytes []byte
}

// Reader walks the fields of one protobuf message under a [Policy].
type Reader struct {
	buf    []byte
	policy *Policy
	seen   uint64 // bit n is set once known field n was read
	last   protowire.Number
}

// NewReader returns a reader of the message b. It panics if p holds more
// than [MaxFields] fields: policies are constants of a format.
func NewReader(b []byte, p *Policy) *Reader {
	if len(p.Fields) > MaxFields {
		panic("wire: policy with more than 64 fields")
	}
	return &Reader{buf: b, policy: p}
}

// Next returns the next known field, skipping unknown ones if the policy
// allows, or ok false at the end of the message. Errors wrap the package's
// sentinels and name the field.
func (r *Reader) Next() (f Field, ok bool, err error) {
	for len(r.buf) > 0 {
		num, typ, n := protowire.ConsumeTag(r.buf)
		if n < 0 {
			return f, false, fmt.Errorf("%w: tag after field %d: %v", ErrSyntax, r.last, protowire.ParseError(n))
		}
		if r.policy.Canonical && n != protowire.SizeTag(num) {
			return f, false, fmt.Errorf("%w: field %d: tag", ErrNonCanonical, num)
		}
		r.buf = r.buf[n:]
		spec := r.policy.spec(num)
		if spec.kind == kindUnknown {
			if err := r.skip(num, typ); err != nil {
				return f, false, err
			}
			continue
		}
		if err := r.admit(num, spec); err != nil {
			return f, false, err
		}
		f, err = r.value(num, typ, spec)
		return f, err == nil, err
	}
	return f, false, nil
}

// skip passes over the value of unknown field num, or refuses it.
func (r *Reader) skip(num protowire.Number, typ protowire.Type) error {
	if r.policy.RefuseUnknown {
		return fmt.Errorf("%w: %d", ErrUnknownField, num)
	}
	n := protowire.ConsumeFieldValue(num, typ, r.buf)
	if n < 0 {
		return fmt.Errorf("%w: field %d: %v", ErrSyntax, num, protowire.ParseError(n))
	}
	r.buf = r.buf[n:]
	return nil
}

// admit checks that known field num may come here, and marks it seen.
func (r *Reader) admit(num protowire.Number, spec Spec) error {
	if r.Has(num) && !spec.repeated {
		return fmt.Errorf("%w: %d", ErrRepeatedField, num)
	}
	if r.policy.Canonical && num < r.last {
		return fmt.Errorf("%w: field %d after field %d", ErrOrder, num, r.last)
	}
	r.seen |= 1 << num
	r.last = num
	return nil
}

// value reads the value of known field num, checking it against spec.
func (r *Reader) value(num protowire.Number, typ protowire.Type, spec Spec) (f Field, err error) {
	f.Num = num
	var n int
	switch {
	case spec.kind == kindVarint && typ == protowire.VarintType:
		f.Value, n = protowire.ConsumeVarint(r.buf)
		err = r.checkVarint(n, f.Value, spec)
	case spec.kind == kindBytes && typ == protowire.BytesType:
		f.Bytes, n = protowire.ConsumeBytes(r.buf)
		f.Bytes = f.Bytes[:len(f.Bytes):len(f.Bytes)]
		err = r.checkBytes(n, f.Bytes, spec)
	default:
		err = fmt.Errorf("%w: wire type %d", ErrWireType, typ)
	}
	if err != nil {
		return f, fmt.Errorf("field %d: %w", num, err)
	}
	r.buf = r.buf[n:]
	return f, nil
}

// checkVarint checks a varint value v read in n bytes.
func (r *Reader) checkVarint(n int, v uint64, spec Spec) error {
	switch {
	case n < 0:
		return fmt.Errorf("%w: %v", ErrSyntax, protowire.ParseError(n))
	case r.policy.Canonical && n != protowire.SizeVarint(v):
		return fmt.Errorf("%w: varint", ErrNonCanonical)
	case v > spec.max:
		return fmt.Errorf("%w: %d, at most %d", ErrRange, v, spec.max)
	}
	return nil
}

// checkBytes checks a byte string v read in n bytes, length included.
func (r *Reader) checkBytes(n int, v []byte, spec Spec) error {
	switch {
	case n < 0:
		return fmt.Errorf("%w: %v", ErrSyntax, protowire.ParseError(n))
	case r.policy.Canonical && n != protowire.SizeBytes(len(v)):
		return fmt.Errorf("%w: length", ErrNonCanonical)
	case len(v) < spec.min || len(v) > spec.len:
		return fmt.Errorf("%w: %d bytes, want %d", ErrLength, len(v), spec.min)
	}
	return nil
}

// Has reports whether known field num was read.
func (r *Reader) Has(num protowire.Number) bool {
	return num >= 0 && num < MaxFields && r.seen&(1<<num) != 0
}

// AppendVarintField appends field num holding the varint v.
func AppendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// AppendBytesField appends field num holding the byte string v.
func AppendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}
