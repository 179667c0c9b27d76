package session

import (
	"encoding/binary"

	"ratchat/keys"
)

// encoder appends fixed-width big-endian fields to a buffer.
type encoder struct{ buf []byte }

func (e *encoder) u8(v uint8)     { e.buf = append(e.buf, v) }
func (e *encoder) u16(v uint16)   { e.buf = binary.BigEndian.AppendUint16(e.buf, v) }
func (e *encoder) u32(v uint32)   { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }
func (e *encoder) bytes(b []byte) { e.buf = append(e.buf, b...) }
func (e *encoder) key(k [32]byte) { e.buf = append(e.buf, k[:]...) }
func (e *encoder) flag(b bool)    { e.u8(boolByte(b)) }
func (e *encoder) blob(b []byte)  { e.u16(uint16(len(b))); e.bytes(b) }
func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// decoder reads what [encoder] wrote. The first failure sticks in err and
// every later read returns zeros, so callers check err once at the end.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.buf) < n {
		d.err = malformed("session state truncated")
		return nil
	}
	out := d.buf[:n]
	d.buf = d.buf[n:]
	return out
}

func (d *decoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) key() (k [32]byte) {
	copy(k[:], d.take(32))
	return k
}

// publicKey reads a raw public key and checks it as keys.NewPublicKey does.
func (d *decoder) publicKey() keys.PublicKey {
	raw := d.take(keys.KeySize)
	if raw == nil {
		return keys.PublicKey{}
	}
	k, err := keys.NewPublicKey(raw)
	if err != nil {
		d.err = malformed("session state: %v", err)
	}
	return k
}

func (d *decoder) flag() bool {
	switch d.u8() {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail("session state: bad flag")
		return false
	}
}

// count reads a u16 count and fails if it exceeds limit.
func (d *decoder) count(limit int, what string) int {
	n := int(d.u16())
	if n > limit {
		d.fail("session state: %d %s, at most %d", n, what, limit)
		return 0
	}
	return n
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = malformed(format, args...)
	}
}
