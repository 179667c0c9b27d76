// Package incmlkem is ML-KEM-768 (FIPS 203) with its encapsulation split in
// two, as the ML-KEM braid of Signal's sparse post-quantum ratchet (SPQR)
// needs it.
//
// # Why split
//
// An ML-KEM-768 encapsulation key is ByteEncode12(t̂) ‖ ρ: 1,152 bytes of the
// vector t̂ and the 32-byte seed ρ of the matrix Â. The first half of a
// ciphertext, c1 = Compress10(u) with u = NTT⁻¹(Âᵀ∘r̂) + e1, needs only ρ and,
// through the Fujisaki-Okamoto transform, the hash H(ek) that seeds r; the
// second half, c2 = Compress4(v) with v = NTT⁻¹(t̂ᵀ∘r̂) + e2 + μ, needs t̂. The
// braid therefore sends the key in two parts, and the other side answers each
// part as soon as it has it:
//
//   - the [HeaderSize]-byte header ρ ‖ H(ek), H being SHA3-256 over the full
//     1,184-byte FIPS 203 encapsulation key;
//   - the [EncapsulationKeySize]-byte "encapsulation key", which in this
//     package (as in SPQR and libcrux's incremental API, where the two parts
//     are called pk1 and pk2) means ByteEncode12(t̂) alone.
//
// [Encaps1] takes the header and returns ct1 ([Ciphertext1Size] bytes), the
// shared secret and a state; [Encaps2] takes the state and the encapsulation
// key and returns ct2 ([Ciphertext2Size] bytes). ct1 ‖ ct2 is an ordinary
// FIPS 203 ML-KEM-768 ciphertext, and [Decaps] is crypto/mlkem's
// decapsulation of it: the tests check every ciphertext against the standard
// library.
//
// # What is ours
//
// Key generation, hashing and decapsulation come from crypto/mlkem and
// crypto/sha3. Only the part of K-PKE.Encrypt (FIPS 203 Algorithm 14) that
// the split needs is written here, one idea a file: field.go (arithmetic mod
// q, Compress, Decompress), ntt.go (Algorithms 9-12), sample.go (Algorithms 7
// and 8 with XOF and PRF), encode.go (Algorithms 5 and 6), kpke.go (the two
// halves of Algorithm 14) and state.go (the local encapsulation state).
//
// The decapsulation key is the 64-byte seed d ‖ z of FIPS 203 Algorithm 16,
// as crypto/mlkem stores it; it never travels. The encapsulation state is a
// local format (see [EncapsulationStateSize]); it holds the message m, which
// determines the shared secret, so callers must keep it as secret as a key.
//
// The package does no I/O and reads no clock; randomness comes in as an
// io.Reader.
package incmlkem
