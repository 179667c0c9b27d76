package store

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"golang.org/x/crypto/chacha20poly1305"
)

// HKDF labels of the sub-keys derived from the data key, one per purpose.
//
// Why separate keys: a key used for one thing only cannot be turned against
// another (a blind index can never be confused with a ciphertext tag), and a
// later version can rotate one purpose without touching the others.
const (
	labelFieldKey      = "ratchat store v1 field encryption"
	labelBlindIdentity = "ratchat store v1 blind index identity key"
	labelBlindMessage  = "ratchat store v1 blind index message id"
	labelBlindSetting  = "ratchat store v1 blind index setting name"
)

// dataKeySize is the length of the random data key.
const dataKeySize = 32

// blindIndexSize is the length of an HMAC-SHA256 blind index.
const blindIndexSize = sha256.Size

// subkeys holds the keys derived from the data key. The data key itself is
// not kept once they are derived.
type subkeys struct {
	field         []byte
	blindIdentity []byte
	blindMessage  []byte
	blindSetting  []byte
}

// deriveSubkeys derives every sub-key of dataKey.
func deriveSubkeys(dataKey []byte) (*subkeys, error) {
	k := &subkeys{}
	for _, d := range []struct {
		dst   *[]byte
		label string
	}{
		{&k.field, labelFieldKey},
		{&k.blindIdentity, labelBlindIdentity},
		{&k.blindMessage, labelBlindMessage},
		{&k.blindSetting, labelBlindSetting},
	} {
		out, err := hkdf.Key(sha256.New, dataKey, nil, d.label, 32)
		if err != nil {
			return nil, fmt.Errorf("store: deriving sub-key: %w", err)
		}
		*d.dst = out
	}
	return k, nil
}

// wipe overwrites the sub-keys, so a closed store keeps no key in memory
// longer than the garbage collector does.
func (k *subkeys) wipe() {
	for _, b := range [][]byte{k.field, k.blindIdentity, k.blindMessage, k.blindSetting} {
		clear(b)
	}
}

// crypter seals and opens fields and computes blind indexes. The store's
// only implementation is [fieldCipher]; benchmarks substitute one that
// writes the same bytes without encryption to measure its cost.
type crypter interface {
	seal(table, column string, row int64, plaintext []byte) ([]byte, error)
	open(table, column string, row int64, ciphertext []byte) ([]byte, error)
	blind(key []byte, parts ...[]byte) []byte
	// drop lets go of the key: every later seal and open fails with
	// [ErrClosed].
	drop()
}

// fieldCipher is XChaCha20-Poly1305 under the field key.
//
// Why XChaCha20-Poly1305: its 192-bit nonces can be drawn at random for
// every write without any risk of reuse over the life of a profile, so
// no nonce counter has to be kept consistent across crashes.
//
// Why the AEAD sits behind an atomic pointer: it holds its own copy of the
// field key, which wiping [subkeys] does not reach. Close drops it, so that
// a closed store's cipher keeps no key alive, and a seal or open still in
// flight or started afterwards fails with [ErrClosed] instead of using it.
type fieldCipher struct {
	aead atomic.Pointer[cipher.AEAD]
	rand io.Reader
}

// newFieldCipher returns the field cipher of k, drawing nonces from rand.
func newFieldCipher(k *subkeys, rand io.Reader) (*fieldCipher, error) {
	aead, err := chacha20poly1305.NewX(k.field)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	c := &fieldCipher{rand: rand}
	c.aead.Store(&aead)
	return c, nil
}

// drop lets go of the AEAD and with it the field key.
func (c *fieldCipher) drop() { c.aead.Store(nil) }

// cipher returns the AEAD, or [ErrClosed] once dropped.
func (c *fieldCipher) cipher() (cipher.AEAD, error) {
	p := c.aead.Load()
	if p == nil {
		return nil, ErrClosed
	}
	return *p, nil
}

// fieldVersion is the first byte of every encrypted field, so that a later
// version can change the format or the key and still read old rows.
const fieldVersion byte = 1

// fieldOverhead is what encryption adds to a field: version, nonce and tag.
const fieldOverhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// sealedSize returns the length of a sealed field of n plaintext bytes,
// for the CHECK constraints' sake.
func sealedSize(n int) int { return n + fieldOverhead }

// fieldAD is the associated data of a field: table, column and row id.
//
// Why: a ciphertext authenticates where it belongs, so someone with write
// access to the file cannot swap two contacts' names, move a message body
// into another conversation, or put a name where an address was.
func fieldAD(table, column string, row int64) []byte {
	ad := make([]byte, 0, len(table)+len(column)+2+8)
	ad = append(ad, table...)
	ad = append(ad, 0)
	ad = append(ad, column...)
	ad = append(ad, 0)
	return binary.BigEndian.AppendUint64(ad, uint64(row))
}

// seal encrypts a field for its table, column and row.
func (c *fieldCipher) seal(table, column string, row int64, plaintext []byte) ([]byte, error) {
	aead, err := c.cipher()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), sealedSize(len(plaintext)))
	out[0] = fieldVersion
	if _, err := io.ReadFull(c.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("store: reading randomness: %w", err)
	}
	return aead.Seal(out, out[1:], plaintext, fieldAD(table, column, row)), nil
}

// open decrypts a field sealed for this table, column and row, or
// fails with ErrDecrypt ([ErrClosed] once the key is dropped).
func (c *fieldCipher) open(table, column string, row int64, ciphertext []byte) ([]byte, error) {
	aead, err := c.cipher()
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < fieldOverhead || ciphertext[0] != fieldVersion {
		return nil, ErrDecrypt
	}
	nonce := ciphertext[1 : 1+aead.NonceSize()]
	out, err := aead.Open(nil, nonce, ciphertext[1+aead.NonceSize():], fieldAD(table, column, row))
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// blind returns HMAC-SHA256(key, parts...), each part length-prefixed so
// that no two different lists of parts give the same input.
func (c *fieldCipher) blind(key []byte, parts ...[]byte) []byte {
	return blindIndex(hmac.New(sha256.New, key), parts...)
}

// blindIndex feeds the length-prefixed parts to h and returns the sum.
func blindIndex(h hash.Hash, parts ...[]byte) []byte {
	var n [4]byte
	for _, p := range parts {
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return h.Sum(nil)
}
