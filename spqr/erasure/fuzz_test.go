package erasure

import (
	"bytes"
	"testing"
)

// fuzzSizes are the message lengths FuzzDecoderAdd picks from.
var fuzzSizes = []int{96, 1152, 960, 160, 0, 10, 1000}

// fuzzEncoders holds one encoder per fuzz size, its parity polynomials
// already computed, so that each run of FuzzDecoderAdd only decodes.
var fuzzEncoders = func() []*Encoder {
	out := make([]*Encoder, len(fuzzSizes))
	for i, n := range fuzzSizes {
		out[i], _ = NewEncoder(randomMessage(n, 40))
		out[i].Chunk(65535)
	}
	return out
}()

// FuzzDecoderAdd feeds a decoder a mix of honest and hostile chunks. Input:
// a size selector byte, then records of a flag byte and a 2-byte index; a
// record with flag bit 0 set is hostile and takes up to 32 more bytes as its
// data. It checks that lanes stay bounded, that the state survives a save
// and restore, and, when every chunk was honest, that the message appears
// exactly when enough distinct chunks arrived and is the right one.
func FuzzDecoderAdd(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 1, 0, 0, 2})
	f.Add([]byte{0, 0, 0, 50, 0, 0, 51, 0, 0, 52, 1, 0, 53, 0xde, 0xad})
	f.Add(append([]byte{5, 1, 0, 0}, bytes.Repeat([]byte{0xff}, 32)...))
	f.Fuzz(checkDecoderAdd)
}

// checkDecoderAdd is the body of FuzzDecoderAdd.
func checkDecoderAdd(t *testing.T, data []byte) {
	if len(data) == 0 {
		return
	}
	size := fuzzSizes[int(data[0])%len(fuzzSizes)]
	msg := randomMessage(size, 40)
	e, d := mustEncoder(t, msg), mustDecoder(t, size)
	data = data[1:]
	honest, seen := true, map[uint16]bool{}
	for len(data) >= 3 {
		flag, idx := data[0], uint16(data[1])<<8|uint16(data[2])
		data = data[3:]
		c := e.Chunk(idx)
		if flag&1 == 1 {
			honest = false
			n := copy(c.Data[:], data)
			data = data[n:]
		}
		if !seen[idx] && len(seen) < chunksNeeded(size) {
			// Lane 0 needs the most points; until it has them
			// the message must not appear.
			if _, ok := d.Message(); ok && honest {
				t.Fatalf("decoded after %d distinct chunks of %d", len(seen), chunksNeeded(size))
			}
		}
		seen[idx] = true
		d.Add(c)
	}
	for p := range lanes {
		if d.count[p] > 2*d.need(p) {
			t.Fatalf("lane %d holds %d points for %d elements", p, d.count[p], d.need(p))
		}
	}
	got, ok := d.Message()
	if honest {
		if want := len(seen) >= chunksNeeded(size); ok != want {
			t.Fatalf("decoded = %v from %d distinct chunks of %d", ok, len(seen), chunksNeeded(size))
		}
		if ok && !bytes.Equal(got, msg) {
			t.Fatal("honest chunks decoded to another message")
		}
	}
	state, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r, err := UnmarshalDecoder(state)
	if err != nil {
		t.Fatalf("a reached state is refused: %v", err)
	}
	if got2, ok2 := r.Message(); ok2 != ok || !bytes.Equal(got2, got) {
		t.Fatal("restored decoder decodes differently")
	}
}

// FuzzUnmarshalDecoder parses arbitrary bytes as a decoder state. What it
// accepts must save back to the same bytes, stay within its bounds and
// decode without panicking.
func FuzzUnmarshalDecoder(f *testing.F) {
	d := mustDecoder(f, 96)
	e := mustEncoder(f, randomMessage(96, 41))
	f.Add(mustMarshal(f, d))
	d.Add(e.Chunk(0))
	d.Add(e.Chunk(9))
	f.Add(mustMarshal(f, d))
	d.Add(e.Chunk(2))
	f.Add(mustMarshal(f, d))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := UnmarshalDecoder(data)
		if err != nil {
			return
		}
		if again := mustMarshal(t, d); !bytes.Equal(again, data) {
			t.Fatalf("state %x saves back as %x", data, again)
		}
		for p := range lanes {
			if d.count[p] > 2*d.need(p) {
				t.Fatalf("lane %d holds %d points for %d elements", p, d.count[p], d.need(p))
			}
		}
		if got, ok := d.Message(); ok && len(got) != d.MessageLen() {
			t.Fatalf("decoded %d bytes, want %d", len(got), d.MessageLen())
		}
		d.Add(Chunk{Index: 1})
		d.Message()
	})
}

// FuzzUnmarshalEncoder parses arbitrary bytes as an encoder state. What it
// accepts must save back to the same bytes and produce chunks that decode
// to its message.
func FuzzUnmarshalEncoder(f *testing.F) {
	for _, n := range []int{0, 10, 96} {
		e := mustEncoder(f, randomMessage(n, 42))
		f.Add(mustMarshal(f, e))
		e.NextChunk()
		f.Add(mustMarshal(f, e))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := UnmarshalEncoder(data)
		if err != nil {
			return
		}
		if again := mustMarshal(t, e); !bytes.Equal(again, data) {
			t.Fatalf("state %x saves back as %x", data, again)
		}
		d := mustDecoder(t, e.MessageLen())
		for range chunksNeeded(e.MessageLen()) {
			d.Add(e.NextChunk())
		}
		if got, ok := d.Message(); !ok || !bytes.Equal(got, e.msg) {
			t.Fatal("the encoder's chunks do not decode to its message")
		}
	})
}

// mustMarshal saves v or fails the test.
func mustMarshal(t testing.TB, v interface{ MarshalBinary() ([]byte, error) }) []byte {
	t.Helper()
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
