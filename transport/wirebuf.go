package transport

import (
	"encoding/binary"

	"ratchat/keys"
)

// reader consumes a fixed-layout message body. The first failure sticks:
// every later read returns zero values, and done reports it, so decoders
// read all fields and check once. Returned slices alias the input.
type reader struct {
	b   []byte
	bad bool
}

// take returns the next n bytes, or nil (and marks the reader bad) if
// fewer are left.
func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// u8 reads one byte.
func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

// u16 reads a big-endian uint16.
func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// u32 reads a big-endian uint32.
func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// u64 reads a big-endian uint64.
func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// publicKey reads a serialized X25519 key (0x05 || u) and checks it as
// [keys.ParsePublicKey] does.
func (r *reader) publicKey() keys.PublicKey {
	b := r.take(keys.SerializedKeySize)
	if b == nil {
		return keys.PublicKey{}
	}
	k, err := keys.ParsePublicKey(b)
	if err != nil {
		r.bad = true
	}
	return k
}

// kemKey reads a serialized ML-KEM-1024 key (0x0A || key), checked.
func (r *reader) kemKey() keys.KEMPublicKey {
	b := r.take(1 + keys.KEMPublicKeySize)
	if b == nil {
		return keys.KEMPublicKey{}
	}
	k, err := keys.ParseKEMPublicKey(b)
	if err != nil {
		r.bad = true
	}
	return k
}

// signature reads an XEdDSA signature.
func (r *reader) signature() (s [keys.SignatureSize]byte) {
	copy(s[:], r.take(keys.SignatureSize))
	return s
}

// rest returns everything left (possibly nothing).
func (r *reader) rest() []byte {
	return r.take(len(r.b))
}

// fail marks the reader bad: a value read was out of range.
func (r *reader) fail() { r.bad = true }

// done reports whether every read succeeded and nothing is left over.
func (r *reader) done() bool {
	return !r.bad && len(r.b) == 0
}

// appendKey appends a serialized X25519 public key.
func appendKey(b []byte, k keys.PublicKey) []byte {
	return append(append(b, keys.TypeDJB), k[:]...)
}

// appendKEMKey appends a serialized ML-KEM-1024 public key.
func appendKEMKey(b []byte, k *keys.KEMPublicKey) []byte {
	return append(append(b, keys.TypeMLKEM1024), k[:]...)
}

// appendU16 appends v big-endian.
func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// appendU32 appends v big-endian.
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// appendU64 appends v big-endian.
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
