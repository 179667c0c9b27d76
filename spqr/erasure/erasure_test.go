package erasure

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// The messages SPQR v1 chunks (src/v1/chunked/send_ek.rs, send_ct.rs):
// header ‖ MAC (64 + 32), the ML-KEM-768 encapsulation key (1,152),
// ciphertext part 1 (960) and ciphertext part 2 ‖ MAC (128 + 32).
var spqrSizes = []struct {
	name string
	len  int
}{
	{"header+mac", 96},
	{"ek", 1152},
	{"ct1", 960},
	{"ct2+mac", 160},
}

// edgeSizes are lengths that exercise empty lanes and uneven lanes.
var edgeSizes = []struct {
	name string
	len  int
}{
	{"empty", 0},
	{"one element", 2},
	{"ten bytes", 10},
	{"one chunk", 32},
	{"uneven lanes", 1000},
	{"1088", 1088},
	{"max", MaxMessageLen},
}

// randomMessage returns n deterministic pseudo-random bytes.
func randomMessage(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	msg := make([]byte, n)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	return msg
}

// chunksNeeded is ceil(n/32): how many distinct chunks rebuild n bytes.
func chunksNeeded(n int) int {
	return (n + ChunkDataSize - 1) / ChunkDataSize
}

// mustEncoder returns an encoder for msg or fails the test.
func mustEncoder(t testing.TB, msg []byte) *Encoder {
	t.Helper()
	e, err := NewEncoder(msg)
	if err != nil {
		t.Fatalf("NewEncoder(%d bytes): %v", len(msg), err)
	}
	return e
}

// mustDecoder returns a decoder for n bytes or fails the test.
func mustDecoder(t testing.TB, n int) *Decoder {
	t.Helper()
	d, err := NewDecoder(n)
	if err != nil {
		t.Fatalf("NewDecoder(%d): %v", n, err)
	}
	return d
}

// span returns the indices from, from+1, ..., from+n-1 (wrapping at 65536).
func span(from, n int) []uint16 {
	out := make([]uint16, n)
	for i := range out {
		out[i] = uint16(from + i)
	}
	return out
}

// patterns returns the named orders in which chunks reach a decoder, for a
// message needing n chunks. Each holds exactly n distinct indices; rng
// shuffles and duplicates.
func patterns(n int, rng *rand.Rand) map[string][]uint16 {
	p := map[string][]uint16{
		"first N":          span(0, n),
		"only later":       span(n, n),
		"far indices":      span(65536-n, n),
		"half and half":    append(span(0, n/2), span(3*n, n-n/2)...),
		"reversed parity":  reversed(span(2*n, n)),
		"shuffled + dupes": nil,
	}
	distinct := rng.Perm(3*n + 1)[:n]
	var seq []uint16
	for _, x := range distinct {
		for range 1 + rng.IntN(3) {
			seq = append(seq, uint16(x))
		}
	}
	rng.Shuffle(len(seq), func(i, j int) { seq[i], seq[j] = seq[j], seq[i] })
	p["shuffled + dupes"] = seq
	return p
}

func reversed(s []uint16) []uint16 {
	out := make([]uint16, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// TestRoundTrip encodes the sizes SPQR uses and edge sizes, and decodes
// them from every pattern of chunks: the message appears exactly when the
// last needed distinct chunk arrives, and not one chunk before.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range append(spqrSizes, edgeSizes...) {
		msg := randomMessage(size.len, 9)
		n := chunksNeeded(size.len)
		for name, order := range patterns(n, rng) {
			t.Run(size.name+"/"+name, func(t *testing.T) {
				e := mustEncoder(t, msg)
				d := mustDecoder(t, size.len)
				seen := map[uint16]bool{}
				for _, i := range order {
					if _, ok := d.Message(); ok && len(seen) < n {
						t.Fatalf("decoded after %d of %d distinct chunks", len(seen), n)
					}
					seen[i] = true
					d.Add(e.Chunk(i))
				}
				got, ok := d.Message()
				if !ok {
					t.Fatalf("not decoded after %d distinct chunks", len(seen))
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("decoded message differs")
				}
			})
		}
	}
}

