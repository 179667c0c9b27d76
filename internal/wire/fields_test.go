package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// testFields is the field table of the tests: 1 a uint32, 2 any bytes,
// 3 two bytes that may repeat, 4 a varint of at most 10.
var testFields = []Spec{1: Uint32(), 2: Bytes(), 3: Fixed(2).Repeated(), 4: Varint(10)}

var (
	lenient = Policy{Fields: testFields}
	strict  = Policy{Fields: testFields, RefuseUnknown: true, Canonical: true}
)

// sentinels are the errors of the package.
var sentinels = []error{ErrSyntax, ErrUnknownField, ErrRepeatedField, ErrWireType,
	ErrRange, ErrLength, ErrNonCanonical, ErrOrder, ErrTruncated, ErrTrailing}

// readAll reads every field of b under p.
func readAll(b []byte, p *Policy) ([]Field, error) {
	r := NewReader(b, p)
	var out []Field
	for {
		f, ok, err := r.Next()
		if err != nil || !ok {
			return out, err
		}
		out = append(out, f)
	}
}

// encode writes fs in order, as their specs in testFields say.
func encode(fs []Field) []byte {
	var b []byte
	for _, f := range fs {
		if testFields[f.Num].kind == kindVarint {
			b = AppendVarintField(b, f.Num, f.Value)
		} else {
			b = AppendBytesField(b, f.Num, f.Bytes)
		}
	}
	return b
}

func TestReader(t *testing.T) {
	tests := []struct {
		name       string
		hex        string
		lenient    error // nil: read well
		strict     error
		wantFields []protowire.Number // as the lenient policy reads them
	}{
		{"empty", "", nil, nil, nil},
		{"every field", "0805" + "12026869" + "1a020102" + "200a", nil, nil, []protowire.Number{1, 2, 3, 4}},
		{"repeatable field twice", "1a0201021a020304", nil, nil, []protowire.Number{3, 3}},
		{"unknown varint", "0801" + "4801", nil, ErrUnknownField, []protowire.Number{1}},
		{"unknown field past the table", "f80101" + "0801", nil, ErrUnknownField, []protowire.Number{1}},
		{"unknown group skipped whole", "4b" + "0801" + "4c" + "0802", nil, ErrUnknownField, []protowire.Number{1}},
		{"unknown lone end group", "4c", ErrSyntax, ErrUnknownField, nil},
		{"field number 0", "0001", ErrSyntax, ErrSyntax, nil},
		{"tag cut short", "80", ErrSyntax, ErrSyntax, nil},
		{"field twice", "08010802", ErrRepeatedField, ErrRepeatedField, nil},
		{"varint as bytes", "0a0101", ErrWireType, ErrWireType, nil},
		{"bytes as varint", "1001", ErrWireType, ErrWireType, nil},
		{"fixed32 for a known field", "0d01020304", ErrWireType, ErrWireType, nil},
		{"uint32 overflow", "088080808010", ErrRange, ErrRange, nil},
		{"uint32 maximum", "08ffffffff0f", nil, nil, []protowire.Number{1}},
		{"varint over its maximum", "200b", ErrRange, ErrRange, nil},
		{"fixed field too long", "1a03010203", ErrLength, ErrLength, nil},
		{"fixed field too short", "1a0101", ErrLength, ErrLength, nil},
		{"bytes cut short", "120501", ErrSyntax, ErrSyntax, nil},
		{"varint cut short", "0880", ErrSyntax, ErrSyntax, nil},
		{"varint over 64 bits", "08ffffffffffffffffff7f", ErrSyntax, ErrSyntax, nil},
		{"non-minimal varint", "088100", nil, ErrNonCanonical, []protowire.Number{1}},
		{"non-minimal tag", "880001", nil, ErrNonCanonical, []protowire.Number{1}},
		{"non-minimal length", "12810068", nil, ErrNonCanonical, []protowire.Number{2}},
		{"out of order", "12016808 01", nil, ErrOrder, []protowire.Number{2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := hex.DecodeString(stripSpaces(tt.hex))
			if err != nil {
				t.Fatal(err)
			}
			fs, err := readAll(in, &lenient)
			if !errors.Is(err, tt.lenient) || (tt.lenient == nil) != (err == nil) {
				t.Errorf("lenient: error %v, want %v", err, tt.lenient)
			}
			if err == nil {
				var nums []protowire.Number
				for _, f := range fs {
					nums = append(nums, f.Num)
				}
				if !slices.Equal(nums, tt.wantFields) {
					t.Errorf("lenient: fields %v, want %v", nums, tt.wantFields)
				}
			}
			if _, err := readAll(in, &strict); !errors.Is(err, tt.strict) || (tt.strict == nil) != (err == nil) {
				t.Errorf("strict: error %v, want %v", err, tt.strict)
			}
		})
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

// TestReaderValues checks the values a reader returns, and that a bytes
// value cannot be appended over what follows it.
func TestReaderValues(t *testing.T) {
	in := encode([]Field{{Num: 1, Value: 7}, {Num: 2, Bytes: []byte("hi")}, {Num: 4, Value: 10}})
	r := NewReader(in, &strict)
	want := []Field{{Num: 1, Value: 7}, {Num: 2, Bytes: []byte("hi")}, {Num: 4, Value: 10}}
	for i, w := range want {
		f, ok, err := r.Next()
		if err != nil || !ok || f.Num != w.Num || f.Value != w.Value || !bytes.Equal(f.Bytes, w.Bytes) {
			t.Fatalf("field %d: %+v %v %v, want %+v", i, f, ok, err, w)
		}
		if cap(f.Bytes) != len(f.Bytes) {
			t.Errorf("field %d: capacity %d, want %d", i, cap(f.Bytes), len(f.Bytes))
		}
	}
	if _, ok, err := r.Next(); ok || err != nil {
		t.Fatalf("after the last field: %v %v", ok, err)
	}
	for _, num := range []protowire.Number{1, 2, 4} {
		if !r.Has(num) {
			t.Errorf("Has(%d) = false", num)
		}
	}
	for _, num := range []protowire.Number{0, 3, 5, 63, 64, -1} {
		if r.Has(num) {
			t.Errorf("Has(%d) = true", num)
		}
	}
}

func TestNewReaderRefusesLargePolicy(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewReader took a policy of 65 fields")
		}
	}()
	NewReader(nil, &Policy{Fields: make([]Spec, MaxFields+1)})
}

