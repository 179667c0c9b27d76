package erasure

import (
	"crypto/sha256"
	"testing"
)

// The benchmarks time SPQR's largest message, the 1,152-byte encapsulation
// key, next to two baselines on the same bytes in the same run (copying
// them into 36 chunks, and hashing them with SHA-256), so that results read
// as ratios.

var benchSink byte

// benchBaselines adds the copy and SHA-256 baselines for msg.
func benchBaselines(b *testing.B, msg []byte) {
	b.Run("baseline-copy", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		var chunks [36]Chunk
		for b.Loop() {
			for i := range chunks {
				chunks[i].Index = uint16(i)
				copy(chunks[i].Data[:], msg[32*i:])
			}
		}
		benchSink = chunks[35].Data[31]
	})
	b.Run("baseline-sha256", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			sum := sha256.Sum256(msg)
			benchSink = sum[0]
		}
	})
}

// BenchmarkEncode1152 times a new encoder handing out the 36 chunks that
// carry the message, 36 parity chunks (its polynomials computed on the way),
// and one more parity chunk from a warm encoder.
func BenchmarkEncode1152(b *testing.B) {
	msg := randomMessage(1152, 50)
	benchBaselines(b, msg)
	b.Run("systematic-36", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			e, _ := NewEncoder(msg)
			for range 36 {
				benchSink = e.NextChunk().Data[0]
			}
		}
	})
	b.Run("parity-36", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			e, _ := NewEncoder(msg)
			for i := range uint16(36) {
				benchSink = e.Chunk(36 + i).Data[0]
			}
		}
	})
	b.Run("one-parity-warm", func(b *testing.B) {
		e, _ := NewEncoder(msg)
		e.Chunk(36)
		i := uint16(36)
		for b.Loop() {
			benchSink = e.Chunk(i).Data[0]
			i = max(i+1, 36)
		}
	})
}

// BenchmarkDecode1152 times a new decoder rebuilding the message from the 36
// chunks that carry it and from 36 parity chunks, asking for the message
// once at the end or after every chunk, as SPQR does.
func BenchmarkDecode1152(b *testing.B) {
	msg := randomMessage(1152, 51)
	e, _ := NewEncoder(msg)
	var systematic, parity [36]Chunk
	for i := range 36 {
		systematic[i], parity[i] = e.Chunk(uint16(i)), e.Chunk(uint16(100+i))
	}
	benchBaselines(b, msg)
	run := func(name string, chunks []Chunk, askEach bool) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				d, _ := NewDecoder(len(msg))
				for _, c := range chunks {
					d.Add(c)
					if askEach {
						d.Message()
					}
				}
				out, ok := d.Message()
				if !ok {
					b.Fatal("not decoded")
				}
				benchSink = out[0]
			}
		})
	}
	run("systematic-36", systematic[:], false)
	run("parity-36", parity[:], false)
	run("parity-36-ask-each", parity[:], true)
}
