package session

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/keys"
)

// The parsers' tables: inputs built field by field with protowire, so each
// row says exactly what is wrong with it.

// fv is a varint field; fb a length-delimited one.
func fv(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func fb(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// signalBytes frames a SignalMessage body: version byte, body, a dummy MAC.
func signalBytes(version byte, body ...[]byte) []byte {
	return cat([]byte{version}, cat(body...), make([]byte, MACSize))
}

func TestParseSignalMessageErrors(t *testing.T) {
	fx := newFixture(t)
	key, ct := fb(1, fx.ratchet.Bytes()), fb(4, pattern(0, 16))
	counters := cat(fv(2, 1), fv(3, 0))
	lowOrder := append([]byte{keys.TypeDJB}, make([]byte, 32)...)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"shorter than version and MAC", make([]byte, MACSize), ErrMalformed},
		{"oversize", make([]byte, MaxMessageSize+1), ErrMalformed},
		{"version 2", signalBytes(0x22, key, counters, ct), ErrVersion},
		{"version 5", signalBytes(0x55, key, counters, ct), ErrVersion},
		{"version 2, low nibble 3", signalBytes(0x23, key, counters, ct), ErrVersion},
		{"version 4, low nibble 0", signalBytes(0x40, key, counters, ct), ErrVersion},
		{"version 3, low nibble 2", signalBytes(0x32, key, counters, ct), ErrVersion},
		{"version 3, low nibble 5", signalBytes(0x35, key, counters, ct), ErrVersion},
		{"missing ratchet key", signalBytes(0x33, counters, ct), ErrMalformed},
		{"missing ciphertext", signalBytes(0x33, key, counters), ErrMalformed},
		// libsignal refuses a message without a counter; so do we.
		{"missing counter", signalBytes(0x44, key, fv(3, 0), ct), ErrNoCounter},
		{"missing both counters", signalBytes(0x33, key, ct), ErrNoCounter},
		{"addresses repeated", signalBytes(0x44, key, counters, ct, fb(6, nil), fb(6, nil)), ErrMalformed},
		{"addresses as varint", signalBytes(0x44, key, counters, ct, fv(6, 1)), ErrMalformed},
		{"empty body", signalBytes(0x33), ErrMalformed},
		{"counter repeated", signalBytes(0x33, key, counters, fv(2, 1), ct), ErrMalformed},
		{"ratchet key repeated", signalBytes(0x33, key, key, counters, ct), ErrMalformed},
		{"ratchet key as varint", signalBytes(0x33, fv(1, 5), counters, ct), ErrMalformed},
		{"counter as bytes (packed)", signalBytes(0x33, key, fb(2, []byte{1}), ct), ErrMalformed},
		{"ratchet key without type byte", signalBytes(0x33, fb(1, fx.ratchet[:]), counters, ct), ErrMalformed},
		{"ratchet key of type 0x06", signalBytes(0x33, fb(1, append([]byte{6}, fx.ratchet[:]...)), counters, ct), ErrMalformed},
		{"ratchet key of low order", signalBytes(0x33, fb(1, lowOrder), counters, ct), ErrMalformed},
		{"counter of 2^32", signalBytes(0x33, key, fv(2, 1<<32), ct), ErrMalformed},
		{"previous counter of 2^64-1", signalBytes(0x33, key, fv(3, 1<<64-1), ct), ErrMalformed},
		{"varint of 11 bytes", signalBytes(0x33, key, []byte{0x10}, bytes.Repeat([]byte{0xff}, 10), []byte{0x01}, ct), ErrMalformed},
		{"empty ciphertext", signalBytes(0x33, key, counters, fb(4, nil)), ErrMalformed},
		{"ciphertext of 15 bytes", signalBytes(0x33, key, counters, fb(4, pattern(0, 15))), ErrMalformed},
		{"ciphertext of 17 bytes", signalBytes(0x33, key, counters, fb(4, pattern(0, 17))), ErrMalformed},
		{"length beyond the body", signalBytes(0x33, key, counters, []byte{0x22, 0x20}, pattern(0, 16)), ErrMalformed},
		{"field number 0", signalBytes(0x33, key, counters, ct, []byte{0x00, 0x00}), ErrMalformed},
		{"unknown field, end group", signalBytes(0x33, key, counters, ct, []byte{0x2c}), ErrMalformed},
		{"unknown field, wire type 7", signalBytes(0x33, key, counters, ct, []byte{0x2f}), ErrMalformed},
		{"unknown field, truncated", signalBytes(0x33, key, counters, ct, []byte{0x2a, 0x05, 0x00}), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseSignalMessage(tc.in)
			if !errors.Is(err, tc.want) || m != nil {
				t.Fatalf("got %v, %v; want %v", m, err, tc.want)
			}
			t.Log(err)
		})
	}
}

