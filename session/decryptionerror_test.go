package session

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// demTimestamp is 2022-01-01T00:00:00Z in milliseconds, whose varint is
// 80 b8 be 97 e1 2f (seven-bit groups, least significant first).
const (
	demTimestamp    = 1640995200000
	demTimestampHex = "80b8be97e12f"
)

// TestDecryptionErrorVectors checks encodings derived by hand from
// libsignal's proto definition (ratchet_key = 1, bytes; timestamp = 2,
// uint64; device_id = 3, uint32) and the PlaintextContent framing (0xC0,
// Content.decryptionErrorMessage = 8, 0x80).
func TestDecryptionErrorVectors(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		name     string
		m        DecryptionErrorMessage
		dem, pcw string
	}{
		{
			// As libsignal's own test of a SenderKey original: no ratchet key.
			name: "no ratchet key",
			m:    DecryptionErrorMessage{Timestamp: demTimestamp, DeviceID: 8},
			dem:  "10" + demTimestampHex + "1808",
			pcw:  "c0" + "42" + "09" + "10" + demTimestampHex + "1808" + "80",
		},
		{
			name: "ratchet key",
			m:    DecryptionErrorMessage{RatchetKey: fx.ratchet, HasRatchetKey: true, Timestamp: demTimestamp, DeviceID: 1},
			dem:  "0a21" + hex.EncodeToString(fx.ratchet.Bytes()) + "10" + demTimestampHex + "1801",
		},
		{
			name: "zero values still written",
			m:    DecryptionErrorMessage{},
			dem:  "1000" + "1800",
			pcw:  "c0" + "42" + "04" + "10001800" + "80",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(tt.m.Bytes()); got != tt.dem {
				t.Fatalf("Bytes = %s, want %s", got, tt.dem)
			}
			want, _ := hex.DecodeString(tt.dem)
			got, err := ParseDecryptionErrorMessage(want)
			if err != nil || *got != tt.m {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tt.m)
			}
			pc := NewPlaintextContent(&tt.m)
			if tt.pcw != "" && hex.EncodeToString(pc) != tt.pcw {
				t.Fatalf("PlaintextContent = %x, want %s", pc, tt.pcw)
			}
			if got, err := ParsePlaintextContent(pc); err != nil || *got != tt.m {
				t.Fatalf("ParsePlaintextContent = %+v, %v", got, err)
			}
		})
	}
}

// TestNewDecryptionErrorMessage checks that the ratchet key comes from the
// failed message as libsignal takes it: the SignalMessage's, the inner
// SignalMessage's of a PreKeySignalMessage, none for another type.
func TestNewDecryptionErrorMessage(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		name    string
		typ     MessageType
		msg     []byte
		wantKey bool
		wantErr error
	}{
		{"signal", TypeSignal, fx.signal(VersionPQXDH, 3, 1).Bytes(), true, nil},
		{"prekey", TypePreKey, fx.preKey(VersionPQXDH, true).Bytes(), true, nil},
		{"prekey x3dh", TypePreKey, fx.preKey(VersionX3DH, false).Bytes(), true, nil},
		{"other type", TypePlaintext, []byte{1, 2, 3}, false, nil},
		// A message that does not parse has no ratchet key to report.
		{"bad signal", TypeSignal, []byte{0x44, 1}, false, ErrMalformed},
		{"bad version", TypeSignal, fx.signal(VersionPQXDH, 3, 1).Bytes()[:0:0], false, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewDecryptionErrorMessage(tt.typ, tt.msg, demTimestamp, 7)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || m != nil {
					t.Fatalf("got %v, %v; want %v", m, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.HasRatchetKey != tt.wantKey || tt.wantKey && m.RatchetKey != fx.ratchet {
				t.Fatalf("ratchet key %v %x, want %v %x", m.HasRatchetKey, m.RatchetKey, tt.wantKey, fx.ratchet)
			}
			if m.Timestamp != demTimestamp || m.DeviceID != 7 {
				t.Fatalf("timestamp %d device %d", m.Timestamp, m.DeviceID)
			}
		})
	}
}

