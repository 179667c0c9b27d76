package store

import "bytes"

// plainCrypter writes fields exactly as long as [fieldCipher] does, in the
// same columns, but without encryption: a version byte 0, zero bytes where
// the nonce and tag go, and the plaintext in clear. Blind indexes are the
// raw values, zero-padded to 32 bytes. It is the "same schema without
// encryption" that benchmarks compare against, and the control that proves
// the canary test can see plaintext when there is some.
type plainCrypter struct{}

func (plainCrypter) seal(_, _ string, _ int64, pt []byte) ([]byte, error) {
	out := make([]byte, 25, sealedSize(len(pt)))
	out = append(out, pt...)
	return append(out, make([]byte, 16)...), nil
}

func (plainCrypter) open(_, _ string, _ int64, ct []byte) ([]byte, error) {
	if len(ct) < fieldOverhead || ct[0] != 0 {
		return nil, ErrDecrypt
	}
	return bytes.Clone(ct[25 : len(ct)-16]), nil
}

func (plainCrypter) blind(_ []byte, parts ...[]byte) []byte {
	out := make([]byte, blindIndexSize)
	copy(out, bytes.Join(parts, nil))
	return out
}

func (plainCrypter) drop() {}
