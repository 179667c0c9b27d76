package braid

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"ratchat/spqr/erasure"
)

func seqChunk(index uint16) erasure.Chunk {
	c := erasure.Chunk{Index: index}
	for i := range c.Data {
		c.Data[i] = byte(i)
	}
	return c
}

func seqData() []byte { c := seqChunk(0); return c.Data[:] }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestSerializeLayout checks the bytes against the layout of
// Message::serialize in src/v1/chunked/states/serialize.rs: version 1,
// varint epoch, varint index, type byte, then for chunk types a varint
// chunk index and 32 bytes. The varint 0x012C = AC 02 is the reference's
// own test (encoding_varint).
func TestSerializeLayout(t *testing.T) {
	tests := []struct {
		name  string
		msg   Message
		index uint32
		want  []byte
	}{
		{"none", Message{Epoch: 1, Type: TypeNone}, 0, []byte{1, 1, 0, 0}},
		{"ct1 ack", Message{Epoch: 2, Type: TypeCt1Ack}, 5, []byte{1, 2, 5, 4}},
		{"none ignores chunk", Message{Epoch: 1, Type: TypeNone, Chunk: seqChunk(9)}, 0, []byte{1, 1, 0, 0}},
		{"hdr", Message{Epoch: 1, Type: TypeHdr, Chunk: seqChunk(0)}, 0, cat([]byte{1, 1, 0, 1, 0}, seqData())},
		{"ek, two-byte varints", Message{Epoch: 300, Type: TypeEk, Chunk: seqChunk(300)}, 300,
			cat([]byte{1, 0xac, 0x02, 0xac, 0x02, 2, 0xac, 0x02}, seqData())},
		{"ek ct1 ack", Message{Epoch: 3, Type: TypeEkCt1Ack, Chunk: seqChunk(127)}, 128,
			cat([]byte{1, 3, 0x80, 0x01, 3, 0x7f}, seqData())},
		{"ct1, max chunk index", Message{Epoch: 1, Type: TypeCt1, Chunk: seqChunk(65535)}, 1,
			cat([]byte{1, 1, 1, 5, 0xff, 0xff, 0x03}, seqData())},
		{"ct2, max epoch and index", Message{Epoch: math.MaxUint64, Type: TypeCt2, Chunk: seqChunk(1)}, math.MaxUint32,
			cat([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 6, 1}, seqData())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.msg.Serialize(tt.index)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Serialize = %x, want %x", got, tt.want)
			}
			m, idx, err := ParseMessage(got)
			if err != nil {
				t.Fatalf("ParseMessage: %v", err)
			}
			want := tt.msg
			if !want.Type.HasChunk() {
				want.Chunk = erasure.Chunk{}
			}
			if m != want || idx != tt.index {
				t.Fatalf("ParseMessage = %+v, %d; want %+v, %d", m, idx, want, tt.index)
			}
		})
	}
}

func TestParseMessageLenient(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		want  Message
		index uint32
	}{
		// Message::deserialize leaves trailing bytes for future versions.
		{"trailing bytes", []byte{1, 1, 0, 0, 9, 9, 9}, Message{Epoch: 1}, 0},
		// decode_varint takes non-minimal varints.
		{"non-minimal epoch", []byte{1, 0x81, 0x00, 0, 4}, Message{Epoch: 1, Type: TypeCt1Ack}, 0},
		// decode_varint drops bits beyond 64 in the tenth byte.
		{"tenth byte overflow", []byte{1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 7, 0}, Message{Epoch: 1 | 1<<63}, 7},
	}
	for _, tt := range tests {
		m, idx, err := ParseMessage(tt.in)
		if err != nil || m != tt.want || idx != tt.index {
			t.Errorf("%s: ParseMessage = %+v, %d, %v; want %+v, %d", tt.name, m, idx, err, tt.want, tt.index)
		}
	}
}

func TestParseMessageErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMessageVersion},
		{"version 0", []byte{0, 1, 0, 0}, ErrMessageVersion},
		{"version 2", []byte{2, 1, 0, 0}, ErrMessageVersion},
		{"no epoch", []byte{1}, ErrMalformedMessage},
		{"epoch 0", []byte{1, 0, 0, 0}, ErrMalformedMessage},
		{"epoch varint unterminated", []byte{1, 0x80}, ErrMalformedMessage},
		{"epoch varint of 11 bytes", []byte{1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0}, ErrMalformedMessage},
		{"no index", []byte{1, 1}, ErrMalformedMessage},
		{"index above 32 bits", []byte{1, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 0}, ErrMalformedMessage},
		{"no type", []byte{1, 1, 0}, ErrMalformedMessage},
		{"type 7", []byte{1, 1, 0, 7}, ErrMalformedMessage},
		{"type 255", []byte{1, 1, 0, 0xff}, ErrMalformedMessage},
		{"hdr without chunk", []byte{1, 1, 0, 1}, ErrMalformedMessage},
		{"chunk index above 16 bits", cat([]byte{1, 1, 0, 1, 0x80, 0x80, 0x04}, seqData()), ErrMalformedMessage},
		{"chunk data 31 bytes", cat([]byte{1, 1, 0, 6, 0}, seqData()[:31]), ErrMalformedMessage},
	}
	for _, tt := range tests {
		if _, _, err := ParseMessage(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: ParseMessage(%x) error = %v, want %v", tt.name, tt.in, err, tt.want)
		}
	}
}

func TestMessageRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		m := Message{Epoch: r.Uint64()>>r.IntN(64) | 1, Type: MessageType(r.IntN(7))}
		if m.Type.HasChunk() {
			m.Chunk.Index = uint16(r.Uint32() >> r.IntN(32))
			for i := range m.Chunk.Data {
				m.Chunk.Data[i] = byte(r.Uint32())
			}
		}
		index := r.Uint32() >> r.IntN(32)
		got, gotIndex, err := ParseMessage(m.Serialize(index))
		if err != nil || got != m || gotIndex != index {
			t.Fatalf("round trip of %+v, %d = %+v, %d, %v", m, index, got, gotIndex, err)
		}
	}
}

// FuzzParseMessage checks that parsing never panics, that every error is
// one of the sentinels, and that what parses re-serializes to a prefix of
// the input when the input was minimal (and always parses back the same).
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0})
	f.Add(cat([]byte{1, 0xac, 0x02, 0xac, 0x02, 2, 0xac, 0x02}, seqData()))
	f.Add([]byte{1, 1, 0, 4, 1, 2, 3})
	f.Add(cat([]byte{1, 1, 1, 5, 0xff, 0xff, 0x03}, seqData()))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, idx, err := ParseMessage(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedMessage) && !errors.Is(err, ErrMessageVersion) {
				t.Fatalf("error %v is no sentinel", err)
			}
			return
		}
		if m.Epoch == 0 || m.Type > TypeCt2 {
			t.Fatalf("parsed invalid message %+v", m)
		}
		out := m.Serialize(idx)
		m2, idx2, err := ParseMessage(out)
		if err != nil || m2 != m || idx2 != idx {
			t.Fatalf("re-parse of %x = %+v, %d, %v; want %+v, %d", out, m2, idx2, err, m, idx)
		}
		if len(out) > len(b) {
			t.Fatalf("serialized %d bytes from %d", len(out), len(b))
		}
	})
}
