package incmlkem

import (
	"testing"
)

// randomPoly returns a polynomial with uniform coefficients.
func randomPoly(t *testing.T, seed uint64) ringElement {
	t.Helper()
	r := testRand(seed)
	var f ringElement
	for i := range f {
		f[i] = fieldElement(r.Uint64() % q)
	}
	return f
}

// schoolbook multiplies in R_q = Z_q[X]/(X^256 + 1) by definition.
func schoolbook(f, g ringElement) ringElement {
	var h ringElement
	for i := range n {
		for j := range n {
			p := mul(f[i], g[j])
			if i+j < n {
				h[i+j] = add(h[i+j], p)
			} else { // X^256 = -1
				h[i+j-n] = sub(h[i+j-n], p)
			}
		}
	}
	return h
}

// TestFieldArithmetic checks add, sub and mul against plain integer
// arithmetic for every pair of field elements.
func TestFieldArithmetic(t *testing.T) {
	for a := range uint32(q) {
		for b := range uint32(q) {
			fa, fb := fieldElement(a), fieldElement(b)
			if add(fa, fb) != fieldElement((a+b)%q) || sub(fa, fb) != fieldElement((a+q-b)%q) ||
				mul(fa, fb) != fieldElement(a*b%q) {
				t.Fatalf("a=%d b=%d: add %d sub %d mul %d", a, b, add(fa, fb), sub(fa, fb), mul(fa, fb))
			}
		}
	}
}

// TestTables checks the first entries of FIPS 203 Appendix A.
func TestTables(t *testing.T) {
	wantZetas := []fieldElement{1, 1729, 2580, 3289, 2642, 630, 1897, 848}
	wantGammas := []fieldElement{17, q - 17, 2761, q - 2761, 583, q - 583, 2649, q - 2649}
	for i := range wantZetas {
		if zetas[i] != wantZetas[i] || gammas[i] != wantGammas[i] {
			t.Fatalf("entry %d: zeta %d gamma %d, want %d %d", i, zetas[i], gammas[i], wantZetas[i], wantGammas[i])
		}
	}
	if zetas[127] != 2154 || gammas[127] != q-2154 { // ζ^127, and ζ^255 = -ζ^127
		t.Fatalf("last entries: zeta %d gamma %d", zetas[127], gammas[127])
	}
}

// TestNTTRoundTrip checks NTT⁻¹(NTT(f)) = f.
func TestNTTRoundTrip(t *testing.T) {
	for seed := range uint64(20) {
		f := randomPoly(t, seed)
		if got := inverseNTT(ntt(f)); got != f {
			t.Fatalf("seed %d: round trip changed the polynomial", seed)
		}
	}
}

// TestMultiplyNTTs checks that multiplying in the NTT domain is
// multiplication in R_q, and that multiplyNTTsAdd accumulates.
func TestMultiplyNTTs(t *testing.T) {
	for seed := range uint64(5) {
		f, g, h := randomPoly(t, 3*seed), randomPoly(t, 3*seed+1), randomPoly(t, 3*seed+2)
		var acc nttElement
		fHat, gHat, hHat := ntt(f), ntt(g), ntt(h)
		multiplyNTTsAdd(&acc, &fHat, &gHat)
		multiplyNTTsAdd(&acc, &hHat, &gHat)
		want := addPoly(schoolbook(f, g), schoolbook(h, g))
		if got := inverseNTT(acc); got != want {
			t.Fatalf("seed %d: f·g + h·g differs from the schoolbook product", seed)
		}
	}
}

// TestCompress checks Compress_d and Decompress_d against their definitions
// by exact rational rounding, and the error bound of FIPS 203 section 4.2.1.
func TestCompress(t *testing.T) {
	for _, d := range []uint{1, 4, 10, 11} {
		for x := range fieldElement(q) {
			// round(2^d·x/q): num/den rounded half up, computed on integers.
			num, den := uint32(x)<<d, uint32(q)
			want := uint16((2*num + den) / (2 * den) % (1 << d))
			c := compress(x, d)
			if c != want {
				t.Fatalf("Compress_%d(%d) = %d, want %d", d, x, c, want)
			}
			back := int(decompress(c, d))
			diff := (back - int(x) + q) % q
			diff = min(diff, q-diff)
			if bound := (q + 1<<(d+1) - 1) >> (d + 1); diff > bound { // ⌈q/2^(d+1)⌋
				t.Fatalf("d=%d x=%d: Decompress(Compress(x)) = %d, off by %d > %d", d, x, back, diff, bound)
			}
		}
	}
	if decompress(1, 1) != 1665 {
		t.Fatalf("Decompress_1(1) = %d, want 1665", decompress(1, 1))
	}
}

// TestByteEncodeDecode checks that byteEncode and byteDecode12 are bit
// packings of the same layout, least significant bit first.
func TestByteEncodeDecode(t *testing.T) {
	var f [n]uint16
	for i := range f {
		f[i] = uint16(i*37) % q
	}
	out := make([]byte, 32*12)
	byteEncode(out, &f, 12)
	got, ok := byteDecode12(out)
	if !ok {
		t.Fatal("reduced coefficients fail the modulus check")
	}
	for i := range f {
		if uint16(got[i]) != f[i] {
			t.Fatalf("coefficient %d: %d, want %d", i, got[i], f[i])
		}
	}
	// ByteEncode_4 of 1, 2, 3, 4 is 0x21, 0x43.
	f = [n]uint16{1, 2, 3, 4}
	out4 := make([]byte, 32*4)
	byteEncode(out4, &f, 4)
	if out4[0] != 0x21 || out4[1] != 0x43 || out4[2] != 0 {
		t.Fatalf("ByteEncode_4 = %x", out4[:3])
	}
}

// TestSamplePolyCBD checks the coefficient range and one hand-computed case:
// byte 0b1011_0111 gives (1+1)-(1+0) = 1 and (1+1)-(0+1) = 1, byte
// 0b0000_1100 gives (0+0)-(1+1) = -2 and 0.
func TestSamplePolyCBD2(t *testing.T) {
	b := make([]byte, 64*eta)
	b[0], b[1] = 0b1011_0111, 0b0000_1100
	f := samplePolyCBD2(b)
	if f[0] != 1 || f[1] != 1 || f[2] != q-2 || f[3] != 0 {
		t.Fatalf("got %d %d %d %d", f[0], f[1], f[2], f[3])
	}
	f = samplePolyCBD2(prf2(make([]byte, 32), 0))
	for i, c := range f {
		if c > eta && c < q-eta {
			t.Fatalf("coefficient %d = %d is outside [-η, η]", i, c)
		}
	}
}
