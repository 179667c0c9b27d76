package incmlkem

import "crypto/sha3"

// shake128Rate is SHAKE128's block size: sampleNTT squeezes whole blocks.
// It is a multiple of 3, so no 3-byte group straddles two blocks.
const shake128Rate = 168

// sampleNTT is FIPS 203 Algorithm 7, SampleNTT(ρ ‖ b0 ‖ b1): rejection
// sampling of a uniform polynomial in the NTT domain from the XOF SHAKE128.
// Entry Â[i, j] of the matrix is sampleNTT(ρ, j, i) (Algorithm 14, line 6).
func sampleNTT(rho []byte, b0, b1 byte) nttElement {
	xof := sha3.NewSHAKE128()
	xof.Write(rho)
	xof.Write([]byte{b0, b1})
	var a nttElement
	var buf [shake128Rate]byte
	count := 0
	for count < n {
		xof.Read(buf[:])
		for c := 0; c < len(buf) && count < n; c += 3 {
			d1 := uint16(buf[c]) | uint16(buf[c+1]&0x0f)<<8
			d2 := uint16(buf[c+1]>>4) | uint16(buf[c+2])<<4
			if d1 < q {
				a[count] = fieldElement(d1)
				count++
			}
			if d2 < q && count < n {
				a[count] = fieldElement(d2)
				count++
			}
		}
	}
	return a
}

// prf2 is PRF_η(s, b) of FIPS 203 section 4.1 for η = 2: SHAKE256(s ‖ b),
// 64·η = 128 bytes.
func prf2(s []byte, b byte) []byte {
	in := make([]byte, 0, len(s)+1)
	in = append(in, s...)
	in = append(in, b)
	return sha3.SumSHAKE256(in, 64*2)
}

// samplePolyCBD2 is FIPS 203 Algorithm 8, SamplePolyCBD_η(B), for η = 2,
// the only η of ML-KEM-768 (η1 = η2 = 2): each coefficient is (b0 + b1) -
// (b2 + b3) for the next four bits of B (128 bytes), least significant bit
// first, so one byte gives two coefficients.
func samplePolyCBD2(b []byte) ringElement {
	var f ringElement
	for i := range f {
		bits := b[i/2] >> (4 * (i % 2))
		x := bits&1 + bits>>1&1
		y := bits>>2&1 + bits>>3&1
		f[i] = sub(fieldElement(x), fieldElement(y))
	}
	return f
}
