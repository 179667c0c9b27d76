package session

import (
	"bytes"
	"errors"
	"testing"

	"ratchat/keys"
)

// checkParseError fails unless a parse failure is typed and returns no
// message.
func checkParseError(t *testing.T, gotMessage bool, err error) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
		t.Fatalf("untyped error: %v", err)
	}
	if gotMessage {
		t.Fatalf("message returned with error %v", err)
	}
}

// FuzzParseSignalMessage checks that parsing never panics, fails only with
// typed errors, keeps the input exactly, and that re-encoding the parsed
// fields parses back to the same fields. It also checks that no input but
// the seeds verifies under the seeds' MAC key: the MAC covers every byte.
func FuzzParseSignalMessage(f *testing.F) {
	fx := newFixture(f)
	seeds := [][]byte{
		fx.signal(VersionX3DH, 0, 0).Bytes(),
		fx.signal(VersionPQXDH, 300, 1<<32-1).Bytes(),
		NewSignalMessage(VersionPQXDH, fx.ratchet, 1, 0, pattern(0, 1024), fx.macKey, fx.alice, fx.bob).Bytes(),
		signalBytes(0x44, fb(1, fx.ratchet.Bytes()), fv(2, 0), fb(4, pattern(0, 16)), fb(5, pattern(0, 40))),
		signalBytes(0x34, fb(1, fx.ratchet.Bytes()), fv(2, 1), fb(4, pattern(0, 16)), fb(6, pattern(0, 34))),
		signalBytes(0x44, fb(1, fx.ratchet.Bytes()), fb(4, pattern(0, 16))), // no counter: refused
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseSignalMessage(b)
		if err != nil {
			checkParseError(t, m != nil, err)
			return
		}
		if !bytes.Equal(m.Bytes(), b) {
			t.Fatal("Bytes() differs from the input")
		}
		if m.VerifyMAC(fx.macKey, fx.alice, fx.bob) == nil && !isSeed(seeds, b) {
			t.Fatalf("forged message verifies: %x", b)
		}
		re := NewSignalMessage(m.Version, m.RatchetKey, m.Counter, m.PreviousCounter, m.Ciphertext, fx.macKey, fx.alice, fx.bob)
		m2, err := ParseSignalMessage(re.Bytes())
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if m2.Version != m.Version || m2.RatchetKey != m.RatchetKey || m2.Counter != m.Counter ||
			m2.PreviousCounter != m.PreviousCounter || !bytes.Equal(m2.Ciphertext, m.Ciphertext) {
			t.Fatalf("re-encoded message differs: %+v, %+v", m2, m)
		}
		if err := m2.VerifyMAC(fx.macKey, fx.alice, fx.bob); err != nil {
			t.Fatal(err)
		}
	})
}

func isSeed(seeds [][]byte, b []byte) bool {
	for _, s := range seeds {
		if bytes.Equal(s, b) {
			return true
		}
	}
	return false
}

// FuzzParsePreKeySignalMessage checks that parsing never panics, fails only
// with typed errors, keeps the input exactly, and that the parsed fields,
// serialized again, parse back to the same fields.
func FuzzParsePreKeySignalMessage(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.preKey(VersionX3DH, true).Bytes())
	f.Add(fx.preKey(VersionX3DH, false).Bytes())
	f.Add(fx.preKey(VersionPQXDH, true).Bytes())
	f.Add(cat(fx.preKey(VersionX3DH, false).Bytes(), fv(9, 5), fb(10, pattern(0, 33))))
	kyber := fx.preKey(VersionPQXDH, true)
	kyber.KEMCiphertext = append([]byte{byte(keys.TypeKyber1024)}, fx.kemCT[1:]...)
	f.Add(kyber.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParsePreKeySignalMessage(b)
		if err != nil {
			checkParseError(t, m != nil, err)
			return
		}
		if !bytes.Equal(m.Bytes(), b) {
			t.Fatal("Bytes() differs from the input")
		}
		fields := *m
		fields.raw = nil
		m2, err := ParsePreKeySignalMessage(fields.Bytes())
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		assertSamePreKey(t, m2, m)
	})
}
