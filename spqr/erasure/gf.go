package erasure

// fieldPoly is the reduction polynomial of GF(2^16),
// x^16 + x^12 + x^3 + x + 1, the one SparsePostQuantumRatchet uses. It is
// primitive, so x (the element 2) generates the multiplicative group, which
// the tables below rely on.
const fieldPoly = 0x1100b

// groupOrder is the order of the multiplicative group of GF(2^16).
const groupOrder = 1<<16 - 1

// gf is an element of GF(2^16): bit i is the coefficient of x^i.
type gf uint16

var (
	// expTable[i] is x^i, stored twice over so that the sum of two
	// logarithms indexes it without a reduction modulo groupOrder.
	expTable [2 * groupOrder]gf
	// logTable[a] is the i with x^i = a, for a != 0.
	logTable [1 << 16]uint16
)

func init() {
	a := uint32(1)
	for i := range groupOrder {
		expTable[i] = gf(a)
		expTable[i+groupOrder] = gf(a)
		logTable[a] = uint16(i)
		a <<= 1
		if a&(1<<16) != 0 {
			a ^= fieldPoly
		}
	}
	if a != 1 {
		panic("erasure: field polynomial is not primitive")
	}
}

// mul returns a·b.
func (a gf) mul(b gf) gf {
	if a == 0 || b == 0 {
		return 0
	}
	return expTable[int(logTable[a])+int(logTable[b])]
}

// div returns a/b. Dividing by zero is a broken invariant: callers only
// divide by differences of distinct evaluation points.
func (a gf) div(b gf) gf {
	if b == 0 {
		panic("erasure: division by zero")
	}
	if a == 0 {
		return 0
	}
	return expTable[int(logTable[a])+groupOrder-int(logTable[b])]
}
