package erasure

import (
	"math/rand/v2"
	"testing"
)

// mulBitwise multiplies in GF(2^16) the slow way, independently of the
// tables: carry-less long multiplication, then reduction by fieldPoly from
// the top bit down.
func mulBitwise(a, b gf) gf {
	var p uint32
	for i := range 16 {
		if b&(1<<i) != 0 {
			p ^= uint32(a) << i
		}
	}
	return gf(reduceBitwise(uint64(p)))
}

// reduceBitwise returns p modulo fieldPoly, as carry-less polynomials.
func reduceBitwise(p uint64) uint64 {
	for i := 63; i >= 16; i-- {
		if p&(1<<i) != 0 {
			p ^= uint64(fieldPoly) << (i - 16)
		}
	}
	return p
}

// clmul is carry-less multiplication of two polynomials over GF(2).
func clmul(a, b uint64) uint64 {
	var p uint64
	for i := range 32 {
		if b&(1<<i) != 0 {
			p ^= a << i
		}
	}
	return p
}

// TestFieldKnownProducts checks products and quotients worked out by hand
// from x^16 = x^12 + x^3 + x + 1.
func TestFieldKnownProducts(t *testing.T) {
	tests := []struct {
		name    string
		a, b, p gf
	}{
		{"x times x+1, no reduction", 0x0002, 0x0003, 0x0006},
		{"x^15 times x is x^16", 0x8000, 0x0002, 0x100b},
		{"x^8 squared is x^16", 0x0100, 0x0100, 0x100b},
		// x^30 = x^15+x^11+x^10+x^9+x^7+x^6+x^5+x^4+x^3+x.
		{"x^15 squared is x^30", 0x8000, 0x8000, 0x8efa},
		// x·(x^15+x^11+x^2+1) = fieldPoly + 1, so that is x's inverse.
		{"x times its inverse", 0x0002, 0x8805, 0x0001},
		{"one is neutral", 0x1234, 0x0001, 0x1234},
		{"zero absorbs", 0xffff, 0x0000, 0x0000},
		{"(x+1) squared is x^2+1", 0x0003, 0x0003, 0x0005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.mul(tt.b); got != tt.p {
				t.Errorf("%#04x · %#04x = %#04x, want %#04x", tt.a, tt.b, got, tt.p)
			}
			if got := tt.b.mul(tt.a); got != tt.p {
				t.Errorf("%#04x · %#04x = %#04x, want %#04x", tt.b, tt.a, got, tt.p)
			}
			if got := mulBitwise(tt.a, tt.b); got != tt.p {
				t.Errorf("bitwise %#04x · %#04x = %#04x, want %#04x", tt.a, tt.b, got, tt.p)
			}
			if tt.b != 0 {
				if got := tt.p.div(tt.b); got != tt.a {
					t.Errorf("%#04x / %#04x = %#04x, want %#04x", tt.p, tt.b, got, tt.a)
				}
			}
		})
	}
}

// TestFieldBarrettConstant checks the literal of the Rust test
// x86_barrett_reduction (src/encoding/gf.rs), 0x1111a, which it states is
// x^32 divided by the field polynomial without carries: x^32 minus that
// quotient times the polynomial must leave a remainder of degree below 16.
func TestFieldBarrettConstant(t *testing.T) {
	rem := uint64(1)<<32 ^ clmul(fieldPoly, 0x1111a)
	if rem>>16 != 0 {
		t.Fatalf("x^32 - 0x1111a·P = %#x, want degree below 16", rem)
	}
	if got := reduceBitwise(1 << 32); got != rem {
		t.Fatalf("x^32 mod P = %#x, want %#x", got, rem)
	}
}

// TestFieldTables checks that x generates the whole multiplicative group
// and that table multiplication agrees with long multiplication.
func TestFieldTables(t *testing.T) {
	seen := make([]bool, 1<<16)
	for i := range groupOrder {
		a := expTable[i]
		if a == 0 || seen[a] {
			t.Fatalf("x^%d = %#04x repeats or is zero: x is not a generator", i, a)
		}
		seen[a] = true
		if int(logTable[a]) != i {
			t.Fatalf("log(%#04x) = %d, want %d", a, logTable[a], i)
		}
		if expTable[i+groupOrder] != a {
			t.Fatalf("second copy of x^%d differs", i)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		a, b := gf(rng.Uint32()), gf(rng.Uint32())
		if got, want := a.mul(b), mulBitwise(a, b); got != want {
			t.Fatalf("%#04x · %#04x = %#04x, long multiplication gives %#04x", a, b, got, want)
		}
	}
	for a := range 1 << 16 {
		if got, want := gf(a).mul(0x8000), mulBitwise(gf(a), 0x8000); got != want {
			t.Fatalf("%#04x · 0x8000 = %#04x, want %#04x", a, got, want)
		}
	}
}

// TestFieldLaws checks the field axioms over many random elements.
func TestFieldLaws(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		a, b, c := gf(rng.Uint32()), gf(rng.Uint32()), gf(rng.Uint32())
		if a.mul(b).mul(c) != a.mul(b.mul(c)) {
			t.Fatalf("(ab)c != a(bc) for %#04x %#04x %#04x", a, b, c)
		}
		if a.mul(b) != b.mul(a) {
			t.Fatalf("ab != ba for %#04x %#04x", a, b)
		}
		if a.mul(b^c) != a.mul(b)^a.mul(c) {
			t.Fatalf("a(b+c) != ab+ac for %#04x %#04x %#04x", a, b, c)
		}
		if a.mul(1) != a || a^0 != a || a^a != 0 {
			t.Fatalf("identities fail for %#04x", a)
		}
		if b != 0 {
			if a.div(b).mul(b) != a {
				t.Fatalf("(a/b)b != a for %#04x %#04x", a, b)
			}
			if inv := gf(1).div(b); inv.mul(b) != 1 {
				t.Fatalf("b·(1/b) = %#04x for b = %#04x", inv.mul(b), b)
			}
		}
	}
}

// TestFieldDivByZeroPanics checks that dividing by zero is caught as the
// broken invariant it is.
func TestFieldDivByZeroPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("division by zero did not panic")
		}
	}()
	gf(1).div(0)
}

// TestLagrangeInterpolation checks that the log-domain Lagrange form
// agrees with a polynomial evaluated directly by Horner's rule.
func TestLagrangeInterpolation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 3, 5, 30, 36, 100} {
		poly := make([]gf, n) // monomial coefficients, lowest first
		for i := range poly {
			poly[i] = gf(rng.Uint32())
		}
		poly[0] = 0 // so that some values are likely zero at x = 0
		eval := func(x gf) gf {
			var r gf
			for i := len(poly) - 1; i >= 0; i-- {
				r = r.mul(x) ^ poly[i]
			}
			return r
		}
		perm := rng.Perm(1 << 16)
		xs, logY := make([]gf, n), make([]int32, n)
		for i, x := range perm[:n] {
			xs[i], logY[i] = gf(x), logOf(eval(gf(x)))
		}
		logW, basis := make([]int32, n), make([]int32, n)
		logWeights(xs, logW)
		for _, x := range perm[n : n+50] {
			logBasis(xs, logW, gf(x), basis)
			if got, want := combine(basis, logY), eval(gf(x)); got != want {
				t.Fatalf("n=%d: f(%#04x) = %#04x, want %#04x", n, x, got, want)
			}
		}
	}
}
