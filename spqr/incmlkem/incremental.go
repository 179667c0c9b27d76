package incmlkem

import (
	"crypto/mlkem"
	"crypto/sha3"
	"crypto/subtle"
	"fmt"
	"io"
)

// Keys is a key pair split the way the braid sends it.
type Keys struct {
	// Header is ρ ‖ H(ek), [HeaderSize] bytes: all that [Encaps1] needs.
	Header []byte
	// EncapsulationKey is ByteEncode12(t̂), [EncapsulationKeySize] bytes:
	// the FIPS 203 encapsulation key without its trailing ρ.
	EncapsulationKey []byte
	// DecapsulationKey is the seed d ‖ z, [DecapsulationKeySize] bytes.
	DecapsulationKey []byte
}

// Generate makes a key pair from a 64-byte seed read from rand, through
// crypto/mlkem (FIPS 203 Algorithm 16, ML-KEM.KeyGen_internal(d, z)).
func Generate(rand io.Reader) (Keys, error) {
	seed := make([]byte, DecapsulationKeySize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return Keys{}, fmt.Errorf("%w: %w", ErrRandom, err)
	}
	dk, err := mlkem.NewDecapsulationKey768(seed)
	if err != nil {
		return Keys{}, fmt.Errorf("incmlkem: expanding the seed: %w", err)
	}
	ek := dk.EncapsulationKey().Bytes()
	header, err := HeaderFromKey(ek)
	if err != nil {
		return Keys{}, err
	}
	return Keys{
		Header:           header,
		EncapsulationKey: ek[:EncapsulationKeySize:EncapsulationKeySize],
		DecapsulationKey: seed,
	}, nil
}

// HeaderFromKey returns the header ρ ‖ H(ek) of a full FIPS 203 ML-KEM-768
// encapsulation key (ByteEncode12(t̂) ‖ ρ, 1,184 bytes, as
// crypto/mlkem.EncapsulationKey768.Bytes returns it), or [ErrKeySize] if ek
// has another length. The braid's own keys come from [Generate]; this is for
// keys made elsewhere.
func HeaderFromKey(ek []byte) ([]byte, error) {
	if len(ek) != fullKeySize {
		return nil, ErrKeySize
	}
	h := sha3.Sum256(ek)
	header := make([]byte, 0, HeaderSize)
	header = append(header, ek[EncapsulationKeySize:]...)
	return append(header, h[:]...), nil
}

// EncapsulationKeyMatchesHeader reports whether ek and header are the two
// parts of one valid encapsulation key: the right sizes, SHA3-256(ek ‖ ρ)
// equal to the header's H(ek), and every coefficient of t̂ below q (the
// modulus check of FIPS 203 section 7.2). When it reports true, [Encaps2]
// accepts ek with any state made from header.
func EncapsulationKeyMatchesHeader(ek, header []byte) bool {
	_, err := parseKey(ek, header)
	return err == nil
}

// parseKey decodes t̂ from ek after checking that ek is the valid
// encapsulation key that header announces: [ErrKeyMismatch] if
// SHA3-256(ek ‖ ρ) is not the header's H(ek), [ErrKeyModulus] if a
// coefficient is not below q. The hash comparison is constant time,
// although nothing here is secret, so that no reader has to ask.
func parseKey(ek, header []byte) ([k]nttElement, error) {
	if len(ek) != EncapsulationKeySize || len(header) != HeaderSize {
		return [k]nttElement{}, ErrKeySize
	}
	rho, hash := header[:seedSize], header[seedSize:]
	full := make([]byte, 0, fullKeySize)
	full = append(append(full, ek...), rho...)
	h := sha3.Sum256(full)
	if subtle.ConstantTimeCompare(h[:], hash) != 1 {
		return [k]nttElement{}, ErrKeyMismatch
	}
	tHat, ok := decodeKey(ek)
	if !ok {
		return [k]nttElement{}, ErrKeyModulus
	}
	return tHat, nil
}

// Encaps1 is the first half of ML-KEM.Encaps (FIPS 203 Algorithm 17 with
// Algorithm 14 up to c1): it reads the 32-byte message m from rand, derives
// (K, r) = G(m ‖ H(ek)) from the header alone, and returns ct1, the state
// that [Encaps2] needs and the shared secret K. The state holds m: keep it
// secret.
func Encaps1(header []byte, rand io.Reader) (ct1, state, sharedSecret []byte, err error) {
	if len(header) != HeaderSize {
		return nil, nil, nil, ErrHeaderSize
	}
	m := make([]byte, messageSize)
	if _, err := io.ReadFull(rand, m); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrRandom, err)
	}
	ct1, state, sharedSecret = encaps1(header, m)
	return ct1, state, sharedSecret, nil
}

// encaps1 is [Encaps1] with the message m given.
func encaps1(header, m []byte) (ct1, state, sharedSecret []byte) {
	st := encapsState{m: m, header: header}
	sharedSecret, seed := st.derive()
	ct1 = encrypt1(header[:seedSize], seed)
	return ct1, st.encode(), sharedSecret
}

// Encaps2 is the second half of ML-KEM.Encaps: given the encapsulation key
// ek (ByteEncode12(t̂)) and the state from [Encaps1], it returns ct2. It
// refuses an ek that does not match the header kept in the state
// ([ErrKeyMismatch]) or fails the modulus check ([ErrKeyModulus]).
func Encaps2(ek, state []byte) (ct2 []byte, err error) {
	st, err := decodeState(state)
	if err != nil {
		return nil, err
	}
	if len(ek) != EncapsulationKeySize {
		return nil, ErrKeySize
	}
	tHat, err := parseKey(ek, st.header)
	if err != nil {
		return nil, err
	}
	_, seed := st.derive()
	return encrypt2(&tHat, st.m, seed), nil
}

// Decaps returns the shared secret of ct1 ‖ ct2 under the decapsulation key
// dk (the seed d ‖ z), through crypto/mlkem's ML-KEM-768 decapsulation. As
// FIPS 203 specifies, a ciphertext of the right size but not made for this
// key yields a pseudorandom secret (implicit rejection), not an error.
func Decaps(dk, ct1, ct2 []byte) ([]byte, error) {
	if len(dk) != DecapsulationKeySize {
		return nil, ErrKeySize
	}
	if len(ct1) != Ciphertext1Size || len(ct2) != Ciphertext2Size {
		return nil, ErrCiphertextSize
	}
	key, err := mlkem.NewDecapsulationKey768(dk)
	if err != nil {
		return nil, fmt.Errorf("incmlkem: expanding the seed: %w", err)
	}
	ct := make([]byte, 0, Ciphertext1Size+Ciphertext2Size)
	ct = append(append(ct, ct1...), ct2...)
	ss, err := key.Decapsulate(ct)
	if err != nil {
		return nil, fmt.Errorf("incmlkem: decapsulating: %w", err)
	}
	return ss, nil
}