func TestParseSignalMessageAccepts(t *testing.T) {
	fx := newFixture(t)
	key, ct := fb(1, fx.ratchet.Bytes()), fb(4, pattern(0, 16))
	for _, tc := range []struct {
		name              string
		in                []byte
		version           uint8
		counter, previous uint32
	}{
		// libsignal writes its own newest version in the low nibble, and
		// ignores it when parsing.
		{"version byte 0x34", signalBytes(0x34, key, fv(2, 7), ct), 3, 7, 0},
		{"version byte 0x33 (go.mau.fi, and ratchat's own)", signalBytes(0x33, key, fv(2, 7), ct), 3, 7, 0},
		{"version byte 0x44", signalBytes(0x44, key, fv(2, 0), ct), 4, 0, 0},
		{"previous counter absent", signalBytes(0x33, key, fv(2, 5), ct), 3, 5, 0},
		{"counter 0 present", signalBytes(0x44, key, fv(2, 0), fv(3, 4), ct), 4, 0, 4},
		{"fields out of order", signalBytes(0x33, ct, fv(3, 9), key, fv(2, 8)), 3, 8, 9},
		{"unknown pq_ratchet field 5", signalBytes(0x44, key, fv(2, 1), ct, fb(5, pattern(0, 40))), 4, 1, 0},
		{"unknown varint field 99", signalBytes(0x44, fv(99, 1<<63), key, fv(2, 0), ct), 4, 0, 0},
		{"unknown repeated field", signalBytes(0x44, key, fv(2, 0), fb(7, nil), fb(7, nil), ct), 4, 0, 0},
		// libsignal's addresses: read, and ignored.
		{"addresses field 6", signalBytes(0x44, key, fv(2, 3), ct, fb(6, pattern(0x60, 34))), 4, 3, 0},
		{"addresses field 6, empty", signalBytes(0x44, key, fv(2, 3), ct, fb(6, nil)), 4, 3, 0},
		{"pq_ratchet and addresses", signalBytes(0x44, key, fv(2, 3), ct, fb(5, pattern(0, 40)), fb(6, pattern(0x60, 34))), 4, 3, 0},
		{"overlong varint", signalBytes(0x33, key, []byte{0x10, 0x81, 0x80, 0x00}, ct), 3, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseSignalMessage(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != tc.version || m.Counter != tc.counter || m.PreviousCounter != tc.previous ||
				m.RatchetKey != fx.ratchet || !bytes.Equal(m.Ciphertext, pattern(0, 16)) {
				t.Errorf("parsed %+v", m)
			}
			if !bytes.Equal(m.Bytes(), tc.in) {
				t.Error("Bytes() differs from the input")
			}
		})
	}
}

func TestParseCopiesInput(t *testing.T) {
	fx := newFixture(t)
	b := bytes.Clone(fx.signal(VersionX3DH, 1, 0).Bytes())
	m, err := ParseSignalMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	if err := m.VerifyMAC(fx.macKey, fx.alice, fx.bob); err != nil || !bytes.Equal(m.Ciphertext, fx.ciphertext) {
		t.Errorf("message changed with its input: %v", err)
	}
	// Appending to the ciphertext must not overwrite the MAC.
	_ = append(m.Ciphertext, 0xff)
	if err := m.VerifyMAC(fx.macKey, fx.alice, fx.bob); err != nil {
		t.Error(err)
	}
}

func TestTruncation(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		name  string
		in    []byte
		parse func([]byte) error
	}{
		{"signal v3", fx.signal(VersionX3DH, 300, 2).Bytes(), func(b []byte) error { _, err := ParseSignalMessage(b); return err }},
		{"prekey v3", fx.preKey(VersionX3DH, true).Bytes(), func(b []byte) error { _, err := ParsePreKeySignalMessage(b); return err }},
		{"prekey v4", fx.preKey(VersionPQXDH, false).Bytes(), func(b []byte) error { _, err := ParsePreKeySignalMessage(b); return err }},
	} {
		if err := tc.parse(tc.in); err != nil {
			t.Fatalf("%s: whole message: %v", tc.name, err)
		}
		for n := range len(tc.in) {
			if err := tc.parse(tc.in[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s truncated to %d bytes: %v", tc.name, n, err)
			}
		}
	}
}

