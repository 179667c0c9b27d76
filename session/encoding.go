package session

import (
	"fmt"

	"ratchat/internal/wire"
	"ratchat/keys"
)

// encoder appends the session state's fields: [wire.Encoder]'s big-endian
// integers, plus keys and u16-prefixed blobs.
type encoder struct{ wire.Encoder }

func (e *encoder) key(k [32]byte) { e.Bytes(k[:]) }
func (e *encoder) blob(b []byte)  { e.U16(uint16(len(b))); e.Bytes(b) }

// decoder reads what [encoder] wrote. Its first failure sticks, so callers
// check it once at the end, with [wire.Decoder.Done].
type decoder struct{ *wire.Decoder }

func (d decoder) key() (k [32]byte) {
	copy(k[:], d.Bytes(32))
	return k
}

// publicKey reads a raw public key and checks it as keys.NewPublicKey does.
func (d decoder) publicKey() keys.PublicKey {
	raw := d.Bytes(keys.KeySize)
	if raw == nil {
		return keys.PublicKey{}
	}
	k, err := keys.NewPublicKey(raw)
	if err != nil {
		d.Fail(err)
	}
	return k
}

// count reads a u16 count and fails if it exceeds limit.
func (d decoder) count(limit int, what string) int {
	n := int(d.U16())
	if n > limit {
		d.fail("%w: %d %s, at most %d", wire.ErrRange, n, what, limit)
		return 0
	}
	return n
}

// fail records a failure unless one is recorded already.
func (d decoder) fail(format string, args ...any) { d.Fail(fmt.Errorf(format, args...)) }