func TestParseDecryptionErrorErrors(t *testing.T) {
	fx := newFixture(t)
	ts, dev := fv(2, demTimestamp), fv(3, 1)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty: no timestamp", nil},
		{"no timestamp", cat(fb(1, fx.ratchet.Bytes()), dev)},
		{"timestamp twice", cat(ts, ts)},
		{"device twice", cat(ts, dev, dev)},
		{"key twice", cat(fb(1, fx.ratchet.Bytes()), fb(1, fx.ratchet.Bytes()), ts)},
		{"key without type byte", cat(fb(1, fx.ratchet[:]), ts)},
		{"key of wrong type", cat(fb(1, append([]byte{0x06}, fx.ratchet[:]...)), ts)},
		{"key as varint", cat(fv(1, 5), ts)},
		{"timestamp as bytes", fb(2, []byte{1})},
		{"device over uint32", cat(ts, fv(3, 1<<32))},
		{"truncated varint", []byte{0x10, 0x80}},
		{"truncated key", cat(ts, fb(1, fx.ratchet.Bytes())[:10])},
		{"oversized", cat(ts, fb(9, make([]byte, MaxDecryptionErrorSize)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseDecryptionErrorMessage(tt.in)
			if !errors.Is(err, ErrMalformed) || m != nil {
				t.Fatalf("got %+v, %v; want ErrMalformed", m, err)
			}
		})
	}
	// A newer peer's unknown field is skipped.
	if m, err := ParseDecryptionErrorMessage(cat(ts, fb(9, []byte("new")), dev)); err != nil || m.Timestamp != demTimestamp {
		t.Fatalf("unknown field: %+v, %v", m, err)
	}
}

func TestParsePlaintextContentErrors(t *testing.T) {
	dem := (&DecryptionErrorMessage{Timestamp: demTimestamp}).Bytes()
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0xC0}},
		{"no identifier", cat(fb(8, dem), []byte{0x80})},
		{"no boundary", cat([]byte{0xC0}, fb(8, dem))},
		{"no field", []byte{0xC0, 0x80}},
		{"other Content field", cat([]byte{0xC0}, fb(1, dem), []byte{0x80})},
		{"extra Content field", cat([]byte{0xC0}, fb(8, dem), fb(1, nil), []byte{0x80})},
		{"field twice", cat([]byte{0xC0}, fb(8, dem), fb(8, dem), []byte{0x80})},
		{"bad inner message", cat([]byte{0xC0}, fb(8, []byte{0x18, 1}), []byte{0x80})},
		{"oversized", cat([]byte{0xC0}, fb(8, make([]byte, MaxPlaintextContentSize)), []byte{0x80})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParsePlaintextContent(tt.in)
			if !errors.Is(err, ErrMalformed) || m != nil {
				t.Fatalf("got %+v, %v; want ErrMalformed", m, err)
			}
		})
	}
}

// FuzzParseDecryptionError checks that parsing never panics, fails only
// with ErrMalformed, and that what parses re-encodes to bytes that parse
// back to the same message, framed or not.
func FuzzParseDecryptionError(f *testing.F) {
	fx := newFixture(f)
	full := &DecryptionErrorMessage{RatchetKey: fx.ratchet, HasRatchetKey: true, Timestamp: demTimestamp, DeviceID: 1}
	f.Add(full.Bytes())
	f.Add((&DecryptionErrorMessage{Timestamp: 1}).Bytes())
	f.Add(NewPlaintextContent(full))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (*DecryptionErrorMessage, error){ParseDecryptionErrorMessage, ParsePlaintextContent} {
			m, err := parse(b)
			if err != nil {
				if !errors.Is(err, ErrMalformed) || m != nil {
					t.Fatalf("got %+v, %v", m, err)
				}
				continue
			}
			again, err := ParseDecryptionErrorMessage(m.Bytes())
			if err != nil || *again != *m {
				t.Fatalf("round trip: %+v, %v; want %+v", again, err, m)
			}
			framed, err := ParsePlaintextContent(NewPlaintextContent(m))
			if err != nil || *framed != *m {
				t.Fatalf("framed round trip: %+v, %v", framed, err)
			}
			if len(m.Bytes()) > MaxDecryptionErrorSize || !bytes.Equal(m.Bytes(), again.Bytes()) {
				t.Fatal("re-encoding not stable")
			}
		}
	})
}
