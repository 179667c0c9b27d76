package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Key hierarchy: passphrase → Argon2id (salt, [KDFParams]) → key-encryption
// key → XChaCha20-Poly1305 unwraps the random data key → HKDF sub-keys.
//
// Why a wrapped data key rather than a key derived from the passphrase:
// changing the passphrase re-wraps 32 bytes instead of re-encrypting every
// row, and the data key has full entropy whatever the passphrase.

// labelKeyWrap is the associated-data prefix of the wrapped data key.
const labelKeyWrap = "ratchat store v1 data key wrap"

// Sizes of the key ring's columns.
const (
	kdfSaltSize = 32
	wrappedSize = chacha20poly1305.NonceSizeX + dataKeySize + chacha20poly1305.Overhead
)

// keyring is the row that unlocks a profile: everything in it is public.
type keyring struct {
	params  KDFParams
	salt    []byte
	wrapped []byte
}

// wrapAD binds the KDF parameters and the salt to the wrapped key, so that
// no column of the key ring can be changed on its own.
func wrapAD(p KDFParams, salt []byte) []byte {
	ad := append([]byte(labelKeyWrap), 0)
	ad = p.appendBinary(ad)
	return append(ad, salt...)
}

// newKeyring wraps dataKey under passphrase with a fresh salt and nonce.
func newKeyring(passphrase, dataKey []byte, p KDFParams, rand io.Reader) (keyring, error) {
	if len(passphrase) == 0 {
		return keyring{}, ErrEmptyPassphrase
	}
	if !p.valid() {
		return keyring{}, ErrKDFParams
	}
	k := keyring{params: p, salt: make([]byte, kdfSaltSize), wrapped: make([]byte, chacha20poly1305.NonceSizeX, wrappedSize)}
	if _, err := io.ReadFull(rand, k.salt); err != nil {
		return keyring{}, fmt.Errorf("store: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(rand, k.wrapped); err != nil {
		return keyring{}, fmt.Errorf("store: reading randomness: %w", err)
	}
	kek := deriveKEK(passphrase, k.salt, p)
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return keyring{}, fmt.Errorf("store: %w", err)
	}
	k.wrapped = aead.Seal(k.wrapped, k.wrapped, dataKey, wrapAD(p, k.salt))
	return k, nil
}

// unwrap returns the data key, or [ErrWrongPassphrase] when the tag does
// not verify. The AEAD tag is the verification: there is no separate
// password hash to attack offline, and a wrong passphrase is told apart
// from a right one only after a full Argon2id evaluation.
func (k keyring) unwrap(passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrWrongPassphrase
	}
	kek := deriveKEK(passphrase, k.salt, k.params)
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	n := aead.NonceSize()
	key, err := aead.Open(nil, k.wrapped[:n], k.wrapped[n:], wrapAD(k.params, k.salt))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return key, nil
}

// loadKeyring reads the key ring, checking every length and bound before
// the passphrase is run through Argon2id.
func loadKeyring(ctx context.Context, q querier) (keyring, error) {
	var k keyring
	var t, m, th int64
	err := q.QueryRowContext(ctx,
		`SELECT kdf_time, kdf_memory, kdf_threads, salt, wrapped FROM keyring WHERE id = 1`).
		Scan(&t, &m, &th, &k.salt, &k.wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotProfile
	}
	if err != nil {
		return k, fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	if t < 0 || t > 1<<32-1 || m < 0 || m > 1<<32-1 || th < 0 || th > 255 {
		return k, ErrKDFParams
	}
	k.params = KDFParams{Time: uint32(t), MemoryKiB: uint32(m), Threads: uint8(th)}
	if !k.params.valid() {
		return k, ErrKDFParams
	}
	if len(k.salt) != kdfSaltSize || len(k.wrapped) != wrappedSize {
		return k, ErrNotProfile
	}
	return k, nil
}

// saveKeyring writes (or replaces) the key ring row.
func saveKeyring(ctx context.Context, q querier, k keyring) error {
	_, err := q.ExecContext(ctx, `INSERT INTO keyring (id, kdf_time, kdf_memory, kdf_threads, salt, wrapped)
		VALUES (1, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kdf_time = excluded.kdf_time, kdf_memory = excluded.kdf_memory,
			kdf_threads = excluded.kdf_threads, salt = excluded.salt, wrapped = excluded.wrapped`,
		int64(k.params.Time), int64(k.params.MemoryKiB), int64(k.params.Threads), k.salt, k.wrapped)
	if err != nil {
		return fmt.Errorf("store: saving key ring: %w", err)
	}
	return nil
}
