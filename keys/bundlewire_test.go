package keys

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// wireField is one field of a hand-built encoding: a varint v, bytes b, or
// (when raw is set) exactly the bytes raw, tag included.
type wireField struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
	raw []byte
}

func varintField(num protowire.Number, v uint64) wireField {
	return wireField{num: num, typ: protowire.VarintType, v: v}
}

func bytesField(num protowire.Number, b []byte) wireField {
	return wireField{num: num, typ: protowire.BytesType, b: b}
}

// bundleWireFields spells out the version-1 layout with literal field
// numbers, independently of bundlewire.go, to pin the format.
func bundleWireFields(b *Bundle) []wireField {
	var f []wireField
	if b.KEMPreKey != nil {
		f = append(f, varintField(1, uint64(b.KEMPreKeyID)), bytesField(2, b.KEMPreKey.Bytes()),
			bytesField(3, b.KEMPreKeySignature[:]))
	}
	if b.OneTimePreKey != nil {
		f = append(f, varintField(4, uint64(b.OneTimePreKeyID)), bytesField(5, b.OneTimePreKey.Bytes()))
	}
	return append(f, varintField(6, uint64(b.RegistrationID)), bytesField(7, b.Identity.Bytes()),
		varintField(8, uint64(b.SignedPreKeyID)), bytesField(9, b.SignedPreKey.Bytes()),
		bytesField(10, b.SignedPreKeySignature[:]))
}

func encodeWire(version byte, fields []wireField) []byte {
	out := []byte{version}
	for _, f := range fields {
		switch {
		case f.raw != nil:
			out = append(out, f.raw...)
		case f.typ == protowire.VarintType:
			out = protowire.AppendVarint(protowire.AppendTag(out, f.num, f.typ), f.v)
		default:
			out = protowire.AppendBytes(protowire.AppendTag(out, f.num, f.typ), f.b)
		}
	}
	return out
}

// edit returns a copy of fields changed by fn.
func edit(fields []wireField, fn func([]wireField) []wireField) []wireField {
	return fn(slices.Clone(fields))
}

// setBytes returns fields with field num's value replaced by v.
func setBytes(fields []wireField, num protowire.Number, v []byte) []wireField {
	return edit(fields, func(f []wireField) []wireField {
		for i := range f {
			if f[i].num == num {
				f[i] = bytesField(num, v)
			}
		}
		return f
	})
}

// parseCase is a bad encoding and the error, besides ErrMalformedBundle,
// that ParseBundle must wrap for it (nil for none).
type parseCase struct {
	name string
	in   []byte
	want error
}

func runParseCases(t *testing.T, tests []parseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseBundle(tt.in)
			if b != nil || !errors.Is(err, ErrMalformedBundle) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("ParseBundle = %v, %v; want ErrMalformedBundle and %v", b, err, tt.want)
			}
		})
	}
}

// wireFixture returns a full PQXDH bundle with one-time prekey, its
// encoding, and its fields (fields 1..10 at indexes 0..9).
func wireFixture(t *testing.T) (Bundle, []byte, []wireField) {
	t.Helper()
	full := testBundle(t, true, true)
	valid, err := full.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return full, valid, bundleWireFields(&full)
}

// replace returns fields with the field at index i replaced by g.
func replace(fields []wireField, i int, g wireField) []wireField {
	return edit(fields, func(f []wireField) []wireField { f[i] = g; return f })
}

func TestParseBundleFraming(t *testing.T) {
	_, valid, f := wireFixture(t)
	x3dh := testBundle(t, false, false)
	plain, err := x3dh.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	runParseCases(t, []parseCase{
		{"empty", nil, nil},
		{"version byte only", []byte{1}, nil},
		{"oversize: valid bundle padded", append(slices.Clone(valid), make([]byte, MaxBundleSize+1-len(valid))...), nil},
		{"oversize: garbage", bytes.Repeat([]byte{0xff}, MaxBundleSize+1), nil},
		{"version 0", encodeWire(0, f), ErrBundleVersion},
		{"version 2", encodeWire(2, f), ErrBundleVersion},
		{"duplicate last field", encodeWire(1, append(slices.Clone(f), f[9])), nil},
		{"duplicate registration id, same value", encodeWire(1, slices.Insert(slices.Clone(f), 6, f[5])), nil},
		{"X3DH bundle twice", append(slices.Clone(plain), plain[1:]...), nil},
		{"unknown field 11 at the end", encodeWire(1, append(slices.Clone(f), varintField(11, 0))), nil},
		{"unknown field 100 first", encodeWire(1, slices.Insert(slices.Clone(f), 0, bytesField(100, nil))), nil},
		{"unknown field 12 in the middle", encodeWire(1, slices.Insert(slices.Clone(f), 5, varintField(12, 1))), nil},
		{"field number 0", encodeWire(1, append(slices.Clone(f), wireField{raw: []byte{0x00, 0x00}})), nil},
		{"trailing zero byte", append(slices.Clone(valid), 0), nil},
		{"trailing 0xff", append(slices.Clone(valid), 0xff), nil},
		{"fields out of order", encodeWire(1, edit(f, func(f []wireField) []wireField { f[5], f[6] = f[6], f[5]; return f })), nil},
		{"identity as varint", encodeWire(1, replace(f, 6, varintField(7, 5))), nil},
		{"registration id as bytes", encodeWire(1, replace(f, 5, bytesField(6, []byte{1}))), nil},
		{"registration id as fixed32", encodeWire(1, replace(f, 5, wireField{raw: []byte{0x35, 1, 0, 0, 0}})), nil},
		{"registration id over 32 bits", encodeWire(1, replace(f, 5, varintField(6, 1<<32))), nil},
		{"non-minimal varint", encodeWire(1, replace(f, 5, wireField{raw: []byte{0x30, 0x80, 0x00}})), nil},
		{"non-minimal tag", encodeWire(1, replace(f, 5, wireField{raw: []byte{0xb0, 0x00, 0x00}})), nil},
		{"non-minimal length", encodeWire(1, replace(f, 6, wireField{raw: append([]byte{0x3a, 0xa1, 0x00}, f[6].b...)})), nil},
	})
}

