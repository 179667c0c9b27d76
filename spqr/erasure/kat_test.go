package erasure

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// lanesOf reads a chunk's data as its 16 lane values.
func lanesOf(c Chunk) (v [lanes]uint16) {
	for p := range v {
		v[p] = binary.BigEndian.Uint16(c.Data[2*p:])
	}
	return v
}

// messageFromLanes builds a message of elems elements from lane values:
// element 16j+p is vals[p][j], and zero where vals gives none.
func messageFromLanes(elems int, vals map[int][]uint16) []byte {
	msg := make([]byte, 2*elems)
	for p, col := range vals {
		for j, v := range col {
			binary.BigEndian.PutUint16(msg[2*(lanes*j+p):], v)
		}
	}
	return msg
}

// TestKnownChunks checks parity chunks worked out by hand.
func TestKnownChunks(t *testing.T) {
	// Two points per lane (64 bytes): the line through (0, a) and (1, b)
	// is f(x) = a + (a+b)·x.
	//   lane 0: a = x^15, b = 0:  f = x^15·(1+x); f(2) = x^15·(x+1) =
	//           0x100b ^ 0x8000 = 0x900b, f(3) = x^16 = 0x100b,
	//           f(0x8000) = x^15 + x^30 = 0x8000 ^ 0x8efa = 0x0efa.
	//   lane 1: a = 1, b = 0:     f = 1 + x.
	//   lane 2: a = 0, b = 1:     f = x, so f(i) = i.
	//   lane 3: a = b = 5:        f = 5.
	line := messageFromLanes(32, map[int][]uint16{
		0: {0x8000, 0x0000}, 1: {0x0001, 0x0000}, 2: {0x0000, 0x0001}, 3: {0x0005, 0x0005},
	})
	// Three points per lane (96 bytes, the size of SPQR's header ‖ MAC):
	// lane 0 holds 0, 1, 4 = f(0), f(1), f(2) for f(x) = x^2, so f(3) =
	// (x+1)^2 = x^2+1 = 5 and f(0x100) = x^16 = 0x100b.
	square := messageFromLanes(48, map[int][]uint16{0: {0, 1, 4}})

	tests := []struct {
		name  string
		msg   []byte
		index uint16
		want  [lanes]uint16
	}{
		{"line at 2", line, 2, [lanes]uint16{0x900b, 0x0003, 0x0002, 0x0005}},
		{"line at 3", line, 3, [lanes]uint16{0x100b, 0x0002, 0x0003, 0x0005}},
		{"line at 0x8000", line, 0x8000, [lanes]uint16{0x0efa, 0x8001, 0x8000, 0x0005}},
		{"line at 1 is the message", line, 1, [lanes]uint16{0x0000, 0x0000, 0x0001, 0x0005}},
		{"square at 3", square, 3, [lanes]uint16{0x0005}},
		{"square at 0x100", square, 0x100, [lanes]uint16{0x100b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustEncoder(t, tt.msg).Chunk(tt.index)
			if got := lanesOf(c); got != tt.want {
				t.Fatalf("chunk %#x = %04x, want %04x", tt.index, got, tt.want)
			}
			// A decoder given only this chunk and other parity chunks
			// gets the message back.
			d := mustDecoder(t, len(tt.msg))
			d.Add(c)
			e := mustEncoder(t, tt.msg)
			for i := uint16(1000); ; i++ {
				if _, ok := d.Message(); ok {
					break
				}
				d.Add(e.Chunk(i))
			}
			if got, _ := d.Message(); !bytes.Equal(got, tt.msg) {
				t.Fatalf("decoded %x, want %x", got, tt.msg)
			}
		})
	}
}

// TestRustEncodeAndDecodeSmall follows the Rust test encode_and_decode_small
// (src/encoding/polynomial.rs): "abcdefghij" decodes from chunks 1 and 2.
// Five elements put one point in lanes 0-4 and none in lanes 5-15, so every
// lane's polynomial is constant (zero for the empty lanes) and every chunk
// is the message followed by 22 zero bytes.
func TestRustEncodeAndDecodeSmall(t *testing.T) {
	msg := []byte("abcdefghij")
	var want [ChunkDataSize]byte
	copy(want[:], msg)
	e := mustEncoder(t, msg)
	for _, i := range []uint16{0, 1, 2, 77, 65535} {
		if c := e.Chunk(i); c.Data != want {
			t.Fatalf("chunk %d = %x, want %x", i, c.Data, want)
		}
	}
	d := mustDecoder(t, len(msg))
	d.Add(e.Chunk(1))
	d.Add(e.Chunk(2))
	if got, ok := d.Message(); !ok || !bytes.Equal(got, msg) {
		t.Fatalf("Message() = %q, %v; want %q", got, ok, msg)
	}
}

// TestRustEncodeAndDecodeLarge follows the Rust test
// encode_and_decode_large: 1,088 bytes of 3 decode from chunks 35..70, none
// of which holds message bytes. A constant message makes every lane's
// polynomial the constant 0x0303, so every chunk is 32 bytes of 3.
func TestRustEncodeAndDecodeLarge(t *testing.T) {
	msg := bytes.Repeat([]byte{3}, 1088)
	e := mustEncoder(t, msg)
	for _, i := range []uint16{0, 33, 34, 35, 70, 4242, 65535} {
		if c := e.Chunk(i); !bytes.Equal(c.Data[:], msg[:32]) {
			t.Fatalf("chunk %d = %x, want all 03", i, c.Data)
		}
	}
	d := mustDecoder(t, len(msg))
	for i := uint16(35); i <= 70; i++ {
		d.Add(e.Chunk(i))
		if got, ok := d.Message(); ok {
			if !bytes.Equal(got, msg) {
				t.Fatalf("decoded %x", got)
			}
			if i != 35+33 {
				t.Fatalf("decoded after chunk %d, want after the 34th (68)", i)
			}
			return
		}
	}
	t.Fatal("not decoded from chunks 35..70")
}
