package erasure

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// The saved-state formats. Both start with a format version and a kind
// byte, so that one kind's state is never read as the other's.
//
//	encoder, version 1: 0x01 0x45 | next index (u16) | message (u16 length, bytes)
//	decoder, version 1: 0x01 0x44 | message length (u16) |
//	                    16 × lane points (u16 length, then per point x (u16), y (u16))
//
// All integers are big-endian. A decoder's lane lists its points by strictly
// increasing x and holds at most as many points at positions at or beyond
// its element count as it has elements, as [Decoder.Add] leaves it.
const (
	stateVersion1 = 0x01
	kindEncoder   = 'E'
	kindDecoder   = 'D'
	pointSize     = 4
)

// MarshalBinary saves the encoder: its message and the index of its next
// chunk. It never fails.
func (e *Encoder) MarshalBinary() ([]byte, error) {
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, 6+len(e.msg)))
	b.AddUint8(stateVersion1)
	b.AddUint8(kindEncoder)
	b.AddUint16(e.next)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.msg) })
	return b.Bytes()
}

// UnmarshalEncoder reads a state saved by [Encoder.MarshalBinary]. It
// returns an error wrapping [ErrStateVersion] for another format or kind,
// and [ErrStateMalformed] for anything else it would not have written.
func UnmarshalEncoder(data []byte) (*Encoder, error) {
	s := cryptobyte.String(data)
	if err := readHeader(&s, kindEncoder); err != nil {
		return nil, err
	}
	var next uint16
	var msg cryptobyte.String
	if !s.ReadUint16(&next) || !s.ReadUint16LengthPrefixed(&msg) || !s.Empty() {
		return nil, fmt.Errorf("%w: encoder state is truncated or has trailing bytes", ErrStateMalformed)
	}
	e, err := NewEncoder(msg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateMalformed, err)
	}
	e.next = next
	return e, nil
}

// MarshalBinary saves the decoder: its message length and the points it
// kept. It never fails.
func (d *Decoder) MarshalBinary() ([]byte, error) {
	size := 4 + 2*lanes
	for p := range lanes {
		size += pointSize * d.count[p]
	}
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, size))
	b.AddUint8(stateVersion1)
	b.AddUint8(kindDecoder)
	b.AddUint16(uint16(d.length))
	for p := range lanes {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, q := range d.lane(p) {
				b.AddUint16(uint16(q.x))
				b.AddUint16(uint16(q.y))
			}
		})
	}
	return b.Bytes()
}

// UnmarshalDecoder reads a state saved by [Decoder.MarshalBinary]. It
// returns an error wrapping [ErrStateVersion] for another format or kind,
// and [ErrStateMalformed] for anything else, including a state that
// [Decoder.Add] could never have reached.
func UnmarshalDecoder(data []byte) (*Decoder, error) {
	s := cryptobyte.String(data)
	if err := readHeader(&s, kindDecoder); err != nil {
		return nil, err
	}
	var length uint16
	if !s.ReadUint16(&length) {
		return nil, fmt.Errorf("%w: decoder state is truncated", ErrStateMalformed)
	}
	d, err := NewDecoder(int(length))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateMalformed, err)
	}
	for p := range lanes {
		var raw cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&raw) {
			return nil, fmt.Errorf("%w: decoder state is truncated in lane %d", ErrStateMalformed, p)
		}
		if d.count[p], err = readLane(raw, d.need(p), d.buf[d.start[p]:d.start[p+1]]); err != nil {
			return nil, fmt.Errorf("%w: lane %d: %w", ErrStateMalformed, p, err)
		}
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: decoder state has trailing bytes", ErrStateMalformed)
	}
	return d, nil
}

// readHeader consumes the format version and kind, which must be version 1
// of the given kind.
func readHeader(s *cryptobyte.String, kind uint8) error {
	var version, got uint8
	if !s.ReadUint8(&version) || !s.ReadUint8(&got) {
		return fmt.Errorf("%w: state is truncated", ErrStateMalformed)
	}
	if version != stateVersion1 || got != kind {
		return fmt.Errorf("%w: version %d, kind %q (want version %d, kind %q)",
			ErrStateVersion, version, got, stateVersion1, kind)
	}
	return nil
}

// readLane parses one lane's points for a lane of need elements into room,
// and returns how many there were. It checks the invariants [Decoder.Add]
// keeps: strictly increasing x, at most need points at positions need or
// beyond, and so at most 2·need points (the size of room).
func readLane(raw cryptobyte.String, need int, room []point) (int, error) {
	if len(raw)%pointSize != 0 {
		return 0, fmt.Errorf("point list of %d bytes", len(raw))
	}
	n := len(raw) / pointSize
	if n > len(room) {
		return 0, fmt.Errorf("%d points for %d elements", n, need)
	}
	high := 0
	for i := range n {
		var x, y uint16
		raw.ReadUint16(&x)
		raw.ReadUint16(&y)
		if i > 0 && gf(x) <= room[i-1].x {
			return 0, fmt.Errorf("point at %d out of order", x)
		}
		if int(x) >= need {
			high++
		}
		room[i] = point{gf(x), gf(y)}
	}
	if high > need {
		return 0, fmt.Errorf("%d points beyond %d elements", high, need)
	}
	return n, nil
}
