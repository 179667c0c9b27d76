package transport

import "math/bits"

// Padding of envelope contents. Why pad: the home sees every envelope's
// length, and a short "ok" and a long paragraph must not look different.
// Why Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted
// Files and Communication with PURBs", 2019): it rounds a length up to a
// value with O(log log L) significant bits, leaking that little about the
// length while never adding more than 12%; the floor makes every short
// message the same size.
const (
	// minPaddedSize is the smallest padded content: every message of up to
	// 251 bytes (a text, a receipt) gives an envelope of the same size.
	minPaddedSize = 256

	// maxPaddedSize is the largest padded content, the top bucket: the
	// largest envelope less its fixed overhead.
	maxPaddedSize = MaxEnvelopeSize - envelopeOverhead
)

// paddedSize returns the bucket that content of length n is padded to, or
// 0 if n exceeds maxPaddedSize.
func paddedSize(n int) int {
	if n > maxPaddedSize {
		return 0
	}
	return min(padme(max(n, minPaddedSize)), maxPaddedSize)
}

// padme rounds n (>= 2) up to the next Padmé length: with E = floor(log2
// n) and S = floor(log2 E) + 1, the low E-S bits are cleared, rounding up.
// It is idempotent: a Padmé length maps to itself.
func padme(n int) int {
	e := bits.Len(uint(n)) - 1
	s := bits.Len(uint(e))
	mask := 1<<(e-s) - 1
	return (n + mask) &^ mask
}
