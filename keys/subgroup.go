package keys

import (
	"filippo.io/edwards25519"
)

// eightInverse is 8⁻¹ mod ℓ, the order of the prime-order subgroup.
var eightInverse = func() *edwards25519.Scalar {
	var b [32]byte
	b[0] = 8
	eight, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic("keys: 8 is not a canonical scalar")
	}
	return edwards25519.NewScalar().Invert(eight)
}()

// PrimeOrderPart returns the u-coordinate of the prime-order component of
// the point p encodes: p itself for every honestly made key (a scalar times
// the base point), and the same honest key for that key plus any point of
// small order. Such a sum is the same key to X25519, whose clamped scalars
// are multiples of 8 and so erase the small-order part: it is how a replayed
// first message is recognised under a tampered base key.
//
// It fails with [ErrNonCanonicalKey] for u >= 2^255-19 or bit 255 set, with
// [ErrTorsionKey] for a u-coordinate on the quadratic twist (no point of
// the curve, so never an honest key), and with [ErrLowOrderKey] when the
// prime-order component is the identity (p is itself of small order).
//
// How: the birational map of RFC 7748 section 4.1 takes u to the Edwards
// point with y = (u-1)/(u+1) (x of either sign: P and -P have the same
// component up to sign, hence the same u). Writing P = Q + T with Q of
// order ℓ and T in the 8-torsion, [8⁻¹ mod ℓ]([8]P) = Q, since [8]T = 0.
// The multiplication is variable-time: public keys are public.
func (p PublicKey) PrimeOrderPart() (PublicKey, error) {
	q, _, err := p.primeOrderPart()
	if err != nil {
		return PublicKey{}, err
	}
	var out PublicKey
	copy(out[:], q.BytesMontgomery())
	return out, nil
}

// CheckPrimeOrder returns nil when p is a key that may be offered to a
// session: canonically encoded (u < 2^255-19) and in the prime-order
// subgroup, that is torsion-free and not of small order. A key with a
// small-order point added fails with [ErrTorsionKey], as does a point on
// the twist; the other errors are [PublicKey.PrimeOrderPart]'s.
//
// Why: the key agreements cannot tell P from P + T, so a key that is not
// torsion-free is a tampered copy of another. libsignal refuses such a base
// key (PublicKey::is_canonical in rust/core/src/curve.rs, checked by
// pqxdh_accept); ratchat refuses it for the base key and both identity
// keys of a session start (docs/PROTOCOL.md says why not the prekeys).
// [NewPublicKey] keeps the cheaper X25519 checks only, so that
// plain key agreement still accepts what RFC 7748 and Wycheproof call valid.
func (p PublicKey) CheckPrimeOrder() error {
	q, point, err := p.primeOrderPart()
	if err != nil {
		return err
	}
	if q.Equal(point) != 1 {
		return ErrTorsionKey
	}
	return nil
}

// primeOrderPart returns p's prime-order component Q and p's own Edwards
// point P (the one with x of sign 0).
func (p PublicKey) primeOrderPart() (q, point *edwards25519.Point, err error) {
	if !isCanonical(p) {
		return nil, nil, ErrNonCanonicalKey
	}
	point, err = montgomeryToEdwards(p, 0)
	if err != nil {
		// Not on the curve: u lies on the quadratic twist.
		return nil, nil, ErrTorsionKey
	}
	q = new(edwards25519.Point).MultByCofactor(point)
	q.VarTimeDoubleScalarBaseMult(eightInverse, q, edwards25519.NewScalar())
	if q.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, nil, ErrLowOrderKey
	}
	return q, point, nil
}
