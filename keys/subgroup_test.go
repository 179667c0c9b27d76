package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"filippo.io/edwards25519"

	"ratchat/internal/vectortest"
)

// eightTorsion returns the eight points of order dividing 8, computed from
// the order-8 point of lowOrderPoints: T, 2T, ..., 8T = identity, with
// index 0 the identity.
func eightTorsion(t testing.TB) [8]*edwards25519.Point {
	t.Helper()
	gen, err := montgomeryToEdwards(lowOrderPoints[2], 0)
	if err != nil {
		t.Fatal(err)
	}
	var out [8]*edwards25519.Point
	out[0] = edwards25519.NewIdentityPoint()
	for k := 1; k < 8; k++ {
		out[k] = new(edwards25519.Point).Add(out[k-1], gen)
		if out[k].Equal(out[0]) == 1 {
			t.Fatalf("%d·T is the identity: T is not of order 8", k)
		}
	}
	if new(edwards25519.Point).Add(out[7], gen).Equal(out[0]) != 1 {
		t.Fatal("8·T is not the identity")
	}
	return out
}

// withTorsion returns the u-coordinate of pub's point plus tor.
func withTorsion(t testing.TB, pub PublicKey, tor *edwards25519.Point) PublicKey {
	t.Helper()
	p, err := montgomeryToEdwards(pub, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out PublicKey
	copy(out[:], new(edwards25519.Point).Add(p, tor).BytesMontgomery())
	return out
}

func mustHexKey(t testing.TB, s string) PublicKey {
	t.Helper()
	var p PublicKey
	b, err := hex.DecodeString(s)
	if err != nil || copy(p[:], b) != KeySize {
		t.Fatalf("bad key %q", s)
	}
	return p
}

// TestCheckPrimeOrder runs the session-start check over the keys it must
// refuse and one it must take: the five small-order points, encodings of
// u >= p, a twist point, and an honest key with each 8-torsion point added.
func TestCheckPrimeOrder(t *testing.T) {
	honest := mustPair(t, bytes.Repeat([]byte{0x42}, KeySize)).Public
	highBit := honest
	highBit[31] |= 0x80
	type row struct {
		name string
		key  PublicKey
		want error
	}
	rows := []row{
		{"honest key", honest, nil},
		{"u = 0 (order 2)", lowOrderPoints[0], ErrLowOrderKey},
		{"u = 1 (order 4)", lowOrderPoints[1], ErrLowOrderKey},
		{"order 8, first", lowOrderPoints[2], ErrLowOrderKey},
		{"order 8, second", lowOrderPoints[3], ErrLowOrderKey},
		{"u = p-1 (order 4, twist)", lowOrderPoints[4], ErrLowOrderKey},
		// u >= p: p, p+1 and 2^255-1 alias 0, 1 and 18.
		{"u = p", mustHexKey(t, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), ErrNonCanonicalKey},
		{"u = p+1", mustHexKey(t, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), ErrNonCanonicalKey},
		{"u = 2^255-1", mustHexKey(t, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), ErrNonCanonicalKey},
		{"honest key with bit 255 set", highBit, ErrNonCanonicalKey},
		// u = 2 is on the twist: x^3 + A x^2 + x is not a square there.
		{"u = 2 (twist)", PublicKey{2}, ErrTorsionKey},
	}
	torsion := eightTorsion(t)
	for k, tor := range torsion[1:] {
		rows = append(rows, row{
			name: "honest key + " + string(rune('1'+k)) + "·T8",
			key:  withTorsion(t, honest, tor),
			want: ErrTorsionKey,
		})
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			err := r.key.CheckPrimeOrder()
			if !errors.Is(err, r.want) || (r.want == nil) != (err == nil) {
				t.Errorf("CheckPrimeOrder(%x) = %v, want %v", r.key[:], err, r.want)
			}
		})
	}
}

// TestPrimeOrderPart checks that an honest key is its own prime-order part,
// that adding any 8-torsion point leaves the part unchanged, and that X25519
// cannot tell the two apart: the reason a session must refuse the sum.
func TestPrimeOrderPart(t *testing.T) {
	for i := range 4 {
		kp := mustPair(t, bytes.Repeat([]byte{byte(0x10 + i)}, KeySize))
		other := mustPair(t, bytes.Repeat([]byte{byte(0x80 + i)}, KeySize))
		want, err := other.Agree(kp.Public)
		if err != nil {
			t.Fatal(err)
		}
		for k, tor := range eightTorsion(t) {
			key := withTorsion(t, kp.Public, tor)
			if (k == 0) != (key == kp.Public) {
				t.Fatalf("key %d + %d·T8 = %x: torsion changed nothing, or the identity changed it", i, k, key[:])
			}
			part, err := key.PrimeOrderPart()
			if err != nil || part != kp.Public {
				t.Errorf("key %d + %d·T8: part %x, %v; want %x", i, k, part[:], err, kp.Public[:])
			}
			got, err := other.Agree(key)
			if err != nil || got != want {
				t.Errorf("key %d + %d·T8: agreement differs (%v)", i, k, err)
			}
		}
	}
}

