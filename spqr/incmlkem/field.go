package incmlkem

// fieldElement is an integer mod q, always kept in [0, q).
type fieldElement uint16

// reduce returns x mod q as a field element. Every product of two field
// elements fits in a uint32. Division by a constant compiles to a
// multiplication and shifts, so this takes the same time for every x: the
// coefficients of r, e1, e2 and m are secret.
func reduce(x uint32) fieldElement {
	return fieldElement(x % q)
}

// reduceOnce returns x mod q for x < 2q, without a branch: x - q wraps to at
// least 2^15 exactly when x < q, and then q is added back.
func reduceOnce(x uint16) fieldElement {
	y := x - q
	y += (y >> 15) * q
	return fieldElement(y)
}

// add returns a + b mod q.
func add(a, b fieldElement) fieldElement {
	return reduceOnce(uint16(a) + uint16(b))
}

// sub returns a - b mod q.
func sub(a, b fieldElement) fieldElement {
	return reduceOnce(uint16(a) + q - uint16(b))
}

// mul returns a · b mod q.
func mul(a, b fieldElement) fieldElement {
	return reduce(uint32(a) * uint32(b))
}

// compress is Compress_d of FIPS 203 section 4.2.1: round(2^d/q · x) mod 2^d.
// The exact quotient is never half an integer (q is odd), so rounding to the
// nearest is the floor of (x·2^d + ⌊q/2⌋) / q.
func compress(x fieldElement, d uint) uint16 {
	rounded := (uint32(x)<<d + q/2) / q
	return uint16(rounded & (1<<d - 1))
}

// decompress is Decompress_d of FIPS 203 section 4.2.1: round(q/2^d · y),
// halves rounded up.
func decompress(y uint16, d uint) fieldElement {
	return fieldElement((uint32(y)*q + 1<<(d-1)) >> d)
}
