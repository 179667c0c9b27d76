package incmlkem

// byteEncode is FIPS 203 Algorithm 5, ByteEncode_d for d < 12: the d low
// bits of every coefficient, least significant first, packed into 32·d bytes
// least significant bit first.
func byteEncode(out []byte, f *[n]uint16, d uint) {
	var acc uint32 // bits not yet written, the oldest in the low end
	var accBits uint
	o := 0
	for _, c := range f {
		acc |= uint32(c) << accBits
		accBits += d
		for accBits >= 8 {
			out[o] = byte(acc)
			o++
			acc >>= 8
			accBits -= 8
		}
	}
}

// byteDecode12 is FIPS 203 Algorithm 6, ByteDecode_12, fused with the
// modulus check of section 7.2: it reports false if any 12-bit value is not
// below q, where ByteDecode_12 would reduce it and re-encoding would differ.
func byteDecode12(b []byte) (nttElement, bool) {
	var f nttElement
	ok := true
	for i := 0; i < n; i += 2 {
		x := b[3*i/2 : 3*i/2+3]
		d1 := uint16(x[0]) | uint16(x[1]&0x0f)<<8
		d2 := uint16(x[1]>>4) | uint16(x[2])<<4
		ok = ok && d1 < q && d2 < q
		f[i], f[i+1] = fieldElement(d1%q), fieldElement(d2%q)
	}
	return f, ok
}

// messagePoly is Decompress_1(ByteDecode_1(m)) (FIPS 203 Algorithm 14, line
// 20): each bit of m becomes 0 or ⌈q/2⌋.
func messagePoly(m []byte) ringElement {
	var mu ringElement
	for i := range mu {
		mu[i] = decompress(uint16(m[i/8]>>(i%8)&1), 1)
	}
	return mu
}
