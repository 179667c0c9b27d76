package session

import (
	"encoding/hex"
	"errors"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"

	"ratchat/keys"
)

// order8U is the u-coordinate of a point of order 8 on Curve25519 (one of
// the small-order points every X25519 implementation knows).
const order8U = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"

// toEdwards maps a u-coordinate to the Edwards point with y = (u-1)/(u+1)
// and x of sign 0 (RFC 7748 section 4.1).
func toEdwards(t testing.TB, u []byte) *edwards25519.Point {
	t.Helper()
	fu, err := new(field.Element).SetBytes(u)
	if err != nil {
		t.Fatal(err)
	}
	one := new(field.Element).One()
	y := new(field.Element).Multiply(new(field.Element).Subtract(fu, one),
		new(field.Element).Invert(new(field.Element).Add(fu, one)))
	p, err := new(edwards25519.Point).SetBytes(y.Bytes())
	if err != nil {
		t.Fatalf("u = %x is not on the curve: %v", u, err)
	}
	return p
}

// torsioned returns pub plus k times the order-8 point, k in 1..7: a
// different key that every X25519 agreement with a clamped scalar treats
// exactly as pub.
func torsioned(t testing.TB, pub keys.PublicKey, k int) keys.PublicKey {
	t.Helper()
	u, err := hex.DecodeString(order8U)
	if err != nil {
		t.Fatal(err)
	}
	tor := edwards25519.NewIdentityPoint()
	for range k {
		tor.Add(tor, toEdwards(t, u))
	}
	var out keys.PublicKey
	copy(out[:], new(edwards25519.Point).Add(toEdwards(t, pub[:]), tor).BytesMontgomery())
	if out == pub {
		t.Fatalf("adding %d·T8 left the key unchanged", k)
	}
	return out
}

// withKeys returns m (a PreKeySignalMessage) with its base key replaced
// by base, and its identity key by identity unless that is nil.
func withKeys(t testing.TB, m sent, base, identity *keys.PublicKey) sent {
	t.Helper()
	parsed, err := ParsePreKeySignalMessage(m.body)
	if err != nil {
		t.Fatal(err)
	}
	c := *parsed
	c.raw = nil
	if base != nil {
		c.BaseKey = *base
	}
	if identity != nil {
		c.Identity = *identity
	}
	return sent{TypePreKey, c.Bytes(), m.plaintext}
}

// TestTorsionedBaseKeyReplay is the attack of issue 9: a session's first
// message replayed with a small-order point added to its base key. Every
// agreement is unchanged, so before the check it decrypted again as a new
// session and displaced the real one. Now each of the seven tampered copies
// is refused with ErrDuplicate and leaves the session byte for byte as it
// was: while the initiator still repeats its first message, after the
// first reply, and when the session has been archived by a newer one. The
// real session goes on working in both directions.
func TestTorsionedBaseKeyReplay(t *testing.T) {
	for i, tc := range handshakeCases {
		t.Run(tc.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(300+i)), newParty(t, uint64(400+i))
			startSession(t, alice, bob, tc.opt)
			first := alice.send("the first message")
			bob.mustReceive(first)
			base := alice.session.current.baseKey
			replays := make([]sent, 0, 7)
			for k := 1; k < 8; k++ {
				tampered := torsioned(t, base, k)
				replays = append(replays, withKeys(t, first, &tampered, nil))
			}
			rejectAll := func(when string) {
				t.Helper()
				for k, r := range replays {
					err := bob.mustRejectUnchanged(r, ErrDuplicate)
					if !errors.Is(err, keys.ErrTorsionKey) {
						t.Errorf("%s, base key + %d·T8: %v does not say why", when, k+1, err)
					}
				}
			}
			rejectAll("before any reply")
			bob.mustReceive(alice.send("a second first message"))
			alice.mustReceive(bob.send("the reply"))
			rejectAll("after the reply")
			bob.mustReceive(alice.send("established"))
			assertChainsMatch(t, alice, bob)

			// A newer session from alice archives this one at bob's.
			startSession(t, alice, bob, tc.opt)
			bob.mustReceive(alice.send("a new session"))
			if len(bob.session.archived) != 1 || bob.session.archived[0].baseKey != base {
				t.Fatalf("the first session is not archived at bob's")
			}
			rejectAll("after it was archived")
			alice.mustReceive(bob.send("reply to the new session"))
			bob.mustReceive(alice.send("still working"))
		})
	}
}

