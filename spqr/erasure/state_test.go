package erasure

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestDecoderStateMidDecode saves and restores a decoder halfway through
// every chunk pattern, for each SPQR size, and finishes decoding on the
// restored copy.
func TestDecoderStateMidDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 31))
	for _, size := range append(spqrSizes, edgeSizes...) {
		msg := randomMessage(size.len, 32)
		for name, order := range patterns(chunksNeeded(size.len), rng) {
			t.Run(size.name+"/"+name, func(t *testing.T) {
				e, d := mustEncoder(t, msg), mustDecoder(t, size.len)
				half := len(order) / 2
				for _, i := range order[:half] {
					d.Add(e.Chunk(i))
				}
				state, err := d.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				r, err := UnmarshalDecoder(state)
				if err != nil {
					t.Fatalf("UnmarshalDecoder: %v", err)
				}
				if again, _ := r.MarshalBinary(); !bytes.Equal(again, state) {
					t.Fatal("restored decoder saves differently")
				}
				if r.MessageLen() != size.len {
					t.Fatalf("restored length %d, want %d", r.MessageLen(), size.len)
				}
				for _, i := range order[half:] {
					r.Add(e.Chunk(i))
				}
				if got, ok := r.Message(); !ok || !bytes.Equal(got, msg) {
					t.Fatalf("restored decoder gives %d bytes, %v", len(got), ok)
				}
			})
		}
	}
}

// TestEncoderStateMidStream saves and restores an encoder before and after
// it has computed its parity polynomials; the restored copy continues the
// same sequence of chunks.
func TestEncoderStateMidStream(t *testing.T) {
	for _, size := range append(spqrSizes, edgeSizes...) {
		t.Run(size.name, func(t *testing.T) {
			msg := randomMessage(size.len, 33)
			e := mustEncoder(t, msg)
			n := chunksNeeded(size.len)
			for _, stop := range []int{n / 2, n + 3} {
				for int(e.next) < stop {
					e.NextChunk()
				}
				state, err := e.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				r, err := UnmarshalEncoder(state)
				if err != nil {
					t.Fatalf("UnmarshalEncoder: %v", err)
				}
				if again, _ := r.MarshalBinary(); !bytes.Equal(again, state) {
					t.Fatal("restored encoder saves differently")
				}
				if r.MessageLen() != size.len {
					t.Fatalf("restored length %d, want %d", r.MessageLen(), size.len)
				}
				cp := *e
				for range 5 {
					if a, b := cp.NextChunk(), r.NextChunk(); a != b {
						t.Fatalf("after restore at %d: chunk %d differs from %d", stop, b.Index, a.Index)
					}
				}
			}
		})
	}
}

// TestRustToAndFromPB follows the Rust test to_and_from_pb
// (src/encoding/polynomial.rs): 1,088 bytes of 3, chunks 2..33 given to a
// decoder, both sides saved and restored, then chunks 34 and 35 from the
// restored encoder complete the message.
func TestRustToAndFromPB(t *testing.T) {
	msg := bytes.Repeat([]byte{3}, 1088)
	e, d := mustEncoder(t, msg), mustDecoder(t, len(msg))
	for i := uint16(2); i < 34; i++ {
		d.Add(e.Chunk(i))
	}
	es, _ := e.MarshalBinary()
	ds, _ := d.MarshalBinary()
	e2, err := UnmarshalEncoder(es)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := UnmarshalDecoder(ds)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d2.Message(); ok {
		t.Fatal("decoded from 32 of 34 chunks")
	}
	d2.Add(e2.Chunk(34))
	d2.Add(e2.Chunk(35))
	if got, ok := d2.Message(); !ok || !bytes.Equal(got, msg) {
		t.Fatalf("Message() = %x, %v", got, ok)
	}
}

