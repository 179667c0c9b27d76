package incmlkem

// Sizes in bytes of the values this package takes and returns.
const (
	// HeaderSize is the size of the header ρ ‖ H(ek).
	HeaderSize = 64
	// EncapsulationKeySize is the size of ByteEncode12(t̂), the encapsulation
	// key without ρ.
	EncapsulationKeySize = 1152
	// Ciphertext1Size is the size of ct1, the compressed vector u.
	Ciphertext1Size = 960
	// Ciphertext2Size is the size of ct2, the compressed polynomial v.
	Ciphertext2Size = 128
	// SharedKeySize is the size of the shared secret.
	SharedKeySize = 32
	// DecapsulationKeySize is the size of the decapsulation key, the seed
	// d ‖ z from which crypto/mlkem expands the key pair.
	DecapsulationKeySize = 64
	// EncapsulationStateSize is the size of the state that [Encaps1] returns
	// and [Encaps2] takes: m ‖ ρ ‖ H(ek), the 32-byte message followed by
	// the header. Encaps2 recomputes r and e2 from G(m ‖ H(ek)) rather than
	// storing them, which keeps the state small (it is stored encrypted
	// with the session).
	EncapsulationStateSize = messageSize + HeaderSize
)

// ML-KEM-768 parameters, FIPS 203 section 8, Table 2.
const (
	n   = 256  // coefficients of a polynomial
	q   = 3329 // the prime modulus
	k   = 3    // rank of the module
	eta = 2    // η1 = η2, the noise of r, e1 and e2
	du  = 10   // bits per coefficient of u in the ciphertext
	dv  = 4    // bits per coefficient of v in the ciphertext

	seedSize        = 32                              // ρ, H(ek), m, and the seed r of K-PKE
	messageSize     = 32                              // m
	encodedPolySize = 12 * n / 8                      // ByteEncode12 of one polynomial
	fullKeySize     = EncapsulationKeySize + seedSize // the FIPS 203 ek: t̂ ‖ ρ
)
