package session

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/keys"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testKey derives a fixed public key from a one-byte seed.
func testKey(t testing.TB, seed byte) keys.PublicKey {
	t.Helper()
	kp, err := keys.NewKeyPair(keys.PrivateKey{seed, seed, seed})
	if err != nil {
		t.Fatal(err)
	}
	return kp.Public
}

// testFixture holds the fixed keys and values the message tests share.
type testFixture struct {
	ratchet, base, alice, bob keys.PublicKey
	macKey, ciphertext, kemCT []byte
}

func newFixture(t testing.TB) testFixture {
	fx := testFixture{
		ratchet: testKey(t, 1), base: testKey(t, 2), alice: testKey(t, 3), bob: testKey(t, 4),
		macKey: bytes.Repeat([]byte{0x4d}, 32), ciphertext: pattern(0x10, 48),
	}
	fx.kemCT = append([]byte{byte(keys.TypeMLKEM1024)}, pattern(0x20, keys.KEMCiphertextSize)...)
	return fx
}

// pattern returns n bytes counting up from start.
func pattern(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// signal makes a SignalMessage from alice to bob.
func (fx testFixture) signal(version uint8, counter, previous uint32) *SignalMessage {
	return NewSignalMessage(version, fx.ratchet, counter, previous, fx.ciphertext, fx.macKey, fx.alice, fx.bob)
}

// preKey makes a PreKeySignalMessage of version with the fixture's values.
func (fx testFixture) preKey(version uint8, hasPreKey bool) *PreKeySignalMessage {
	m := &PreKeySignalMessage{
		Version: version, RegistrationID: 1234, PreKeyID: 77, HasPreKeyID: hasPreKey,
		SignedPreKeyID: 9, BaseKey: fx.base, Identity: fx.alice,
		Message: fx.signal(version, 0, 0),
	}
	if version == VersionPQXDH {
		m.KEMPreKeyID, m.KEMCiphertext = 300, fx.kemCT
	}
	return m
}

func TestSignalMessageRoundTrip(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		name              string
		version           uint8
		counter, previous uint32
		ciphertext        []byte
	}{
		{"v3 zero counters", VersionX3DH, 0, 0, pattern(0, 16)},
		{"v4 zero counters", VersionPQXDH, 0, 0, pattern(0, 16)},
		{"v3 two-byte varints", VersionX3DH, 300, 128, pattern(1, 1024)},
		{"v4 maximal counters", VersionPQXDH, 1<<32 - 1, 1<<32 - 2, pattern(2, 64)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := NewSignalMessage(tc.version, fx.ratchet, tc.counter, tc.previous, tc.ciphertext, fx.macKey, fx.alice, fx.bob)
			if got := sent.Bytes()[0]; got != tc.version<<4|tc.version {
				t.Errorf("version byte 0x%02x", got)
			}
			got, err := ParseSignalMessage(sent.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tc.version || got.RatchetKey != fx.ratchet || got.Counter != tc.counter ||
				got.PreviousCounter != tc.previous || !bytes.Equal(got.Ciphertext, tc.ciphertext) {
				t.Errorf("parsed %+v", got)
			}
			if !bytes.Equal(got.Bytes(), sent.Bytes()) {
				t.Error("Bytes() differs from the parsed input")
			}
			if err := got.VerifyMAC(fx.macKey, fx.alice, fx.bob); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPreKeySignalMessageRoundTrip(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		name      string
		version   uint8
		hasPreKey bool
	}{
		{"v3 with one-time prekey", VersionX3DH, true},
		{"v3 without one-time prekey", VersionX3DH, false},
		{"v4 with one-time prekey", VersionPQXDH, true},
		{"v4 without one-time prekey", VersionPQXDH, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := fx.preKey(tc.version, tc.hasPreKey)
			got, err := ParsePreKeySignalMessage(sent.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			assertSamePreKey(t, got, sent)
			if !bytes.Equal(got.Bytes(), sent.Bytes()) {
				t.Error("Bytes() differs from the parsed input")
			}
			if err := got.Message.VerifyMAC(fx.macKey, fx.alice, fx.bob); err != nil {
				t.Error(err)
			}
		})
	}
}

// assertSamePreKey fails unless got and want have the same fields,
// including the inner message's fields and bytes.
func assertSamePreKey(t testing.TB, got, want *PreKeySignalMessage) {
	t.Helper()
	if got.Version != want.Version || got.RegistrationID != want.RegistrationID ||
		got.HasPreKeyID != want.HasPreKeyID || (got.HasPreKeyID && got.PreKeyID != want.PreKeyID) ||
		got.SignedPreKeyID != want.SignedPreKeyID || got.BaseKey != want.BaseKey ||
		got.Identity != want.Identity || got.KEMPreKeyID != want.KEMPreKeyID ||
		!bytes.Equal(got.KEMCiphertext, want.KEMCiphertext) {
		t.Errorf("fields differ:\n got %+v\nwant %+v", got, want)
	}
	g, w := got.Message, want.Message
	if g.Version != w.Version || g.RatchetKey != w.RatchetKey || g.Counter != w.Counter ||
		g.PreviousCounter != w.PreviousCounter || !bytes.Equal(g.Ciphertext, w.Ciphertext) ||
		!bytes.Equal(g.Bytes(), w.Bytes()) {
		t.Errorf("inner messages differ:\n got %+v\nwant %+v", g, w)
	}
}

// TestGolden pins the encoding to files in testdata (rewritten with
// -update), and cross-checks each file by decoding it field by field with
// protowire: field numbers, their order (libsignal writes them ascending),
// the values, and the MAC recomputed independently.
func TestGolden(t *testing.T) {
	fx := newFixture(t)
	for _, tc := range []struct {
		file string
		msg  interface{ Bytes() []byte }
	}{
		{"signal_message_v3.hex", fx.signal(VersionX3DH, 5, 2)},
		{"signal_message_v4.hex", fx.signal(VersionPQXDH, 300, 0)},
		{"prekey_message_v3.hex", fx.preKey(VersionX3DH, true)},
		{"prekey_message_v4.hex", fx.preKey(VersionPQXDH, true)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := tc.msg.Bytes()
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, []byte(hex.EncodeToString(got)+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := hex.DecodeString(strings.TrimSpace(string(text)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding differs from %s:\n got %x\nwant %x", path, got, want)
			}
			if strings.HasPrefix(tc.file, "signal") {
				checkSignalWire(t, fx, want)
			} else {
				checkPreKeyWire(t, fx, want)
			}
		})
	}
}

// wireFields decodes a protobuf message with protowire alone, returning its
// field numbers in order and each field's raw value.
func wireFields(t testing.TB, b []byte) ([]protowire.Number, map[protowire.Number][]byte) {
	t.Helper()
	var order []protowire.Number
	values := map[protowire.Number][]byte{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		_, _, tagLen := protowire.ConsumeTag(b)
		v := b[tagLen:n]
		if typ == protowire.BytesType {
			v, _ = protowire.ConsumeBytes(v)
		}
		order = append(order, num)
		values[num] = v
		b = b[n:]
	}
	return order, values
}

// varintOf decodes a varint field's raw value.
func varintOf(t testing.TB, b []byte) uint64 {
	t.Helper()
	v, n := protowire.ConsumeVarint(b)
	if n != len(b) {
		t.Fatalf("bad varint %x", b)
	}
	return v
}

func checkSignalWire(t *testing.T, fx testFixture, b []byte) {
	t.Helper()
	v := b[0] >> 4
	if b[0] != v<<4|v || (v != 3 && v != 4) {
		t.Errorf("version byte 0x%02x", b[0])
	}
	body, mac := b[1:len(b)-MACSize], b[len(b)-MACSize:]
	order, f := wireFields(t, body)
	if want := []protowire.Number{1, 2, 3, 4}; !slices.Equal(order, want) {
		t.Errorf("field order %v, want %v", order, want)
	}
	if !bytes.Equal(f[1], fx.ratchet.Bytes()) || !bytes.Equal(f[4], fx.ciphertext) {
		t.Errorf("ratchet key %x, ciphertext %x", f[1], f[4])
	}
	h := hmac.New(sha256.New, fx.macKey)
	h.Write(fx.alice.Bytes())
	h.Write(fx.bob.Bytes())
	h.Write(b[:len(b)-MACSize])
	if want := h.Sum(nil)[:MACSize]; !bytes.Equal(mac, want) {
		t.Errorf("MAC %x, want %x", mac, want)
	}
}

func checkPreKeyWire(t *testing.T, fx testFixture, b []byte) {
	t.Helper()
	order, f := wireFields(t, b[1:])
	want := []protowire.Number{1, 2, 3, 4, 5, 6}
	if b[0] == 0x44 {
		want = append(want, 7, 8)
	} else if b[0] != 0x33 {
		t.Errorf("version byte 0x%02x", b[0])
	}
	if !slices.Equal(order, want) {
		t.Errorf("field order %v, want %v", order, want)
	}
	if varintOf(t, f[1]) != 77 || varintOf(t, f[5]) != 1234 || varintOf(t, f[6]) != 9 ||
		!bytes.Equal(f[2], fx.base.Bytes()) || !bytes.Equal(f[3], fx.alice.Bytes()) {
		t.Errorf("fields %x", f)
	}
	if b[0] == 0x44 && (varintOf(t, f[7]) != 300 || !bytes.Equal(f[8], fx.kemCT)) {
		t.Errorf("KEM fields %x, %x", f[7], f[8])
	}
	if f[4][0] != b[0] {
		t.Errorf("inner version byte 0x%02x", f[4][0])
	}
	checkSignalWire(t, fx, f[4])
}

// TestSealSignalMessage checks that encrypting in place in the serialization
// gives byte for byte the message that encrypting first and serializing
// the ciphertext gives, for plaintexts around the AES block boundaries.
func TestSealSignalMessage(t *testing.T) {
	fx := newFixture(t)
	mk := messageKeys{}
	copy(mk.cipher[:], pattern(0x30, keySize))
	copy(mk.mac[:], pattern(0x50, keySize))
	copy(mk.iv[:], pattern(0x70, ivSize))
	tests := []struct {
		name      string
		plaintext []byte
		pq        []byte
	}{
		{"empty", nil, nil},
		{"one byte", []byte{1}, nil},
		{"block minus one", pattern(0, 15), pattern(9, 3)},
		{"one block", pattern(0, 16), nil},
		{"block plus one", pattern(0, 17), pattern(1, 40)},
		{"1 KiB with SPQR", pattern(0, 1024), pattern(2, 70)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := newSignalMessage(VersionPQXDH, fx.ratchet, 7, 3, encryptCBC(&mk, tt.plaintext), tt.pq, mk.mac[:], fx.alice, fx.bob)
			got := sealSignalMessage(VersionPQXDH, fx.ratchet, 7, 3, &mk, tt.plaintext, tt.pq, fx.alice, fx.bob)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("sealed %x\nwant   %x", got.Bytes(), want.Bytes())
			}
			if !bytes.Equal(got.Ciphertext, want.Ciphertext) || !bytes.Equal(got.PQRatchet, want.PQRatchet) {
				t.Fatalf("fields differ: ciphertext %x / %x, pq %x / %x", got.Ciphertext, want.Ciphertext, got.PQRatchet, want.PQRatchet)
			}
			if err := got.VerifyMAC(mk.mac[:], fx.alice, fx.bob); err != nil {
				t.Fatalf("VerifyMAC: %v", err)
			}
			plain, err := decryptCBC(&mk, got.Ciphertext)
			if err != nil || !bytes.Equal(plain, tt.plaintext) {
				t.Fatalf("decryptCBC = %x, %v; want %x", plain, err, tt.plaintext)
			}
		})
	}
}