// TestWycheproofX25519PrimeOrder runs every Wycheproof X25519 public key
// through the session-start check. Twist, low-order and non-canonical keys
// are refused; for every other key, the agreement with the key's
// prime-order part gives Wycheproof's shared secret, which checks the part
// against outside truth (clamped scalars are multiples of 8). Valid keys
// with a small-order component, which plain X25519 must accept, are
// refused here only: TestWycheproofX25519 shows the raw path keeps them.
func TestWycheproofX25519PrimeOrder(t *testing.T) {
	torsioned := 0
	for _, tc := range vectortest.Wycheproof(t, "x25519_test.json") {
		var pub PublicKey
		copy(pub[:], tc.Hex(t, "public"))
		var priv PrivateKey
		copy(priv[:], tc.Hex(t, "private"))
		err := pub.CheckPrimeOrder()
		twist := slices.Contains(tc.Flags, "Twist")
		bad := twist || slices.Contains(tc.Flags, "LowOrderPublic") || slices.Contains(tc.Flags, "NonCanonicalPublic")
		if bad {
			if err == nil {
				t.Errorf("test %v (%v): accepted", tc.ID, tc.Flags)
			}
			continue
		}
		if errors.Is(err, ErrTorsionKey) {
			torsioned++
		} else if err != nil {
			t.Errorf("test %v (%v): %v", tc.ID, tc.Flags, err)
			continue
		}
		part, err := pub.PrimeOrderPart()
		if err != nil {
			t.Errorf("test %v: no prime-order part: %v", tc.ID, err)
			continue
		}
		shared, err := priv.Agree(part)
		if err != nil || hex.EncodeToString(shared[:]) != tc.Fields["shared"] {
			t.Errorf("test %v: agreement with the prime-order part = %x (%v), want %s", tc.ID, shared, err, tc.Fields["shared"])
		}
	}
	if torsioned == 0 {
		t.Error("no Wycheproof key had a small-order component: the check was not exercised")
	}
	t.Logf("%d on-curve keys with a small-order component refused", torsioned)
}

// BenchmarkCheckPrimeOrder is the cost of the session-start check on one
// honest key, beside one X25519 agreement for scale.
func BenchmarkCheckPrimeOrder(b *testing.B) {
	kp := mustPair(b, bytes.Repeat([]byte{0x42}, KeySize))
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if err := kp.Public.CheckPrimeOrder(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("X25519", func(b *testing.B) {
		for b.Loop() {
			if _, err := kp.Agree(kp.Public); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzPrimeOrderPart checks, for any 32 bytes, the properties the session
// relies on: a key that passes CheckPrimeOrder is its own canonical form; a
// canonical form passes the check and is its own canonical form; and X25519
// gives the same secret with a key and with its canonical form.
func FuzzPrimeOrderPart(f *testing.F) {
	honest := mustPair(f, bytes.Repeat([]byte{0x42}, KeySize))
	f.Add(honest.Public[:])
	f.Add(withTorsion(f, honest.Public, eightTorsion(f)[3]).Bytes()[1:])
	for _, p := range lowOrderPoints {
		f.Add(p[:])
	}
	f.Add(bytes.Repeat([]byte{0xff}, KeySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var key PublicKey
		if copy(key[:], b) != KeySize || len(b) != KeySize {
			return
		}
		checkErr := key.CheckPrimeOrder()
		part, err := key.PrimeOrderPart()
		if err != nil {
			if checkErr == nil {
				t.Fatalf("%x passes the check but has no canonical form: %v", b, err)
			}
			return
		}
		if (checkErr == nil) != (part == key) {
			t.Fatalf("%x: check %v, but canonical form %x", b, checkErr, part[:])
		}
		if err := part.CheckPrimeOrder(); err != nil {
			t.Fatalf("canonical form %x of %x fails the check: %v", part[:], b, err)
		}
		if again, err := part.PrimeOrderPart(); err != nil || again != part {
			t.Fatalf("canonical form %x of %x is not its own (%x, %v)", part[:], b, again[:], err)
		}
		if _, err := NewPublicKey(key[:]); err != nil {
			return
		}
		x, err1 := honest.Agree(key)
		y, err2 := honest.Agree(part)
		if err1 != nil || err2 != nil || x != y {
			t.Fatalf("%x: agreement %x (%v) differs from its canonical form's %x (%v)", b, x, err1, y, err2)
		}
	})
}
