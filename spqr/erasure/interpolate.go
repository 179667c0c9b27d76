package erasure

// newtonCoefficients turns ys, the values of a polynomial at the distinct
// points xs, into that polynomial's Newton coefficients over xs (its divided
// differences), in place. The polynomial is the unique one of degree below
// len(xs) through the points; in characteristic 2 a difference is an XOR.
func newtonCoefficients(xs, ys []gf) {
	n := len(xs)
	for j := 1; j < n; j++ {
		for i := n - 1; i >= j; i-- {
			ys[i] = (ys[i] ^ ys[i-1]).div(xs[i] ^ xs[i-j])
		}
	}
}

// newtonEval evaluates at x the polynomial with Newton coefficients c over
// the points xs (len(xs) >= len(c)), by Horner's rule on the Newton form.
// With no coefficients the polynomial is zero.
func newtonEval(xs, c []gf, x gf) gf {
	if len(c) == 0 {
		return 0
	}
	r := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		r = r.mul(x^xs[i]) ^ c[i]
	}
	return r
}
