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

// prf is PRF_η(s, b) of FIPS 203 section 4.1: SHAKE256(s ‖ b), 64·η bytes.
func prf(eta int, s []byte, b byte) []byte {
	in := make([]byte, 0, len(s)+1)
	in = append(in, s...)
	in = append(in, b)
	return sha3.SumSHAKE256(in, 64*eta)
}

// samplePolyCBD is FIPS 203 Algorithm 8, SamplePolyCBD_η(B): each
// coefficient is the difference of two sums of η bits of B (64·η bytes).
func samplePolyCBD(eta int, b []byte) ringElement {
	bit := func(i int) uint32 { return uint32(b[i/8] >> (i % 8) & 1) }
	var f ringElement
	for i := range f {
		var x, y uint32
		for j := range eta {
			x += bit(2*i*eta + j)
			y += bit(2*i*eta + eta + j)
		}
		f[i] = sub(fieldElement(x), fieldElement(y))
	}
	return f
}
