package wire

import "errors"

// Errors returned by [Reader] and [Decoder]. Both wrap them with the field
// or the value at fault; callers wrap them again with their own sentinel.
var (
	// ErrSyntax is returned for bytes that are not the encoding at all: a
	// bad protobuf tag, a truncated field value, a varint over 64 bits.
	ErrSyntax = errors.New("wire: malformed encoding")

	// ErrUnknownField is returned by a [Reader] whose [Policy] refuses
	// unknown fields, for a field number the policy does not know.
	ErrUnknownField = errors.New("wire: unknown field")

	// ErrRepeatedField is returned for a known field that appears more than
	// once when its [Spec] does not repeat.
	ErrRepeatedField = errors.New("wire: repeated field")

	// ErrWireType is returned for a known field of the wrong wire type.
	ErrWireType = errors.New("wire: wrong wire type")

	// ErrRange is returned for an integer over its bound: a varint field
	// over its [Spec]'s maximum, a flag that is neither 0 nor 1, or a value
	// a caller refuses through [Decoder.Fail].
	ErrRange = errors.New("wire: value out of range")

	// ErrLength is returned for a byte string outside its [Spec]'s bounds.
	ErrLength = errors.New("wire: wrong length")

	// ErrNonCanonical is returned under [Policy.Canonical] for a tag,
	// varint or length not written in its shortest form.
	ErrNonCanonical = errors.New("wire: non-canonical encoding")

	// ErrOrder is returned under [Policy.Canonical] for a field whose
	// number is lower than the one before it.
	ErrOrder = errors.New("wire: field out of order")

	// ErrTruncated is returned by a [Decoder] asked for more bytes than
	// are left.
	ErrTruncated = errors.New("wire: truncated")

	// ErrTrailing is returned by [Decoder.Done] when bytes are left over.
	ErrTrailing = errors.New("wire: trailing bytes")
)
