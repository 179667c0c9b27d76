// Package wire holds ratchat's two low-level readers, so that every wire
// and storage format is read by one piece of code:
//
//   - [Reader] walks the fields of a protobuf message (libsignal's
//     SignalMessage and PreKeySignalMessage, our prekey bundle, chat's
//     content) under an explicit [Policy];
//   - [Decoder] and [Encoder] read and write ratchat's own binary records
//     (session state, store records, transport message bodies): fixed-width
//     big-endian integers, varints and length-prefixed byte strings.
//
// # Strictness
//
// A [Policy] says, for each field number, whether the field is known, its
// wire type, the range of its value or length, and whether it may repeat.
// What every policy shares:
//
//   - a known field with the wrong wire type is refused ([ErrWireType]);
//   - a known field that appears twice is refused ([ErrRepeatedField])
//     unless its [Spec] says it repeats. Why: protobuf would keep the last
//     copy, but no honest sender writes a field twice, and two parsers that
//     disagree on which copy wins could see different messages in the same
//     bytes;
//   - a varint over its [Spec]'s maximum ([ErrRange]) and a byte string
//     outside its length bounds ([ErrLength]) are refused;
//   - malformed framing (a bad tag, a truncated value, an overflowing
//     varint) is [ErrSyntax].
//
// What a policy chooses: unknown fields are skipped (libsignal's messages,
// so a newer peer's additions do not break us) or refused ([ErrUnknownField],
// for formats that are ours alone); and [Policy.Canonical] refuses any
// encoding but the one ratchat writes: minimal tags, varints and lengths
// ([ErrNonCanonical]) and fields in ascending order ([ErrOrder]).
//
// # Records
//
// A [Decoder]'s first failure sticks: every later read returns zero values,
// so a record's parser reads all its fields and checks [Decoder.Err] or
// [Decoder.Done] once. Callers wrap what it returns with their own sentinel
// (fmt.Errorf("%w: %w", ErrCorrupt, err)), so that errors.Is works for both.
package wire
