package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"slices"
)

// encryptCBC encrypts plaintext with AES-256-CBC and PKCS#7 padding, as the
// Signal message format requires. The IV is the message key's derived IV,
// used once, since every message key is.
func encryptCBC(mk *messageKeys, plaintext []byte) []byte {
	return appendCBC(make([]byte, 0, cbcLen(len(plaintext))), mk, plaintext)
}

// appendCBC appends [encryptCBC] of plaintext to dst, encrypting in place
// in dst's spare room, and returns the extended slice.
func appendCBC(dst []byte, mk *messageKeys, plaintext []byte) []byte {
	block, err := aes.NewCipher(mk.cipher[:])
	if err != nil {
		panic("session: aes: " + err.Error()) // a 32-byte key cannot fail
	}
	start := len(dst)
	dst = slices.Grow(dst, cbcLen(len(plaintext)))
	dst = append(dst, plaintext...)
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	for range pad {
		dst = append(dst, byte(pad))
	}
	out := dst[start:]
	cipher.NewCBCEncrypter(block, mk.iv[:]).CryptBlocks(out, out)
	return dst
}

// cbcLen is the length of [encryptCBC] of n bytes: PKCS#7 always pads, by 1
// to 16 bytes.
func cbcLen(n int) int {
	return n + aes.BlockSize - n%aes.BlockSize
}

// decryptCBC reverses [encryptCBC]. It runs only after the MAC verified, so
// a padding error cannot be used as an oracle; the check is constant-time
// all the same.
func decryptCBC(mk *messageKeys, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, ErrBadPadding
	}
	block, err := aes.NewCipher(mk.cipher[:])
	if err != nil {
		panic("session: aes: " + err.Error())
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, mk.iv[:]).CryptBlocks(out, ciphertext)
	n, ok := unpad(out)
	if !ok {
		return nil, ErrBadPadding
	}
	return out[:n], nil
}

// unpad checks PKCS#7 padding over the last block without branching on the
// padding bytes and returns the plaintext length.
func unpad(b []byte) (int, bool) {
	pad := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		match := subtle.ConstantTimeByteEq(b[len(b)-i], byte(pad))
		good &= subtle.ConstantTimeSelect(inPad, match, 1)
	}
	return len(b) - pad, good == 1
}
