package incmlkem

// ringElement is a polynomial of R_q = Z_q[X]/(X^256 + 1), coefficients in
// the ordinary basis.
type ringElement [n]fieldElement

// nttElement is the NTT representation of a polynomial (FIPS 203 section
// 4.3): 128 polynomials of degree at most one. A distinct type keeps the two
// domains apart.
type nttElement [n]fieldElement

// zeta is ζ = 17, the primitive 256-th root of unity mod q.
const zeta = 17

// nInverse is 128⁻¹ mod q, the final scaling of the inverse NTT.
const nInverse = 3303

// zetas[i] is ζ^BitRev7(i) mod q, used by NTT and NTT⁻¹ (FIPS 203 Appendix
// A); gammas[i] is ζ^(2·BitRev7(i)+1) mod q, used by MultiplyNTTs.
var zetas, gammas = powerTables()

// powerTables computes the two tables of FIPS 203 Appendix A from ζ.
func powerTables() (z, g [128]fieldElement) {
	var pow [256]fieldElement // pow[e] = ζ^e mod q
	pow[0] = 1
	for e := 1; e < 256; e++ {
		pow[e] = mul(pow[e-1], zeta)
	}
	for i := range 128 {
		r := bitRev7(uint8(i))
		z[i] = pow[r]
		g[i] = pow[2*int(r)+1]
	}
	return z, g
}

// bitRev7 reverses the seven low bits of i.
func bitRev7(i uint8) uint8 {
	var r uint8
	for b := range 7 {
		r |= (i >> b & 1) << (6 - b)
	}
	return r
}

// ntt is FIPS 203 Algorithm 9, NTT(f).
func ntt(f ringElement) nttElement {
	i := 1
	for length := 128; length >= 2; length /= 2 {
		for start := 0; start < n; start += 2 * length {
			z := zetas[i]
			i++
			for j := start; j < start+length; j++ {
				t := mul(z, f[j+length])
				f[j+length] = sub(f[j], t)
				f[j] = add(f[j], t)
			}
		}
	}
	return nttElement(f)
}

// inverseNTT is FIPS 203 Algorithm 10, NTT⁻¹(f̂).
func inverseNTT(fHat nttElement) ringElement {
	f := ringElement(fHat)
	i := 127
	for length := 2; length <= 128; length *= 2 {
		for start := 0; start < n; start += 2 * length {
			z := zetas[i]
			i--
			for j := start; j < start+length; j++ {
				t := f[j]
				f[j] = add(t, f[j+length])
				f[j+length] = mul(z, sub(f[j+length], t))
			}
		}
	}
	for j := range f {
		f[j] = mul(f[j], nInverse)
	}
	return f
}

// multiplyNTTsAdd is FIPS 203 Algorithm 11 with Algorithm 12 (BaseCaseMultiply)
// inlined: the product of two polynomials in the NTT domain, accumulated
// into acc (acc += f̂ ∘ ĝ), as the matrix-vector products need.
func multiplyNTTsAdd(acc *nttElement, f, g *nttElement) {
	for i := range 128 {
		a0, a1 := f[2*i], f[2*i+1]
		b0, b1 := g[2*i], g[2*i+1]
		c0 := add(mul(a0, b0), mul(mul(a1, b1), gammas[i]))
		c1 := add(mul(a0, b1), mul(a1, b0))
		acc[2*i] = add(acc[2*i], c0)
		acc[2*i+1] = add(acc[2*i+1], c1)
	}
}

// addPoly returns a + b, coefficient by coefficient.
func addPoly(a, b ringElement) ringElement {
	for i := range a {
		a[i] = add(a[i], b[i])
	}
	return a
}
