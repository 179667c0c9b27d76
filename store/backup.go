package store

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
)

// Backup file format, version 1 (docs/STORAGE.md describes it in full):
//
//	magic    "ratchat backup\n" (15 bytes)
//	version  1 byte, 1
//	method   1 byte: 1 recovery key, 2 passphrase
//	salt     32 bytes, fresh for every backup
//	params   9 bytes of Argon2id parameters (passphrase method only)
//	mac      32 bytes: HMAC-SHA256 under the header key of all the above
//	payload  the STREAM-sealed logical export (stream.go, export.go)
const (
	backupMagic      = "ratchat backup\n"
	backupVersion    = 1
	methodRecovery   = 1
	methodPassphrase = 2
	backupSaltSize   = 32
	backupMACSize    = sha256.Size

	labelBackupHeader  = "ratchat backup v1 header"
	labelBackupPayload = "ratchat backup v1 payload"
)

// BackupKey seals and opens backups: a [RecoveryKey], or a passphrase
// made into one by [BackupPassphrase].
type BackupKey interface {
	// method is the header's method byte.
	method() byte
	// master derives the file's master secret from its header.
	master(h *backupHeader) ([]byte, error)
}

// master returns the recovery key's digits: they already have 212 bits
// of entropy, and HKDF (with the file's salt) does the rest.
func (k RecoveryKey) master(*backupHeader) ([]byte, error) { return bytes.Clone(k.digits[:]), nil }

// method is the header method byte of recovery-key backups.
func (k RecoveryKey) method() byte { return methodRecovery }

// passphraseKey is a passphrase used as a backup key.
type passphraseKey struct {
	pass []byte
}

// BackupPassphrase returns a backup key made from a passphrase. Each backup
// stretches it with Argon2id under a fresh salt, at the exporting store's
// cost ([WithKDF]); the parameters travel in the header.
func BackupPassphrase(passphrase []byte) BackupKey {
	return passphraseKey{pass: bytes.Clone(passphrase)}
}

// method is the header method byte of passphrase backups.
func (k passphraseKey) method() byte { return methodPassphrase }

// master stretches the passphrase with the header's salt and parameters.
func (k passphraseKey) master(h *backupHeader) ([]byte, error) {
	if len(k.pass) == 0 {
		return nil, ErrEmptyPassphrase
	}
	return deriveKEK(k.pass, h.salt, h.params), nil
}

// backupHeader is the parsed header of a backup.
type backupHeader struct {
	method byte
	salt   []byte
	params KDFParams
}

// marshal returns the header without its MAC.
func (h *backupHeader) marshal() []byte {
	b := append([]byte(backupMagic), backupVersion, h.method)
	b = append(b, h.salt...)
	if h.method == methodPassphrase {
		b = h.params.appendBinary(b)
	}
	return b
}

// backupKeys are the keys of one backup file.
type backupKeys struct {
	header, payload []byte
}

// deriveBackupKeys derives the header MAC key and the payload key.
func deriveBackupKeys(key BackupKey, h *backupHeader) (backupKeys, error) {
	m, err := key.master(h)
	if err != nil {
		return backupKeys{}, err
	}
	defer clear(m)
	hk, err := hkdf.Key(sha256.New, m, h.salt, labelBackupHeader, 32)
	if err != nil {
		return backupKeys{}, fmt.Errorf("store: %w", err)
	}
	pk, err := hkdf.Key(sha256.New, m, h.salt, labelBackupPayload, 32)
	if err != nil {
		return backupKeys{}, fmt.Errorf("store: %w", err)
	}
	return backupKeys{header: hk, payload: pk}, nil
}

// headerMAC authenticates the header bytes. Why a MAC when the payload is
// sealed anyway: it binds the version, method and KDF parameters, and it
// tells a wrong key ([ErrBackupKey]) apart from a damaged payload.
func headerMAC(k []byte, header []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write(header)
	return m.Sum(nil)
}

// writeBackupHeader writes a fresh header for key and returns the payload
// key.
func writeBackupHeader(w io.Writer, key BackupKey, params KDFParams, rand io.Reader) ([]byte, error) {
	h := &backupHeader{method: key.method(), salt: make([]byte, backupSaltSize), params: params}
	if _, err := io.ReadFull(rand, h.salt); err != nil {
		return nil, fmt.Errorf("store: reading randomness: %w", err)
	}
	if h.method == methodPassphrase && !params.valid() {
		return nil, ErrKDFParams
	}
	k, err := deriveBackupKeys(key, h)
	if err != nil {
		return nil, err
	}
	b := h.marshal()
	if _, err := w.Write(append(b, headerMAC(k.header, b)...)); err != nil {
		return nil, fmt.Errorf("store: writing backup: %w", err)
	}
	return k.payload, nil
}

// readBackupHeader parses and authenticates a header and returns the
// payload key. Every field is checked before the key is derived, so a
// hostile header cannot make Argon2id run with absurd parameters.
func readBackupHeader(r io.Reader, key BackupKey) ([]byte, error) {
	fixed := make([]byte, len(backupMagic)+2+backupSaltSize)
	if _, err := io.ReadFull(r, fixed); err != nil {
		return nil, ErrNotBackup
	}
	if string(fixed[:len(backupMagic)]) != backupMagic {
		return nil, ErrNotBackup
	}
	if fixed[len(backupMagic)] != backupVersion {
		return nil, ErrBackupVersion
	}
	h := &backupHeader{method: fixed[len(backupMagic)+1], salt: fixed[len(backupMagic)+2:]}
	if h.method != methodRecovery && h.method != methodPassphrase {
		return nil, ErrBackupCorrupt
	}
	if h.method != key.method() {
		return nil, ErrBackupKey
	}
	if h.method == methodPassphrase {
		p := make([]byte, kdfParamsSize)
		if _, err := io.ReadFull(r, p); err != nil {
			return nil, ErrBackupTruncated
		}
		var ok bool
		if h.params, ok = parseKDFParams(p); !ok {
			return nil, ErrBackupCorrupt
		}
	}
	mac := make([]byte, backupMACSize)
	if _, err := io.ReadFull(r, mac); err != nil {
		return nil, ErrBackupTruncated
	}
	k, err := deriveBackupKeys(key, h)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, headerMAC(k.header, h.marshal())) {
		return nil, ErrBackupKey
	}
	return k.payload, nil
}