// TestOfferedKeysRefused checks the responder's checks on a fresh session:
// a base key or identity key that is not torsion-free, or on the twist,
// is malformed (not a duplicate: no session has its prime-order part),
// and nothing changes.
func TestOfferedKeysRefused(t *testing.T) {
	alice, bob := newParty(t, 501), newParty(t, 502)
	startSession(t, alice, bob, bundleOptions{oneTime: true, kem: true})
	first := alice.send("hello")
	base, identity := alice.session.current.baseKey, alice.local.Identity.Public
	twist := keys.PublicKey{2} // u = 2 lies on the quadratic twist
	rows := []struct {
		name string
		msg  sent
	}{
		{"base key + T8", withKeys(t, first, ptr(torsioned(t, base, 1)), nil)},
		{"base key + 4·T8 (order 2)", withKeys(t, first, ptr(torsioned(t, base, 4)), nil)},
		{"base key on the twist", withKeys(t, first, &twist, nil)},
		{"identity key + T8", withKeys(t, first, nil, ptr(torsioned(t, identity, 1)))},
		{"identity key + 2·T8", withKeys(t, first, nil, ptr(torsioned(t, identity, 2)))},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			err := bob.mustRejectUnchanged(r.msg, ErrMalformed)
			if errors.Is(err, ErrDuplicate) || !errors.Is(err, keys.ErrTorsionKey) {
				t.Errorf("got %v, want a malformed key outside the prime-order subgroup", err)
			}
		})
	}
	bob.mustReceive(first)
}

// TestBundleKeysChecked checks the initiator's side: an identity key with
// a small-order point added is refused before anything else (whatever the
// signatures say), a tampered signed prekey fails its signature, and a
// tampered one-time prekey, which is not checked, changes nothing: the
// session is the one the honest key gives, and the responder reads it.
func TestBundleKeysChecked(t *testing.T) {
	rows := []struct {
		name   string
		tamper func(b *keys.Bundle)
		want   []error // nil: Initiate succeeds and bob decrypts
	}{
		{"identity key + 3·T8", func(b *keys.Bundle) { b.Identity = torsioned(t, b.Identity, 3) },
			[]error{ErrBadBundle, keys.ErrTorsionKey}},
		{"identity key + 4·T8 (order 2)", func(b *keys.Bundle) { b.Identity = torsioned(t, b.Identity, 4) },
			[]error{ErrBadBundle, keys.ErrTorsionKey}},
		{"signed prekey + 5·T8", func(b *keys.Bundle) { b.SignedPreKey = torsioned(t, b.SignedPreKey, 5) },
			[]error{ErrBadBundle, keys.ErrBadSignature}},
		{"one-time prekey + 7·T8", func(b *keys.Bundle) { b.OneTimePreKey = ptr(torsioned(t, *b.OneTimePreKey, 7)) }, nil},
	}
	for i, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			alice, bob := newParty(t, uint64(601+10*i)), newParty(t, uint64(602+10*i))
			b := bob.bundle(bundleOptions{oneTime: true, kem: true})
			r.tamper(b)
			s, err := Initiate(alice.rand, alice.local, b)
			for _, want := range r.want {
				if !errors.Is(err, want) {
					t.Errorf("Initiate = %v, want %v", err, want)
				}
			}
			if r.want != nil {
				return
			}
			if err != nil {
				t.Fatalf("Initiate = %v", err)
			}
			alice.session = *s
			bob.mustReceive(alice.send("over a tampered one-time prekey"))
			alice.mustReceive(bob.send("reply"))
			assertRootsMatch(t, alice, bob)
		})
	}
}

func ptr[T any](v T) *T { return &v }