func TestParseBundleValues(t *testing.T) {
	full, _, f := wireFixture(t)
	key := func(b byte, u ...byte) []byte { return append([]byte{b}, append(u, make([]byte, 32-len(u))...)...) }
	badKEM := append([]byte{byte(TypeKyber1024)}, bytes.Repeat([]byte{0xff}, KEMPublicKeySize)...)
	kyber768 := append([]byte{0x07}, full.KEMPreKey.Key[:]...)
	bit255 := append([]byte{TypeDJB}, bytes.Repeat([]byte{0xff}, 32)...)
	runParseCases(t, []parseCase{
		{"identity without type byte", encodeWire(1, setBytes(f, 7, full.Identity[:])), nil},
		{"identity with extra byte", encodeWire(1, setBytes(f, 7, append(full.Identity.Bytes(), 0))), nil},
		{"signature of 63 bytes", encodeWire(1, setBytes(f, 10, full.SignedPreKeySignature[:63])), nil},
		{"KEM key without type byte", encodeWire(1, setBytes(f, 2, full.KEMPreKey.Key[:])), nil},
		{"identity type byte 0x06", encodeWire(1, setBytes(f, 7, key(0x06, 9))), ErrKeyType},
		{"signed prekey type byte 0x0A", encodeWire(1, setBytes(f, 9, key(0x0a, 9))), ErrKeyType},
		{"KEM key type byte 0x07 (Kyber-768)", encodeWire(1, setBytes(f, 2, kyber768)), ErrKeyType},
		{"KEM key type byte 0x00", encodeWire(1, setBytes(f, 2, append([]byte{0}, full.KEMPreKey.Key[:]...))), ErrKeyType},
		{"KEM key fails the modulus check", encodeWire(1, setBytes(f, 2, badKEM)), ErrBadKEMKey},
		{"low-order identity (u = 0)", encodeWire(1, setBytes(f, 7, key(TypeDJB))), ErrLowOrderKey},
		{"low-order signed prekey (u = 1)", encodeWire(1, setBytes(f, 9, key(TypeDJB, 1))), ErrLowOrderKey},
		{"low-order one-time prekey (order 8)", encodeWire(1, setBytes(f, 5, lowOrderPoints[2].Bytes())), ErrLowOrderKey},
		{"identity with bit 255 set", encodeWire(1, setBytes(f, 7, bit255)), ErrNonCanonicalKey},
		{"missing identity", encodeWire(1, slices.Delete(slices.Clone(f), 6, 7)), nil},
		{"missing signed prekey signature", encodeWire(1, f[:9]), nil},
		{"one-time prekey without id", encodeWire(1, slices.Delete(slices.Clone(f), 3, 4)), nil},
		{"one-time prekey id without key", encodeWire(1, slices.Delete(slices.Clone(f), 4, 5)), nil},
		{"KEM prekey without signature", encodeWire(1, slices.Delete(slices.Clone(f), 2, 3)), nil},
		{"KEM prekey id alone", encodeWire(1, slices.Delete(slices.Clone(f), 1, 3)), nil},
	})
}

// TestParseBundleTruncated cuts every valid encoding at every length: none
// may parse, not even a cut between fields that drops an optional part.
func TestParseBundleTruncated(t *testing.T) {
	for _, shape := range bundleShapes {
		b := testBundle(t, shape.otk, shape.kem)
		enc, err := b.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(enc); n++ {
			if got, err := ParseBundle(enc[:n]); !errors.Is(err, ErrMalformedBundle) {
				t.Fatalf("%s cut at %d of %d bytes: %v, %v", shape.name, n, len(enc), got, err)
			}
		}
	}
}

// FuzzParseBundle checks that ParseBundle never panics, that its errors are
// typed, and that what it accepts is canonical: re-encoding gives the input
// back, and parsing that gives an equal bundle.
func FuzzParseBundle(f *testing.F) {
	for _, shape := range bundleShapes {
		b := testBundle(f, shape.otk, shape.kem)
		enc, err := b.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
		f.Add(enc[:len(enc)-1])
	}
	mlkem := testBundleOfType(f, true, true, TypeMLKEM1024)
	if enc, err := mlkem.MarshalBinary(); err == nil {
		f.Add(enc)
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			if b != nil || !errors.Is(err, ErrMalformedBundle) {
				t.Fatalf("ParseBundle = %v, %v: want nil and ErrMalformedBundle", b, err)
			}
			return
		}
		enc, err := b.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed bundle does not marshal: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("non-canonical input accepted:\n in  %x\n out %x", data, enc)
		}
		again, err := ParseBundle(enc)
		if err != nil || !reflect.DeepEqual(again, b) {
			t.Fatalf("re-parse: %v, %+v != %+v", err, again, b)
		}
	})
}
