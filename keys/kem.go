package keys

import (
	"crypto/mlkem"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/cloudflare/circl/kem/kyber/kyber1024"
)

// KEMType is libsignal's type byte for a KEM public key or ciphertext: it
// says which KEM the bytes after it belong to.
type KEMType byte

// The KEMs ratchat speaks, with libsignal's type bytes.
const (
	// TypeKyber1024 is round-3 Kyber-1024 (CRYSTALS-Kyber as submitted to
	// NIST's third round). It is what libsignal publishes and accepts
	// today, so it is what ratchat publishes ([DefaultKEMType]).
	TypeKyber1024 KEMType = 0x08
	// TypeMLKEM1024 is ML-KEM-1024 (FIPS 203). ratchat published it before
	// it spoke Kyber; it is still accepted from ratchat peers, and prekeys
	// stored before the change keep working until they rotate.
	TypeMLKEM1024 KEMType = 0x0A
	// DefaultKEMType is the KEM of the prekeys ratchat generates.
	DefaultKEMType = TypeKyber1024
)

// Sizes shared by both KEMs: Kyber-1024 and ML-KEM-1024 have the same
// public key, ciphertext and shared secret lengths (and the same public key
// layout), and both derive a key pair from a 64-byte seed d || z.
const (
	// KEMPublicKeySize is the length of a raw public key (without type byte).
	KEMPublicKeySize = mlkem.EncapsulationKeySize1024
	// KEMCiphertextSize is the length of a raw ciphertext.
	KEMCiphertextSize = mlkem.CiphertextSize1024
	// KEMSeedSize is the length of the seed a key pair is made from.
	KEMSeedSize = mlkem.SeedSize
	// KEMSecretSize is the length of the shared secret.
	KEMSecretSize = mlkem.SharedKeySize
)

// The two KEMs must agree on every size above; a circl upgrade that broke
// this would fail to compile here.
var (
	_ [KEMPublicKeySize - kyber1024.PublicKeySize]struct{}
	_ [kyber1024.PublicKeySize - KEMPublicKeySize]struct{}
	_ [KEMCiphertextSize - kyber1024.CiphertextSize]struct{}
	_ [kyber1024.CiphertextSize - KEMCiphertextSize]struct{}
	_ [KEMSeedSize - kyber1024.KeySeedSize]struct{}
	_ [kyber1024.KeySeedSize - KEMSeedSize]struct{}
	_ [KEMSecretSize - kyber1024.SharedKeySize]struct{}
	_ [kyber1024.SharedKeySize - KEMSecretSize]struct{}
)

// String names the KEM.
func (t KEMType) String() string {
	switch t {
	case TypeKyber1024:
		return "Kyber-1024"
	case TypeMLKEM1024:
		return "ML-KEM-1024"
	}
	return fmt.Sprintf("KEM type 0x%02x", byte(t))
}

// check returns [ErrKeyType] for a type byte that names no KEM we speak.
func (t KEMType) check(what string) error {
	if t != TypeKyber1024 && t != TypeMLKEM1024 {
		return fmt.Errorf("%w: %s type 0x%02x (want 0x%02x Kyber-1024 or 0x%02x ML-KEM-1024)",
			ErrKeyType, what, byte(t), byte(TypeKyber1024), byte(TypeMLKEM1024))
	}
	return nil
}

// KEMPublicKey is a KEM public key: its type and the raw key.
type KEMPublicKey struct {
	Type KEMType
	Key  [KEMPublicKeySize]byte
}

// KEMSeed is the 64-byte seed d || z of a KEM key pair, its compact private
// form for both KEMs (FIPS 203's ML-KEM.KeyGen_internal inputs; for Kyber,
// the two 32-byte draws of the round-3 reference key generation, in order).
// It prints as "redacted".
type KEMSeed [KEMSeedSize]byte

// String returns "redacted": private keys never reach a log.
func (KEMSeed) String() string { return "redacted" }

// GoString returns "redacted".
func (KEMSeed) GoString() string { return "redacted" }

// Format prints "redacted" for every verb.
func (KEMSeed) Format(f fmt.State, _ rune) { io.WriteString(f, "redacted") }

// KEMKeyPair is a KEM key pair; Public.Type says which KEM. Once used, do
// not change its fields: it caches the expanded private key, which costs
// about as much as a key generation to rebuild from the seed.
type KEMKeyPair struct {
	Public KEMPublicKey
	Seed   KEMSeed

	cache *kemCache // Seed expanded, or nil
}

