package erasure

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestDecoderBounded feeds a decoder every index with garbage, twice, and
// checks that no lane holds more than twice its element count, for each
// SPQR size.
func TestDecoderBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 21))
	for _, size := range spqrSizes {
		t.Run(size.name, func(t *testing.T) {
			d := mustDecoder(t, size.len)
			for range 2 {
				for _, i := range rng.Perm(1 << 16) {
					c := Chunk{Index: uint16(i)}
					for j := range c.Data {
						c.Data[j] = byte(rng.Uint32())
					}
					d.Add(c)
				}
			}
			for p := range lanes {
				if got, limit := d.count[p], 2*d.need(p); got > limit {
					t.Fatalf("lane %d holds %d points, limit %d", p, got, limit)
				}
			}
			state, err := d.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if limit := 4 + 2*lanes + 2*size.len*pointSize/2; len(state) > limit {
				t.Fatalf("state is %d bytes, limit %d", len(state), limit)
			}
			if got, ok := d.Message(); !ok || len(got) != size.len {
				t.Fatalf("Message() = %d bytes, %v; want %d bytes, true", len(got), ok, size.len)
			}
		})
	}
}

// corrupt returns c with its data inverted.
func corrupt(c Chunk) Chunk {
	for i := range c.Data {
		c.Data[i] ^= 0xff
	}
	return c
}

// TestDecoderFirstValueWins checks that a second chunk at an index already
// seen is ignored, in both orders.
func TestDecoderFirstValueWins(t *testing.T) {
	msg := randomMessage(960, 22)
	e := mustEncoder(t, msg)
	tests := []struct {
		name      string
		first     Chunk
		then      Chunk
		wantclean bool
	}{
		{"honest then corrupted", e.Chunk(40), corrupt(e.Chunk(40)), true},
		{"corrupted then honest", corrupt(e.Chunk(40)), e.Chunk(40), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDecoder(t, len(msg))
			d.Add(tt.first)
			d.Add(tt.then)
			for i := uint16(41); i < 41+29; i++ {
				d.Add(e.Chunk(i))
			}
			got, ok := d.Message()
			if !ok {
				t.Fatal("not decoded")
			}
			if clean := bytes.Equal(got, msg); clean != tt.wantclean {
				t.Fatalf("decoded cleanly = %v, want %v", clean, tt.wantclean)
			}
		})
	}
}

// TestDecoderPrefersMessagePositions checks Signal's rule that a chunk at a
// message position is kept even after the lanes are full, that its values
// are then read as they are, and that the interpolation for the other
// positions uses the lowest positions, this one included. (With honest
// chunks any choice gives the message; the rule matters only in that both
// implementations pick the same points.)
func TestDecoderPrefersMessagePositions(t *testing.T) {
	msg := randomMessage(1152, 23)
	e := mustEncoder(t, msg)
	d := mustDecoder(t, len(msg))
	for i := uint16(100); i < 136; i++ {
		d.Add(e.Chunk(i))
	}
	d.Add(e.Chunk(136)) // the lanes are full: ignored
	bad := corrupt(e.Chunk(0))
	d.Add(bad)
	got, ok := d.Message()
	if !ok {
		t.Fatal("not decoded")
	}
	if !bytes.Equal(got[:32], bad.Data[:]) {
		t.Fatal("position 0 was not read from chunk 0")
	}
	if bytes.Equal(got[32:64], msg[32:64]) {
		t.Fatal("position 1 was not interpolated through chunk 0")
	}
	for p := range lanes {
		if n := d.count[p]; n != 37 {
			t.Fatalf("lane %d holds %d points, want 36 parity + chunk 0", p, n)
		}
	}
}

// TestDecoderMessageFresh checks that Message returns a new slice each time.
func TestDecoderMessageFresh(t *testing.T) {
	msg := randomMessage(96, 24)
	e, d := mustEncoder(t, msg), mustDecoder(t, len(msg))
	for range 3 {
		d.Add(e.NextChunk())
	}
	a, _ := d.Message()
	a[0] ^= 1
	if b, _ := d.Message(); !bytes.Equal(b, msg) {
		t.Fatal("changing one result changed the next")
	}
}
