package erasure

// Interpolation works in the log domain on the Lagrange form. For distinct
// points x_0..x_{n-1} and a point x that is not one of them, the k-th basis
// polynomial is
//
//	L_k(x) = w_k · ℓ(x) / (x - x_k),  ℓ(x) = Π_j (x - x_j),  w_k = 1 / Π_{j≠k} (x_k - x_j),
//
// so log L_k(x) = log w_k + Σ_j log(x - x_j) - log(x - x_k): additions of
// table entries, no multiplication. The value of a polynomial through
// (x_k, y_k) is then Σ_k L_k(x)·y_k, one table lookup per term. Every lane
// of a chunk shares the same points, so the basis is computed once per
// evaluation point and used for all 16 lanes.

// noLog stands for the logarithm of zero, which has none.
const noLog = -1

// logOf returns the discrete logarithm of a, or noLog for zero.
func logOf(a gf) int32 {
	if a == 0 {
		return noLog
	}
	return int32(logTable[a])
}

// logWeights sets out[k] to log w_k for the distinct points xs.
func logWeights(xs []gf, out []int32) {
	for k, xk := range xs {
		s := 0
		for j, xj := range xs {
			if j != k {
				s += int(logTable[xk^xj])
			}
		}
		out[k] = int32((groupOrder - s%groupOrder) % groupOrder)
	}
}

// logBasis sets out[k] to log L_k(x) for the distinct points xs, whose log
// weights are logW. x must not be one of xs.
func logBasis(xs []gf, logW []int32, x gf, out []int32) {
	t := 0
	for _, xk := range xs {
		t += int(logTable[x^xk])
	}
	t %= groupOrder
	for k, xk := range xs {
		out[k] = int32((int(logW[k]) + t + groupOrder - int(logTable[x^xk])) % groupOrder)
	}
}

// combine returns Σ_k L_k·y_k from log L_k and log y_k (noLog for zero).
func combine(logL, logY []int32) gf {
	var acc gf
	logL = logL[:len(logY)]
	for k, ly := range logY {
		if ly != noLog {
			acc ^= expTable[logL[k]+ly]
		}
	}
	return acc
}