// kemCache is a seed's expanded private key, for one KEM.
type kemCache struct {
	typ   KEMType
	seed  KEMSeed
	mlkem *mlkem.DecapsulationKey1024 // TypeMLKEM1024
	kyber *kyber1024.PrivateKey       // TypeKyber1024
}

// Equal reports whether kp and other hold the same keys, comparing the
// seeds in constant time. Use it rather than ==, which also compares the
// cache.
func (kp KEMKeyPair) Equal(other KEMKeyPair) bool {
	return kp.Public == other.Public && subtle.ConstantTimeCompare(kp.Seed[:], other.Seed[:]) == 1
}

// GenerateKEMKeyPair reads a 64-byte seed from rand and derives a key pair
// of type t.
func GenerateKEMKeyPair(rand io.Reader, t KEMType) (KEMKeyPair, error) {
	var seed KEMSeed
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return KEMKeyPair{}, fmt.Errorf("keys: reading randomness: %w", err)
	}
	return NewKEMKeyPair(t, seed)
}

// NewKEMKeyPair derives the key pair of type t from a seed.
func NewKEMKeyPair(t KEMType, seed KEMSeed) (KEMKeyPair, error) {
	c, err := expandSeed(t, &seed)
	if err != nil {
		return KEMKeyPair{}, err
	}
	kp := KEMKeyPair{Public: KEMPublicKey{Type: t}, Seed: seed, cache: c}
	switch t {
	case TypeMLKEM1024:
		copy(kp.Public.Key[:], c.mlkem.EncapsulationKey().Bytes())
	case TypeKyber1024:
		c.kyber.Public().(*kyber1024.PublicKey).Pack(kp.Public.Key[:])
	}
	return kp, nil
}

// expandSeed derives the private key of type t from seed.
func expandSeed(t KEMType, seed *KEMSeed) (*kemCache, error) {
	if err := t.check("KEM key"); err != nil {
		return nil, err
	}
	c := &kemCache{typ: t, seed: *seed}
	if t == TypeKyber1024 {
		_, c.kyber = kyber1024.NewKeyFromSeed(seed[:])
		return c, nil
	}
	dk, err := mlkem.NewDecapsulationKey1024(seed[:])
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	c.mlkem = dk
	return c, nil
}

// Bytes returns the key in libsignal's serialization: type byte || key.
func (k *KEMPublicKey) Bytes() []byte {
	out := make([]byte, 1+KEMPublicKeySize)
	out[0] = byte(k.Type)
	copy(out[1:], k.Key[:])
	return out
}

// ParseKEMPublicKey parses type || key, checking the length, the type byte
// (0x08 Kyber-1024 or 0x0A ML-KEM-1024; any other is [ErrKeyType]) and that
// every coefficient is reduced ([ErrBadKEMKey] otherwise).
//
// Why the modulus check for Kyber too: FIPS 203 section 7.2 requires it of
// ML-KEM keys, and round-3 Kyber keys have the same layout. The reference
// Kyber (and libsignal) would reduce an unreduced coefficient silently, so
// two different byte strings would be the same key while hashing apart; no
// honest key generator writes one, so refusing costs nothing.
func ParseKEMPublicKey(b []byte) (KEMPublicKey, error) {
	var k KEMPublicKey
	if len(b) != 1+KEMPublicKeySize {
		return k, fmt.Errorf("%w: KEM key of %d bytes, want %d", ErrKeyLength, len(b), 1+KEMPublicKeySize)
	}
	if err := KEMType(b[0]).check("KEM key"); err != nil {
		return k, err
	}
	if err := checkReduced(b[1:]); err != nil {
		return k, err
	}
	k.Type = KEMType(b[0])
	copy(k.Key[:], b[1:])
	return k, nil
}

// Encapsulate makes a fresh shared secret for the holder of k and returns it
// with the ciphertext in libsignal's serialization (type || ciphertext), of
// the key's type. The randomness comes from crypto/rand: the standard
// library's ML-KEM offers no way to inject it outside its mlkemtest package.
func (k *KEMPublicKey) Encapsulate() (secret [KEMSecretSize]byte, ciphertext []byte, err error) {
	if k.Type == TypeKyber1024 {
		var m [kyber1024.EncapsulationSeedSize]byte
		rand.Read(m[:]) // crypto/rand.Read never fails
		defer clear(m[:])
		return k.encapsulateKyber(&m)
	}
	if err := k.Type.check("KEM key"); err != nil {
		return secret, nil, err
	}
	ek, err := mlkem.NewEncapsulationKey1024(k.Key[:])
	if err != nil {
		return secret, nil, fmt.Errorf("%w: %w", ErrBadKEMKey, err)
	}
	shared, ct := ek.Encapsulate()
	copy(secret[:], shared)
	clear(shared)
	return secret, serializeCiphertext(k.Type, ct), nil
}