// TestStateFormat pins the saved formats byte for byte.
func TestStateFormat(t *testing.T) {
	e := mustEncoder(t, []byte{0xaa, 0xbb})
	e.NextChunk()
	got, _ := e.MarshalBinary()
	if want := []byte{1, 'E', 0, 1, 0, 2, 0xaa, 0xbb}; !bytes.Equal(got, want) {
		t.Fatalf("encoder state %x, want %x", got, want)
	}
	d := mustDecoder(t, 2)
	d.Add(e.Chunk(7))
	got, _ = d.MarshalBinary()
	want := []byte{1, 'D', 0, 2, 0, 4, 0, 7, 0xaa, 0xbb}
	want = append(want, make([]byte, 2*(lanes-1))...)
	if !bytes.Equal(got, want) {
		t.Fatalf("decoder state %x, want %x", got, want)
	}
}

// TestStateErrors checks that each kind of bad state is refused with the
// right error.
func TestStateErrors(t *testing.T) {
	empty := make([]byte, 2*lanes) // 16 empty lanes
	decoder := func(length uint16, lane0 ...byte) []byte {
		s := []byte{1, 'D', byte(length >> 8), byte(length), 0, byte(len(lane0))}
		s = append(s, lane0...)
		return append(s, empty[2:]...)
	}
	tests := []struct {
		name    string
		encoder bool
		data    []byte
		want    error
	}{
		{"encoder: empty", true, nil, ErrStateMalformed},
		{"encoder: version 2", true, []byte{2, 'E', 0, 0, 0, 0}, ErrStateVersion},
		{"encoder: decoder's kind", true, []byte{1, 'D', 0, 0, 0, 0}, ErrStateVersion},
		{"encoder: truncated message", true, []byte{1, 'E', 0, 0, 0, 4, 1, 2}, ErrStateMalformed},
		{"encoder: trailing byte", true, []byte{1, 'E', 0, 0, 0, 2, 1, 2, 3}, ErrStateMalformed},
		{"encoder: odd message", true, []byte{1, 'E', 0, 0, 0, 1, 1}, ErrStateMalformed},
		{"encoder: message too long", true, append([]byte{1, 'E', 0, 0, 0x20, 0x02}, make([]byte, MaxMessageLen+2)...), ErrStateMalformed},
		{"decoder: empty", false, nil, ErrStateMalformed},
		{"decoder: version 0", false, []byte{0, 'D', 0, 0}, ErrStateVersion},
		{"decoder: encoder's kind", false, []byte{1, 'E', 0, 0}, ErrStateVersion},
		{"decoder: no lanes", false, []byte{1, 'D', 0, 2}, ErrStateMalformed},
		{"decoder: odd length", false, decoder(3), ErrStateMalformed},
		{"decoder: too long", false, decoder(MaxMessageLen + 2), ErrStateMalformed},
		{"decoder: trailing byte", false, append(decoder(2), 0), ErrStateMalformed},
		{"decoder: partial point", false, decoder(64, 0, 1, 2), ErrStateMalformed},
		{"decoder: points out of order", false, decoder(64, 0, 1, 0, 0, 0, 0, 0, 0), ErrStateMalformed},
		{"decoder: repeated position", false, decoder(64, 0, 1, 0, 0, 0, 1, 0, 0), ErrStateMalformed},
		{"decoder: point in an empty lane", false, decoder(0, 0, 0, 0, 0), ErrStateMalformed},
		{"decoder: too many points", false, decoder(2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0), ErrStateMalformed},
		{"decoder: two points beyond one element", false, decoder(2, 0, 1, 0, 0, 0, 2, 0, 0), ErrStateMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.encoder {
				_, err = UnmarshalEncoder(tt.data)
			} else {
				_, err = UnmarshalDecoder(tt.data)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
	// The lanes one element fills hold a point at 0 and one beyond: valid.
	if _, err := UnmarshalDecoder(decoder(2, 0, 0, 0, 0, 0, 9, 0, 0)); err != nil {
		t.Fatalf("a reachable state is refused: %v", err)
	}
}