func TestParsePreKeySignalMessageErrors(t *testing.T) {
	fx := newFixture(t)
	preKeyID, base, id := fv(1, 77), fb(2, fx.base.Bytes()), fb(3, fx.alice.Bytes())
	in3, in4 := fb(4, fx.signal(3, 0, 0).Bytes()), fb(4, fx.signal(4, 0, 0).Bytes())
	reg, spk := fv(5, 1234), fv(6, 9)
	kemID, kemCT := fv(7, 300), fb(8, fx.kemCT)
	v3 := func(parts ...[]byte) []byte { return cat([]byte{0x33}, cat(parts...)) }
	v4 := func(parts ...[]byte) []byte { return cat([]byte{0x44}, cat(parts...)) }
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"oversize", make([]byte, MaxMessageSize+1), ErrMalformed},
		{"version 2", cat([]byte{0x22}, base, id, in3, reg, spk), ErrVersion},
		{"version 5", cat([]byte{0x55}, base, id, in4, reg, spk, kemID, kemCT), ErrVersion},
		{"missing base key", v3(preKeyID, id, in3, reg, spk), ErrMalformed},
		{"missing identity key", v3(preKeyID, base, in3, reg, spk), ErrMalformed},
		{"missing message", v3(preKeyID, base, id, reg, spk), ErrMalformed},
		{"missing signed prekey id", v3(preKeyID, base, id, in3, reg), ErrMalformed},
		{"signed prekey id repeated", v3(base, id, in3, reg, spk, spk), ErrMalformed},
		{"message repeated", v3(base, id, in3, in3, reg, spk), ErrMalformed},
		{"identity key as varint", v3(base, fv(3, 1), in3, reg, spk), ErrMalformed},
		{"registration id as bytes", v3(base, id, in3, fb(5, []byte{1}), spk), ErrMalformed},
		{"bad identity key", v3(base, fb(3, fx.alice[:]), in3, reg, spk), ErrMalformed},
		{"bad base key", v3(fb(2, append([]byte{8}, fx.base[:]...)), id, in3, reg, spk), ErrMalformed},
		{"prekey id of 2^32", v3(fv(1, 1<<32), base, id, in3, reg, spk), ErrMalformed},
		{"v3 with KEM prekey id", v3(base, id, in3, reg, spk, kemID), ErrMalformed},
		{"v3 with KEM ciphertext", v3(base, id, in3, reg, spk, kemCT), ErrMalformed},
		{"v4 without KEM fields", v4(base, id, in4, reg, spk), ErrMalformed},
		{"v4 without KEM prekey id", v4(base, id, in4, reg, spk, kemCT), ErrMalformed},
		{"v4 without KEM ciphertext", v4(base, id, in4, reg, spk, kemID), ErrMalformed},
		{"v4 KEM ciphertext short", v4(base, id, in4, reg, spk, kemID, fb(8, fx.kemCT[:100])), ErrMalformed},
		{"v4 KEM ciphertext of type 0x07 (Kyber-768)", v4(base, id, in4, reg, spk, kemID, fb(8, append([]byte{7}, fx.kemCT[1:]...))), ErrMalformed},
		{"v4 KEM ciphertext of type 0x05", v4(base, id, in4, reg, spk, kemID, fb(8, append([]byte{5}, fx.kemCT[1:]...))), ErrMalformed},
		{"v4 KEM ciphertext without type byte", v4(base, id, in4, reg, spk, kemID, fb(8, fx.kemCT[1:])), ErrMalformed},
		{"v4 holding a v3 message", v4(base, id, in3, reg, spk, kemID, kemCT), ErrMalformed},
		{"v3 holding a v4 message", v3(base, id, in4, reg, spk), ErrMalformed},
		{"inner message malformed", v3(base, id, fb(4, []byte{0x33, 1, 2}), reg, spk), ErrMalformed},
		{"inner message of version 5", v3(base, id, fb(4, signalBytes(0x55)), reg, spk), ErrVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParsePreKeySignalMessage(tc.in)
			if !errors.Is(err, tc.want) || m != nil {
				t.Fatalf("got %v, %v; want %v", m, err, tc.want)
			}
			t.Log(err)
		})
	}
}

