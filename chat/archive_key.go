package chat

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"

	"ratchat/archive"
	"ratchat/keys"
	"ratchat/store"
)

// The archive's key file, PROFILE/archive/key: the archive key and its
// policy (retention, legal hold), sealed under a key derived from the
// profile's identity private key.
//
// Why: a backup carries the identity, the contacts and the history, but
// not the archive's state (its key, head, anchor and policy live in the
// store's archive_state row, which backups do not export). Without this
// file a restored profile cannot open its old archive, and enabling the
// archive again drew a new key that no old record opens under. The file
// travels with the archive's folder; the identity travels in the backup;
// together they give the archive back, and nothing else does: the file
// alone is as opaque as the segments. Whoever holds the identity (the
// profile's passphrase, or a backup and its key) can read the archive,
// as they can read the history.
const (
	archiveKeyName  = "key"
	archiveKeyMagic = "RCARKEY1" // the format's version is in it
	// labelArchiveKeyWrap is the HKDF info of the key file's sealing key.
	labelArchiveKeyWrap = "ratchat archive key wrap v1"
	// maxArchiveReason bounds the hold's reason in the file.
	maxArchiveReason = MaxAuditField
	// maxArchiveKeyFile bounds the file before it is read whole.
	maxArchiveKeyFile = len(archiveKeyMagic) + chacha20poly1305.NonceSizeX + archive.KeySize + 8 + 1 + 8 + 2 +
		maxArchiveReason + chacha20poly1305.Overhead
)

// archiveKeyFile is the key file's plaintext.
type archiveKeyFile struct {
	key    [archive.KeySize]byte
	policy store.ArchivePolicy
}

// archiveWrapKey derives the key file's sealing key from the identity.
func archiveWrapKey(id keys.KeyPair) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, id.Private[:], nil, labelArchiveKeyWrap, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	return k, nil
}

// sealArchiveKey returns the key file's bytes: magic, nonce, then the
// sealed key, retention (ns), hold, hold since (unix ns) and reason,
// with the magic as associated data.
func sealArchiveKey(id keys.KeyPair, rand io.Reader, kf archiveKeyFile) ([]byte, error) {
	p := kf.policy
	if len(p.HoldReason) > maxArchiveReason {
		return nil, fmt.Errorf("%w: a hold reason of %d bytes", ErrArchiveKeyFile, len(p.HoldReason))
	}
	var b cryptobyte.Builder
	b.AddBytes(kf.key[:])
	b.AddUint64(uint64(p.Retention))
	b.AddUint8(boolByte(p.Hold))
	var since int64
	if !p.HoldSince.IsZero() {
		since = p.HoldSince.UnixNano()
	}
	b.AddUint64(uint64(since))
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p.HoldReason)) })
	pt, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	defer clear(pt)
	wk, err := archiveWrapKey(id)
	if err != nil {
		return nil, err
	}
	defer clear(wk)
	aead, err := chacha20poly1305.NewX(wk)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	out := make([]byte, len(archiveKeyMagic)+aead.NonceSize(), maxArchiveKeyFile)
	copy(out, archiveKeyMagic)
	if _, err := io.ReadFull(rand, out[len(archiveKeyMagic):]); err != nil {
		return nil, fmt.Errorf("chat: reading randomness: %w", err)
	}
	return aead.Seal(out, out[len(archiveKeyMagic):], pt, []byte(archiveKeyMagic)), nil
}