// FuzzReader checks that a Reader never panics, fails only with its
// sentinels, that the strict policy takes exactly the canonical encoding
// of what it reads, and that the lenient one reads its own re-encoding
// the same way.
func FuzzReader(f *testing.F) {
	f.Add(encode([]Field{{Num: 1, Value: 5}, {Num: 2, Bytes: []byte("hi")}, {Num: 3, Bytes: []byte{1, 2}}}))
	for _, s := range []string{"4b08014c0802", "088100", "12016808 01", "088080808010", "1a0201021a020304"} {
		b, _ := hex.DecodeString(stripSpaces(s))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fs, err := readAll(in, &strict)
		checkSentinel(t, "strict", err)
		if err == nil && !bytes.Equal(encode(fs), in) {
			t.Errorf("strict took %x, which re-encodes as %x", in, encode(fs))
		}
		fs, err = readAll(in, &lenient)
		checkSentinel(t, "lenient", err)
		if err != nil {
			return
		}
		again, err := readAll(encode(fs), &lenient)
		if err != nil || !slices.EqualFunc(fs, again, equalField) {
			t.Errorf("re-encoding of %x reads as %v (%v), want %v", in, again, err, fs)
		}
	})
}

func checkSentinel(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
		t.Errorf("%s: error %v wraps no sentinel", what, err)
	}
}

func equalField(a, b Field) bool {
	return a.Num == b.Num && a.Value == b.Value && bytes.Equal(a.Bytes, b.Bytes)
}
