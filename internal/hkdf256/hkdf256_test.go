package hkdf256

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
)

// reference is crypto/hkdf's answer for the same inputs.
func reference(t testing.TB, secret, salt []byte, info string, n int) []byte {
	t.Helper()
	want, err := hkdf.Key(sha256.New, secret, salt, info, n)
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func TestKeyMatchesCryptoHKDF(t *testing.T) {
	secret := bytes.Repeat([]byte{0x0b}, 22)
	zero := make([]byte, sha256.Size)
	long := bytes.Repeat([]byte{0xa5}, 100) // a salt longer than the block
	tests := []struct {
		name string
		salt []byte
		info [][]byte
		n    int
	}{
		{"no salt, no info, 0 bytes", nil, nil, 0},
		{"no salt, 1 byte", nil, [][]byte{[]byte("x")}, 1},
		{"zero salt, one block", zero, [][]byte{[]byte("Signal PQ Ratchet V1 Chain Next")}, 32},
		{"zero salt, two blocks", zero, [][]byte{{0, 0, 0, 7}, []byte("Signal PQ Ratchet V1 Chain Next")}, 64},
		{"salt, 80 bytes", []byte("a 32-byte SPQR message key......"), [][]byte{[]byte("WhisperMessageKeys")}, 80},
		{"short salt, 33 bytes", []byte{1, 2, 3}, [][]byte{[]byte("a"), []byte("b"), nil}, 33},
		{"long salt, 96 bytes", long, [][]byte{[]byte("WhisperText")}, 96},
		{"empty salt, max length", []byte{}, [][]byte{[]byte("max")}, maxOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info strings.Builder
			for _, p := range tt.info {
				info.Write(p)
			}
			got := make([]byte, tt.n)
			Key(got, secret, tt.salt, tt.info...)
			if want := reference(t, secret, tt.salt, info.String(), tt.n); !bytes.Equal(got, want) {
				t.Fatalf("Key = %x, want %x", got, want)
			}
			// The pool's zero extractor must be clean for the next caller.
			again := make([]byte, tt.n)
			Key(again, secret, tt.salt, tt.info...)
			if !bytes.Equal(got, again) {
				t.Fatalf("second Key = %x, first %x", again, got)
			}
		})
	}
}

// TestKeyRFC5869 checks RFC 5869's test case 3 (zero-length salt and info).
func TestKeyRFC5869(t *testing.T) {
	const want = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
	got := make([]byte, 42)
	Key(got, bytes.Repeat([]byte{0x0b}, 22), nil)
	if h := hexString(got); h != want {
		t.Fatalf("Key = %s, want %s", h, want)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestKeyTooLongPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Key of 255·32+1 bytes did not panic")
		}
	}()
	Key(make([]byte, maxOut+1), nil, nil)
}

// refMAC is crypto/hmac's answer.
func refMAC(key []byte, parts ...[]byte) [Size]byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return [Size]byte(m.Sum(nil))
}

func TestSumMatchesCryptoHMAC(t *testing.T) {
	tests := []struct {
		name  string
		key   []byte
		parts [][]byte
	}{
		{"no key, no parts", nil, nil},
		{"chain key, one byte", bytes.Repeat([]byte{7}, 32), [][]byte{{0x01}}},
		{"MAC key, identities and message", bytes.Repeat([]byte{9}, 32), [][]byte{make([]byte, 66), bytes.Repeat([]byte{1}, 1100)}},
		{"key longer than the block", bytes.Repeat([]byte{3}, 65), [][]byte{[]byte("abc"), nil, []byte("def")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [Size]byte
			Sum(&got, tt.key, tt.parts...)
			if want := refMAC(tt.key, tt.parts...); got != want {
				t.Fatalf("Sum = %x, want %x", got, want)
			}
			// SumEach over the same message twice and each part alone.
			msgs := append([][]byte{bytes.Join(tt.parts, nil)}, tt.parts...)
			outs := make([]*[Size]byte, len(msgs))
			for i := range outs {
				outs[i] = new([Size]byte)
			}
			SumEach(tt.key, msgs, outs)
			for i, m := range msgs {
				if want := refMAC(tt.key, m); *outs[i] != want {
					t.Fatalf("SumEach[%d] = %x, want %x", i, *outs[i], want)
				}
			}
		})
	}
}

func TestSumEachLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("SumEach of 1 message and 0 outputs did not panic")
		}
	}()
	SumEach(nil, [][]byte{nil}, nil)
}

func FuzzKey(f *testing.F) {
	f.Add([]byte("secret"), []byte("salt"), "info", uint16(80))
	f.Add([]byte{}, []byte{}, "", uint16(0))
	f.Fuzz(func(t *testing.T, secret, salt []byte, info string, n uint16) {
		size := int(n) % (maxOut + 1)
		got := make([]byte, size)
		Key(got, secret, salt, []byte(info))
		if want := reference(t, secret, salt, info, size); !bytes.Equal(got, want) {
			t.Fatalf("Key = %x, want %x", got, want)
		}
	})
}

func FuzzSum(f *testing.F) {
	f.Add([]byte("key"), []byte("a"), []byte("b"))
	f.Fuzz(func(t *testing.T, key, a, b []byte) {
		var got [Size]byte
		Sum(&got, key, a, b)
		if want := refMAC(key, a, b); got != want {
			t.Fatalf("Sum = %x, want %x", got, want)
		}
		var x, y [Size]byte
		SumEach(key, [][]byte{a, b}, []*[Size]byte{&x, &y})
		if x != refMAC(key, a) || y != refMAC(key, b) {
			t.Fatalf("SumEach = %x, %x", x, y)
		}
	})
}

func BenchmarkKey(b *testing.B) {
	secret := make([]byte, 32)
	out := make([]byte, 64)
	info := []byte("Signal PQ Ratchet V1 Chain Next")
	b.ReportAllocs()
	for b.Loop() {
		Key(out, secret, nil, info)
	}
}
