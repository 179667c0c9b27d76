package incmlkem

// K-PKE.Encrypt (FIPS 203 Algorithm 14) in two halves, for ML-KEM-768's
// η1 = η2 = 2 (see [samplePolyCBD2]). Both derive the same
// noise from the 32-byte seed r, the second half of G(m ‖ H(ek)) in
// ML-KEM.Encaps_internal (Algorithm 17); the PRF counter N takes the values
// 0..k-1 for the secret r, k..2k-1 for e1 and 2k for e2, as in Algorithm 14.

// sampleSecret is Algorithm 14, lines 9-12 and 18: the vector r, sampled
// with η1 and returned in the NTT domain.
func sampleSecret(seed []byte) [k]nttElement {
	var rHat [k]nttElement
	for i := range k {
		rHat[i] = ntt(samplePolyCBD2(prf2(seed, byte(i))))
	}
	return rHat
}

// sampleError1 is Algorithm 14, lines 13-16: the vector e1, sampled with η2.
func sampleError1(seed []byte) [k]ringElement {
	var e1 [k]ringElement
	for i := range k {
		e1[i] = samplePolyCBD2(prf2(seed, byte(k+i)))
	}
	return e1
}

// sampleError2 is Algorithm 14, line 17: the polynomial e2, sampled with η2.
func sampleError2(seed []byte) ringElement {
	return samplePolyCBD2(prf2(seed, byte(2*k)))
}

// encrypt1 is the half of Algorithm 14 that needs only ρ of the key: it
// samples Â (lines 4-8), computes u = NTT⁻¹(Âᵀ ∘ r̂) + e1 (line 19) and
// returns c1 = ByteEncode_du(Compress_du(u)) (line 22).
func encrypt1(rho, seed []byte) []byte {
	rHat := sampleSecret(seed)
	e1 := sampleError1(seed)
	c1 := make([]byte, Ciphertext1Size)
	for i := range k {
		// (Âᵀ ∘ r̂)[i] = Σ_j Â[j, i] ∘ r̂[j], and Â[j, i] = SampleNTT(ρ ‖ i ‖ j).
		var acc nttElement
		for j := range k {
			a := sampleNTT(rho, byte(i), byte(j))
			multiplyNTTsAdd(&acc, &a, &rHat[j])
		}
		u := addPoly(inverseNTT(acc), e1[i])
		encodeCompressed(c1[i*32*du:(i+1)*32*du], &u, du)
	}
	return c1
}

// encrypt2 is the half of Algorithm 14 that needs t̂: it computes
// v = NTT⁻¹(t̂ᵀ ∘ r̂) + e2 + μ with μ = Decompress_1(ByteDecode_1(m))
// (lines 20-21) and returns c2 = ByteEncode_dv(Compress_dv(v)) (line 23).
func encrypt2(tHat *[k]nttElement, m, seed []byte) []byte {
	rHat := sampleSecret(seed)
	var acc nttElement
	for i := range k {
		multiplyNTTsAdd(&acc, &tHat[i], &rHat[i])
	}
	v := addPoly(addPoly(inverseNTT(acc), sampleError2(seed)), messagePoly(m))
	c2 := make([]byte, Ciphertext2Size)
	encodeCompressed(c2, &v, dv)
	return c2
}

// encodeCompressed writes ByteEncode_d(Compress_d(f)) into out (32·d bytes).
func encodeCompressed(out []byte, f *ringElement, d uint) {
	var c [n]uint16
	for i, x := range f {
		c[i] = compress(x, d)
	}
	byteEncode(out, &c, d)
}

// decodeKey is ByteDecode_12 of the encapsulation key into t̂ (Algorithm 14,
// line 2) with the modulus check of section 7.2.
func decodeKey(ek []byte) ([k]nttElement, bool) {
	var tHat [k]nttElement
	ok := true
	for i := range k {
		var polyOK bool
		tHat[i], polyOK = byteDecode12(ek[i*encodedPolySize : (i+1)*encodedPolySize])
		ok = ok && polyOK
	}
	return tHat, ok
}