// openArchiveKey opens a key file's bytes, strictly: the magic, a
// plaintext that opens under this identity, every field and nothing
// after. Any failure wraps [ErrArchiveKeyFile].
func openArchiveKey(id keys.KeyPair, b []byte) (archiveKeyFile, error) {
	var kf archiveKeyFile
	head := len(archiveKeyMagic) + chacha20poly1305.NonceSizeX
	if len(b) > maxArchiveKeyFile || len(b) < head+chacha20poly1305.Overhead || string(b[:len(archiveKeyMagic)]) != archiveKeyMagic {
		return kf, fmt.Errorf("%w: not a key file", ErrArchiveKeyFile)
	}
	wk, err := archiveWrapKey(id)
	if err != nil {
		return kf, err
	}
	defer clear(wk)
	aead, err := chacha20poly1305.NewX(wk)
	if err != nil {
		return kf, fmt.Errorf("chat: %w", err)
	}
	pt, err := aead.Open(nil, b[len(archiveKeyMagic):head], b[head:], b[:len(archiveKeyMagic)])
	if err != nil {
		return kf, fmt.Errorf("%w: it does not open under this profile's identity", ErrArchiveKeyFile)
	}
	defer clear(pt)
	s := cryptobyte.String(pt)
	var retention, since uint64
	var hold uint8
	var reason cryptobyte.String
	if !s.CopyBytes(kf.key[:]) || !s.ReadUint64(&retention) || !s.ReadUint8(&hold) || !s.ReadUint64(&since) ||
		!s.ReadUint16LengthPrefixed(&reason) || !s.Empty() || hold > 1 || int64(retention) < 0 || len(reason) > maxArchiveReason {
		return kf, fmt.Errorf("%w: malformed", ErrArchiveKeyFile)
	}
	kf.policy = store.ArchivePolicy{Retention: time.Duration(retention), Hold: hold == 1, HoldReason: string(reason)}
	if since != 0 {
		kf.policy.HoldSince = time.Unix(0, int64(since))
	}
	return kf, nil
}

// boolByte is 1 for true.
func boolByte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// writeArchiveKey writes the key file of the archive in dir: a
// temporary file, synced and renamed over the old one, so that a crash
// leaves the old file or the new, never a torn one.
func (m *Messenger) writeArchiveKey(dir string, kf archiveKeyFile) error {
	b, err := sealArchiveKey(m.identity, m.rand, kf)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	_, err = tmp.Write(b)
	if err = errors.Join(err, tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("chat: writing the archive's key file: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, archiveKeyName)); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	return nil
}

// readArchiveKey reads the key file of the archive in dir; a missing
// file is an error wrapping fs.ErrNotExist.
func (m *Messenger) readArchiveKey(dir string) (archiveKeyFile, error) {
	f, err := os.Open(filepath.Join(dir, archiveKeyName))
	if err != nil {
		return archiveKeyFile{}, fmt.Errorf("chat: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(maxArchiveKeyFile)+1))
	if err != nil {
		return archiveKeyFile{}, fmt.Errorf("chat: %w", err)
	}
	return openArchiveKey(m.identity, b)
}

// adoptArchive takes back the archive in the profile's folder when the
// store has no record of it (a profile restored from a backup): it opens
// the key file under the identity, verifies the whole chain from its
// first segment to its last record, and records key, head, anchor and
// policy, enabling the archive again. It does nothing when the store
// knows its archive or there is no key file; f.mu is held.
//
// What a restore cannot check: records cut off the archive's tail before
// the restore (the store that knew the head is the one replaced). Every
// other change, removal or reordering of what is kept is still caught.
func (m *Messenger) adoptArchive(ctx context.Context, dir string) (bool, error) {
	st, err := m.st.ArchiveState(ctx)
	if err != nil || len(st.Key) == archive.KeySize {
		return false, err
	}
	kf, err := m.readArchiveKey(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer clear(kf.key[:])
	a, err := archive.Open(dir, kf.key, archive.Options{Rand: m.rand, Now: m.now})
	if err != nil {
		return false, err
	}
	head := a.Head()
	anchor, err := a.Start()
	if err == nil {
		err = a.Verify(head, anchor)
	}
	if err = errors.Join(err, a.Close()); err != nil {
		return false, fmt.Errorf("chat: the archive found after a restore: %w", err)
	}
	if err := m.st.SetArchiveHead(ctx, store.ChainPoint(head)); err != nil {
		return false, err
	}
	if err := m.st.SetArchiveAnchor(ctx, store.ChainPoint(anchor)); err != nil {
		return false, err
	}
	if _, err := m.st.EnableArchive(ctx, kf.key[:], kf.policy); err != nil { // last: it starts the queue
		return false, err
	}
	return true, m.Audit(ctx, AuditEntry{Actor: "restore", Action: "archive.adopt",
		Detail: fmt.Sprintf("%d records, from %d", head.Seq, anchor.Seq+1)})
}