// TestOneShort checks that one distinct chunk fewer than needed never
// decodes, however many duplicates arrive.
func TestOneShort(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for _, size := range append(spqrSizes, edgeSizes[1:]...) {
		n := chunksNeeded(size.len)
		for name, order := range patterns(n, rng) {
			t.Run(size.name+"/"+name, func(t *testing.T) {
				e := mustEncoder(t, randomMessage(size.len, 12))
				d := mustDecoder(t, size.len)
				drop := order[len(order)-1]
				for _, i := range order {
					if i != drop {
						d.Add(e.Chunk(i))
						d.Add(e.Chunk(i))
					}
				}
				if got, ok := d.Message(); ok || got != nil {
					t.Fatalf("decoded from %d distinct chunks, need %d", n-1, n)
				}
			})
		}
	}
}

// TestEmptyMessage checks that an empty message is decoded at once, and
// that its chunks are all zero.
func TestEmptyMessage(t *testing.T) {
	d := mustDecoder(t, 0)
	got, ok := d.Message()
	if !ok || len(got) != 0 {
		t.Fatalf("Message() = %x, %v; want empty, true", got, ok)
	}
	if c := mustEncoder(t, nil).Chunk(5); c.Data != [ChunkDataSize]byte{} {
		t.Fatalf("chunk of the empty message is %x, want zeros", c.Data)
	}
}

// TestNextChunkSequence checks that NextChunk counts up from 0, agrees
// with Chunk, and wraps from 65535 to 0.
func TestNextChunkSequence(t *testing.T) {
	msg := randomMessage(1152, 13)
	e, r := mustEncoder(t, msg), mustEncoder(t, msg)
	for i := range 80 {
		c := e.NextChunk()
		if c.Index != uint16(i) || c != r.Chunk(uint16(i)) {
			t.Fatalf("NextChunk #%d = index %d, differs from Chunk(%d)", i, c.Index, i)
		}
	}
	e.next = 65535
	if c := e.NextChunk(); c.Index != 65535 || c != r.Chunk(65535) {
		t.Fatalf("chunk 65535 has index %d", c.Index)
	}
	if c := e.NextChunk(); c.Index != 0 || !bytes.Equal(c.Data[:], msg[:32]) {
		t.Fatalf("after 65535 came index %d, want 0 with the message's first bytes", c.Index)
	}
}

// TestSystematicChunks checks that chunk i of a message is bytes 32i..32i+31
// of it while those exist.
func TestSystematicChunks(t *testing.T) {
	msg := randomMessage(1000, 14)
	e := mustEncoder(t, msg)
	for i := range len(msg) / ChunkDataSize {
		if c := e.Chunk(uint16(i)); !bytes.Equal(c.Data[:], msg[32*i:32*i+32]) {
			t.Fatalf("chunk %d is not the message's bytes %d..%d", i, 32*i, 32*i+31)
		}
	}
	// The last, partial chunk: lanes 0..3 still hold message elements.
	c := e.Chunk(31)
	if !bytes.Equal(c.Data[:8], msg[992:]) {
		t.Fatalf("partial chunk starts %x, want %x", c.Data[:8], msg[992:])
	}
}

// TestLengthErrors checks the length rules of both constructors.
func TestLengthErrors(t *testing.T) {
	for _, n := range []int{-2, -1, 1, 3, 1151, MaxMessageLen + 1, MaxMessageLen + 2} {
		if _, err := NewDecoder(n); !errors.Is(err, ErrMessageLength) {
			t.Errorf("NewDecoder(%d) error = %v, want ErrMessageLength", n, err)
		}
		if n < 0 {
			continue
		}
		if _, err := NewEncoder(make([]byte, n)); !errors.Is(err, ErrMessageLength) {
			t.Errorf("NewEncoder(%d bytes) error = %v, want ErrMessageLength", n, err)
		}
	}
}

// TestEncoderCopiesMessage checks that changing the caller's slice after
// NewEncoder does not change the chunks.
func TestEncoderCopiesMessage(t *testing.T) {
	msg := randomMessage(96, 15)
	want := bytes.Clone(msg)
	e := mustEncoder(t, msg)
	msg[0] ^= 0xff
	if c := e.Chunk(0); !bytes.Equal(c.Data[:], want[:32]) {
		t.Fatal("encoder shares the caller's message")
	}
}
