package session

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// This file holds what session adds to [wire] for libsignal's messages,
// which it reads and writes by hand: no generated code, no reflection.
// Their policies skip unknown fields, so that a newer peer's additions do
// not break parsing, and refuse a known field twice.

// fieldError wraps an error of [wire.Reader] reading message what.
func fieldError(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}

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
	return wire.AppendVarintField(b, num, uint64(v))
}

// appendKeyField appends field num holding k serialized (0x05 || u),
// without the allocation of [keys.PublicKey.Bytes].
func appendKeyField(b []byte, num protowire.Number, k keys.PublicKey) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, keys.SerializedKeySize)
	b = append(b, keys.TypeDJB)
	return append(b, k[:]...)
}