// encapsulateKyber encapsulates to a Kyber key with the 32 random bytes m
// (round 3's encapsulation randomness, hashed before use as the reference
// does). Tests call it with known m to reproduce known answers.
func (k *KEMPublicKey) encapsulateKyber(m *[kyber1024.EncapsulationSeedSize]byte) (secret [KEMSecretSize]byte, ciphertext []byte, err error) {
	if err := checkReduced(k.Key[:]); err != nil {
		return secret, nil, err
	}
	var pk kyber1024.PublicKey
	pk.Unpack(k.Key[:])
	ct := make([]byte, KEMCiphertextSize)
	pk.EncapsulateTo(ct, secret[:], m[:])
	return secret, serializeCiphertext(TypeKyber1024, ct), nil
}

// kemPolyBytes is the length of the encoded vector t̂ that opens both
// KEMs' public keys: k = 4 polynomials of 256 12-bit coefficients. The
// 32-byte seed ρ follows it.
const kemPolyBytes = 4 * 256 * 12 / 8

// checkReduced is FIPS 203's modulus check (section 7.2) on a raw public
// key of either KEM: every 12-bit coefficient of t̂ must be below q = 3329.
// It reads the key directly: the standard library's check also expands
// the key's matrix, which is most of an encapsulation's cost. Keys are
// public, so it need not run in constant time.
func checkReduced(key []byte) error {
	const q = 3329
	for i := 0; i < kemPolyBytes; i += 3 {
		c0 := uint16(key[i]) | uint16(key[i+1]&0x0f)<<8
		c1 := uint16(key[i+1])>>4 | uint16(key[i+2])<<4
		if c0 >= q {
			return fmt.Errorf("%w: coefficient %d is %d, not below %d", ErrBadKEMKey, 2*(i/3), c0, q)
		}
		if c1 >= q {
			return fmt.Errorf("%w: coefficient %d is %d, not below %d", ErrBadKEMKey, 2*(i/3)+1, c1, q)
		}
	}
	return nil
}

// serializeCiphertext returns t || ct.
func serializeCiphertext(t KEMType, ct []byte) []byte {
	out := make([]byte, 1+len(ct))
	out[0] = byte(t)
	copy(out[1:], ct)
	return out
}

// Decapsulate recovers the shared secret from a serialized ciphertext
// (type || ciphertext). The ciphertext's type must be the key pair's: a
// Kyber ciphertext is no ML-KEM one, and trying would only give an
// unrelated secret. A wrong ciphertext of the right size and type yields an
// unrelated secret (both KEMs' implicit rejection), which the ratchet's MAC
// then refuses.
func (kp *KEMKeyPair) Decapsulate(ciphertext []byte) ([KEMSecretSize]byte, error) {
	var secret [KEMSecretSize]byte
	if len(ciphertext) != 1+KEMCiphertextSize {
		return secret, fmt.Errorf("%w: KEM ciphertext of %d bytes, want %d", ErrKeyLength, len(ciphertext), 1+KEMCiphertextSize)
	}
	t := KEMType(ciphertext[0])
	if err := t.check("KEM ciphertext"); err != nil {
		return secret, err
	}
	if t != kp.Public.Type {
		return secret, fmt.Errorf("%w: %v ciphertext for a %v key", ErrKEMMismatch, t, kp.Public.Type)
	}
	c, err := kp.expanded()
	if err != nil {
		return secret, err
	}
	if t == TypeKyber1024 {
		c.kyber.DecapsulateTo(secret[:], ciphertext[1:])
		return secret, nil
	}
	shared, err := c.mlkem.Decapsulate(ciphertext[1:])
	if err != nil {
		return secret, fmt.Errorf("keys: %w", err)
	}
	copy(secret[:], shared)
	clear(shared)
	return secret, nil
}

// expanded returns the cached private key, rebuilding it when the pair's
// type or seed no longer match the cache (compared in constant time).
func (kp *KEMKeyPair) expanded() (*kemCache, error) {
	c := kp.cache
	if c != nil && c.typ == kp.Public.Type && subtle.ConstantTimeCompare(c.seed[:], kp.Seed[:]) == 1 {
		return c, nil
	}
	c, err := expandSeed(kp.Public.Type, &kp.Seed)
	if err != nil {
		return nil, err
	}
	kp.cache = c
	return c, nil
}
