package transport

import (
	"encoding/binary"
	"fmt"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// reader consumes a fixed-layout message body: a [wire.Decoder], whose
// first failure sticks, plus the keys and signatures of this package's
// messages. Decoders read all fields and check once; returned slices alias
// the input.
type reader struct{ *wire.Decoder }

// newReader returns a reader of body.
func newReader(body []byte) *reader { return &reader{wire.NewDecoder(body)} }

// publicKey reads a serialized X25519 key (0x05 || u) and checks it as
// [keys.ParsePublicKey] does.
func (r *reader) publicKey() keys.PublicKey {
	b := r.Bytes(keys.SerializedKeySize)
	if b == nil {
		return keys.PublicKey{}
	}
	k, err := keys.ParsePublicKey(b)
	if err != nil {
		r.Fail(err)
	}
	return k
}

// kemKey reads a serialized KEM key (type || key: 0x08 Kyber-1024 or 0x0A
// ML-KEM-1024), checked.
func (r *reader) kemKey() keys.KEMPublicKey {
	b := r.Bytes(1 + keys.KEMPublicKeySize)
	if b == nil {
		return keys.KEMPublicKey{}
	}
	k, err := keys.ParseKEMPublicKey(b)
	if err != nil {
		r.Fail(err)
	}
	return k
}

// signature reads an XEdDSA signature.
func (r *reader) signature() (s [keys.SignatureSize]byte) {
	copy(s[:], r.Bytes(keys.SignatureSize))
	return s
}

// fail marks the reader bad: a value read was out of range.
func (r *reader) fail(what string) { r.Fail(fmt.Errorf("%w: %s", wire.ErrRange, what)) }

// appendKey appends a serialized X25519 public key.
func appendKey(b []byte, k keys.PublicKey) []byte {
	return append(append(b, keys.TypeDJB), k[:]...)
}

// appendKEMKey appends a serialized KEM public key, type byte first.
func appendKEMKey(b []byte, k *keys.KEMPublicKey) []byte {
	return append(append(b, byte(k.Type)), k.Key[:]...)
}

// appendU16 appends v big-endian.
func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// appendU32 appends v big-endian.
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// appendU64 appends v big-endian.
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
