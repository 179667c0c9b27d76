package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

// An op reads one value from a Decoder and writes it to an Encoder, so
// that tests and the fuzz target can drive both from one list.
type op struct {
	name  string
	read  func(*Decoder) any
	write func(*Encoder, any)
}

var ops = []op{
	{"u8", func(d *Decoder) any { return d.U8() }, func(e *Encoder, v any) { e.U8(v.(uint8)) }},
	{"u16", func(d *Decoder) any { return d.U16() }, func(e *Encoder, v any) { e.U16(v.(uint16)) }},
	{"u32", func(d *Decoder) any { return d.U32() }, func(e *Encoder, v any) { e.U32(v.(uint32)) }},
	{"u64", func(d *Decoder) any { return d.U64() }, func(e *Encoder, v any) { e.U64(v.(uint64)) }},
	{"flag", func(d *Decoder) any { return d.Flag() }, func(e *Encoder, v any) { e.Flag(v.(bool)) }},
	{"uvarint", func(d *Decoder) any { return d.Uvarint() }, func(e *Encoder, v any) { e.Uvarint(v.(uint64)) }},
	{"varint", func(d *Decoder) any { return d.Varint() }, func(e *Encoder, v any) { e.Varint(v.(int64)) }},
	{"uvarint bytes", func(d *Decoder) any { return d.UvarintBytes() }, func(e *Encoder, v any) { e.UvarintBytes(v.([]byte)) }},
	{"three bytes", func(d *Decoder) any { return d.Bytes(3) }, func(e *Encoder, v any) { e.Bytes(v.([]byte)) }},
}

// TestEncoderFormat pins the bytes each Encoder method writes: stored
// records and messages on the wire depend on them.
func TestEncoderFormat(t *testing.T) {
	var e Encoder
	e.U8(0x01)
	e.U16(0x0203)
	e.U32(0x04050607)
	e.U64(0x08090a0b0c0d0e0f)
	e.Flag(true)
	e.Flag(false)
	e.Uvarint(300)
	e.Varint(-2)
	e.UvarintBytes([]byte("ab"))
	e.UvarintString("c")
	e.Bytes([]byte{0xff})
	const want = "01" + "0203" + "04050607" + "08090a0b0c0d0e0f" + "01" + "00" + "ac02" + "03" + "026162" + "0163" + "ff"
	if got := hex.EncodeToString(e); got != want {
		t.Fatalf("encoding %s, want %s", got, want)
	}
	d := NewDecoder(e)
	if d.U8() != 1 || d.U16() != 0x0203 || d.U32() != 0x04050607 || d.U64() != 0x08090a0b0c0d0e0f ||
		!d.Flag() || d.Flag() || d.Uvarint() != 300 || d.Varint() != -2 ||
		string(d.UvarintBytes()) != "ab" || string(d.UvarintBytes()) != "c" || !bytes.Equal(d.Rest(), []byte{0xff}) {
		t.Fatal("decoding does not give back what was encoded")
	}
	if err := d.Done(); err != nil {
		t.Fatalf("Done: %v", err)
	}
}

func TestDecoderErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		read func(*Decoder)
		want error
	}{
		{"u32 cut short", "010203", func(d *Decoder) { d.U32() }, ErrTruncated},
		{"flag of 2", "02", func(d *Decoder) { d.Flag() }, ErrRange},
		{"uvarint cut short", "80", func(d *Decoder) { d.Uvarint() }, ErrTruncated},
		{"uvarint over 64 bits", "ffffffffffffffffff7f", func(d *Decoder) { d.Uvarint() }, ErrSyntax},
		{"varint over 64 bits", "ffffffffffffffffff7f", func(d *Decoder) { d.Varint() }, ErrSyntax},
		{"byte string longer than the rest", "0361", func(d *Decoder) { d.UvarintBytes() }, ErrTruncated},
		{"byte string of a huge length", "ffffffffffffffffff01", func(d *Decoder) { d.UvarintBytes() }, ErrTruncated},
		{"negative count", "", func(d *Decoder) { d.Bytes(-1) }, ErrTruncated},
		{"trailing bytes", "0102", func(d *Decoder) { d.U8() }, ErrTrailing},
		{"first failure sticks", "02", func(d *Decoder) { d.Flag(); d.U64(); d.Fail(ErrLength) }, ErrRange},
		{"caller's failure", "05", func(d *Decoder) { d.U8(); d.Fail(ErrLength) }, ErrLength},
		{"non-minimal uvarint is taken", "8100", func(d *Decoder) { d.Uvarint() }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			d := NewDecoder(in)
			tt.read(d)
			err = d.Done()
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if err != nil && (d.U64() != 0 || d.Rest() != nil || d.Len() != 0 || d.Err() != err) {
				t.Error("a failed decoder still reads")
			}
		})
	}
}

// FuzzDecoder reads data with the ops that script names, one op a byte.
// It checks that the decoder never panics, fails only with its sentinels,
// returns zero values once failed, and that what it read re-encodes to
// bytes that read back the same.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8}, []byte("\x01\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x04\x01\xac\x02\x03\x02ab123"))
	f.Add([]byte{7, 7}, []byte{0x03, 'a'})
	f.Add([]byte{5}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{4}, []byte{2})
	f.Fuzz(func(t *testing.T, script, data []byte) {
		d := NewDecoder(data)
		var done []op
		var values []any
		for _, c := range script {
			o := ops[int(c)%len(ops)]
			v := o.read(d)
			if d.Err() != nil {
				if !isZero(v) {
					t.Fatalf("%s returned %v with error %v", o.name, v, d.Err())
				}
				break
			}
			done, values = append(done, o), append(values, v)
		}
		if err := d.Err(); err != nil {
			checkSentinel(t, "decoder", err)
			if d.Len() != 0 || d.U8() != 0 || d.Err() != err {
				t.Fatal("a failed decoder still reads")
			}
			return
		}
		var e Encoder
		for i, o := range done {
			o.write(&e, values[i])
		}
		again := NewDecoder(e)
		for i, o := range done {
			if v := o.read(again); !equalValue(v, values[i]) {
				t.Fatalf("%s: re-encoded %v reads as %v", o.name, values[i], v)
			}
		}
		if err := again.Done(); err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
	})
}

// isZero reports whether v is the zero value of its type (nil for bytes).
func isZero(v any) bool {
	if b, ok := v.([]byte); ok {
		return b == nil
	}
	return reflect.ValueOf(v).IsZero()
}

func equalValue(a, b any) bool {
	if x, ok := a.([]byte); ok {
		return bytes.Equal(x, b.([]byte))
	}
	return a == b
}
