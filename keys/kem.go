package keys

import (
	"crypto/mlkem"
	"crypto/subtle"
	"fmt"
	"io"
)

// ML-KEM-1024 sizes (FIPS 203) and libsignal's type byte for them.
const (
	// TypeMLKEM1024 is libsignal's type byte for ML-KEM-1024 public keys and
	// ciphertexts (0x08 was round-3 Kyber-1024, which ratchat does not speak).
	TypeMLKEM1024 byte = 0x0A
	// KEMPublicKeySize is the length of a raw ML-KEM-1024 encapsulation key.
	KEMPublicKeySize = mlkem.EncapsulationKeySize1024
	// KEMCiphertextSize is the length of a raw ML-KEM-1024 ciphertext.
	KEMCiphertextSize = mlkem.CiphertextSize1024
	// KEMSeedSize is the length of the seed a decapsulation key is made from.
	KEMSeedSize = mlkem.SeedSize
	// KEMSecretSize is the length of the shared secret.
	KEMSecretSize = mlkem.SharedKeySize
)

// KEMPublicKey is an ML-KEM-1024 encapsulation key, raw (without type byte).
type KEMPublicKey [KEMPublicKeySize]byte

// KEMSeed is the 64-byte (d || z) seed of an ML-KEM-1024 decapsulation key,
// its compact private form. It prints as "redacted".
type KEMSeed [KEMSeedSize]byte

// KEMKeyPair is an ML-KEM-1024 key pair. Once used, do not change its
// fields: it caches the expanded decapsulation key, which costs about as
// much as a key generation to rebuild from the seed.
type KEMKeyPair struct {
	Public KEMPublicKey
	Seed   KEMSeed

	dk *mlkem.DecapsulationKey1024 // Seed expanded, or nil
}

// Equal reports whether kp and other hold the same keys, comparing the
// seeds in constant time. Use it rather than ==, which also compares the
// cache.
func (kp KEMKeyPair) Equal(other KEMKeyPair) bool {
	return kp.Public == other.Public && subtle.ConstantTimeCompare(kp.Seed[:], other.Seed[:]) == 1
}

// String returns "redacted": private keys never reach a log.
func (KEMSeed) String() string { return "redacted" }

// GoString returns "redacted".
func (KEMSeed) GoString() string { return "redacted" }

// Format prints "redacted" for every verb.
func (KEMSeed) Format(f fmt.State, _ rune) { io.WriteString(f, "redacted") }

// GenerateKEMKeyPair reads a 64-byte seed from rand and derives the key pair.
func GenerateKEMKeyPair(rand io.Reader) (KEMKeyPair, error) {
	var seed KEMSeed
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return KEMKeyPair{}, fmt.Errorf("keys: reading randomness: %w", err)
	}
	return NewKEMKeyPair(seed)
}

// NewKEMKeyPair derives the ML-KEM-1024 key pair of a seed.
func NewKEMKeyPair(seed KEMSeed) (KEMKeyPair, error) {
	dk, err := mlkem.NewDecapsulationKey1024(seed[:])
	if err != nil {
		return KEMKeyPair{}, fmt.Errorf("keys: %w", err)
	}
	var pub KEMPublicKey
	copy(pub[:], dk.EncapsulationKey().Bytes())
	return KEMKeyPair{Public: pub, Seed: seed, dk: dk}, nil
}

// Bytes returns the key in libsignal's serialization: 0x0A || key.
func (k *KEMPublicKey) Bytes() []byte {
	out := make([]byte, 1+KEMPublicKeySize)
	out[0] = TypeMLKEM1024
	copy(out[1:], k[:])
	return out
}

// ParseKEMPublicKey parses 0x0A || key, checking the length, the type byte
// and (as FIPS 203 section 7.2 requires) that every coefficient is reduced.
func ParseKEMPublicKey(b []byte) (KEMPublicKey, error) {
	var k KEMPublicKey
	if len(b) != 1+KEMPublicKeySize {
		return k, fmt.Errorf("%w: KEM key of %d bytes, want %d", ErrKeyLength, len(b), 1+KEMPublicKeySize)
	}
	if b[0] != TypeMLKEM1024 {
		return k, fmt.Errorf("%w: KEM key type 0x%02x", ErrKeyType, b[0])
	}
	if _, err := mlkem.NewEncapsulationKey1024(b[1:]); err != nil {
		return k, fmt.Errorf("%w: %w", ErrBadKEMKey, err)
	}
	copy(k[:], b[1:])
	return k, nil
}

// Encapsulate makes a fresh shared secret for the holder of k and returns it
// with the ciphertext in libsignal's serialization (0x0A || ciphertext). The
// randomness comes from crypto/rand: the standard library offers no way to
// inject it outside its mlkemtest package.
func (k *KEMPublicKey) Encapsulate() (secret [KEMSecretSize]byte, ciphertext []byte, err error) {
	ek, err := mlkem.NewEncapsulationKey1024(k[:])
	if err != nil {
		return secret, nil, fmt.Errorf("%w: %w", ErrBadKEMKey, err)
	}
	shared, ct := ek.Encapsulate()
	copy(secret[:], shared)
	ciphertext = make([]byte, 1+len(ct))
	ciphertext[0] = TypeMLKEM1024
	copy(ciphertext[1:], ct)
	return secret, ciphertext, nil
}

// Decapsulate recovers the shared secret from a serialized ciphertext
// (0x0A || ciphertext). A wrong ciphertext of the right size yields an
// unrelated secret (ML-KEM's implicit rejection), which the ratchet's MAC then
// refuses.
func (kp *KEMKeyPair) Decapsulate(ciphertext []byte) ([KEMSecretSize]byte, error) {
	var secret [KEMSecretSize]byte
	if len(ciphertext) != 1+KEMCiphertextSize {
		return secret, fmt.Errorf("%w: KEM ciphertext of %d bytes, want %d", ErrKeyLength, len(ciphertext), 1+KEMCiphertextSize)
	}
	if ciphertext[0] != TypeMLKEM1024 {
		return secret, fmt.Errorf("%w: KEM ciphertext type 0x%02x", ErrKeyType, ciphertext[0])
	}
	if kp.dk == nil || subtle.ConstantTimeCompare(kp.dk.Bytes(), kp.Seed[:]) != 1 {
		dk, err := mlkem.NewDecapsulationKey1024(kp.Seed[:])
		if err != nil {
			return secret, fmt.Errorf("keys: %w", err)
		}
		kp.dk = dk
	}
	shared, err := kp.dk.Decapsulate(ciphertext[1:])
	if err != nil {
		return secret, fmt.Errorf("keys: %w", err)
	}
	copy(secret[:], shared)
	return secret, nil
}