func TestParsePreKeySignalMessageAccepts(t *testing.T) {
	fx := newFixture(t)
	base, id, spk := fb(2, fx.base.Bytes()), fb(3, fx.alice.Bytes()), fv(6, 9)
	in := fb(4, fx.signal(4, 0, 0).Bytes())
	kem := cat(fv(7, 300), fb(8, fx.kemCT))
	for _, tc := range []struct {
		name string
		in   []byte
		want PreKeySignalMessage
	}{
		{"no registration id, no prekey id", cat([]byte{0x44}, base, id, in, spk, kem),
			PreKeySignalMessage{SignedPreKeyID: 9}},
		{"prekey id 0 is present", cat([]byte{0x44}, fv(1, 0), base, id, in, spk, kem),
			PreKeySignalMessage{HasPreKeyID: true, SignedPreKeyID: 9}},
		{"unknown swoosh fields 9 and 10, reversed order", cat([]byte{0x44}, fb(10, pattern(0, 33)),
			kem, fv(9, 5), spk, fv(5, 42), in, id, base), PreKeySignalMessage{RegistrationID: 42, SignedPreKeyID: 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParsePreKeySignalMessage(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.RegistrationID != tc.want.RegistrationID || m.HasPreKeyID != tc.want.HasPreKeyID ||
				m.PreKeyID != 0 || m.SignedPreKeyID != tc.want.SignedPreKeyID || m.KEMPreKeyID != 300 ||
				m.BaseKey != fx.base || m.Identity != fx.alice || m.Version != 4 {
				t.Errorf("parsed %+v", m)
			}
			if !bytes.Equal(m.Bytes(), tc.in) {
				t.Error("Bytes() differs from the input")
			}
		})
	}
}

func TestVerifyMAC(t *testing.T) {
	fx := newFixture(t)
	b := fx.signal(VersionPQXDH, 3, 1).Bytes()
	// Flipping any bit either makes the message unparsable or fails the MAC.
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		m, err := ParseSignalMessage(c)
		if err == nil {
			err = m.VerifyMAC(fx.macKey, fx.alice, fx.bob)
		}
		if err == nil {
			t.Fatalf("bit %d flipped: message still verifies", i)
		}
	}
	m, err := ParseSignalMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := bytes.Repeat([]byte{0x4e}, 32)
	for _, tc := range []struct {
		name             string
		macKey           []byte
		sender, receiver keys.PublicKey
		want             error
	}{
		{"right keys", fx.macKey, fx.alice, fx.bob, nil},
		{"sender and receiver swapped", fx.macKey, fx.bob, fx.alice, ErrBadMAC},
		{"other MAC key", otherKey, fx.alice, fx.bob, ErrBadMAC},
		{"other receiver", fx.macKey, fx.alice, fx.base, ErrBadMAC},
	} {
		if err := m.VerifyMAC(tc.macKey, tc.sender, tc.receiver); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := new(SignalMessage).VerifyMAC(fx.macKey, fx.alice, fx.bob); !errors.Is(err, ErrBadMAC) {
		t.Errorf("zero message: got %v", err)
	}
}

// TestMessageFormat is the table of what ratchat writes and reads of the
// SignalMessage framing, beside libsignal's choices:
//   - version byte written: 0x33 for version 3 and 0x44 for version 4.
//     libsignal writes 0x34 for version 3, but go.mau.fi/libsignal (the
//     version-3 peers ratchat still reads) recomputes the MAC over its own
//     0x33 and refuses 0x34; libsignal reads only the high nibble, so 0x33
//     suits both. Both 0x33 and 0x34 are read.
//   - a message without a counter: refused, [ErrNoCounter] and [ErrMalformed].
//   - addresses (field 6): read and ignored, and covered by the MAC.
func TestMessageFormat(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		version uint8
		want    byte
	}{{VersionX3DH, 0x33}, {VersionPQXDH, 0x44}} {
		if got := fx.signal(tc.version, 1, 0).Bytes()[0]; got != tc.want {
			t.Errorf("version %d message starts 0x%02x, want 0x%02x", tc.version, got, tc.want)
		}
		if got := fx.preKey(tc.version, true).Bytes()[0]; got != tc.want {
			t.Errorf("version %d prekey message starts 0x%02x, want 0x%02x", tc.version, got, tc.want)
		}
	}
	key, ct := fb(1, fx.ratchet.Bytes()), fb(4, fx.ciphertext)
	_, err := ParseSignalMessage(signalBytes(0x44, key, ct))
	if !errors.Is(err, ErrNoCounter) || !errors.Is(err, ErrMalformed) || !IsProtocolError(err) {
		t.Errorf("message without a counter: %v, want ErrNoCounter and ErrMalformed", err)
	}

	// A message with addresses, MACed as its sender would: it verifies,
	// and altering the addresses fails the MAC.
	for _, version := range []byte{0x34, 0x44} {
		body := cat([]byte{version}, key, fv(2, 2), fv(3, 0), ct, fb(6, pattern(0x60, 34)))
		mac := computeMAC(fx.macKey, fx.alice, fx.bob, body)
		m, err := ParseSignalMessage(cat(body, mac[:]))
		if err != nil || m.Counter != 2 || !bytes.Equal(m.Ciphertext, fx.ciphertext) {
			t.Fatalf("version byte 0x%02x with addresses: %v", version, err)
		}
		if err := m.VerifyMAC(fx.macKey, fx.alice, fx.bob); err != nil {
			t.Errorf("version byte 0x%02x with addresses: MAC %v", version, err)
		}
		altered := cat(body, mac[:])
		altered[len(body)-1] ^= 1 // the last byte of the addresses
		m, err = ParseSignalMessage(altered)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.VerifyMAC(fx.macKey, fx.alice, fx.bob); !errors.Is(err, ErrBadMAC) {
			t.Errorf("altered addresses: MAC %v, want ErrBadMAC", err)
		}
	}
}
