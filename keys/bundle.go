package keys

import (
	"errors"
	"fmt"
)

// Bundle is the public half of a profile's prekeys, as its home hands it to
// anyone who wants to start a session: the identity key, a signed prekey, an
// optional one-time prekey and an optional signed ML-KEM-1024 prekey (nil for
// a plain X3DH bundle). As in libsignal, the ids and the registration id are
// not signed: a wrong one only makes the session fail to start.
type Bundle struct {
	RegistrationID        uint32
	Identity              PublicKey
	SignedPreKeyID        uint32
	SignedPreKey          PublicKey
	SignedPreKeySignature [SignatureSize]byte
	OneTimePreKeyID       uint32
	OneTimePreKey         *PublicKey // nil when absent; OneTimePreKeyID is then 0
	KEMPreKeyID           uint32
	KEMPreKey             *KEMPublicKey // nil when absent; KEMPreKeyID and KEMPreKeySignature are then zero
	KEMPreKeySignature    [SignatureSize]byte
}

// NewBundle assembles the bundle that publishes the given prekeys under the
// identity key identity. otk and kem may be nil. It takes the public identity
// key only: making a bundle needs no secret.
func NewBundle(registrationID uint32, identity PublicKey, spk SignedPreKey, otk *OneTimePreKey, kem *KEMPreKey) Bundle {
	b := Bundle{
		RegistrationID:        registrationID,
		Identity:              identity,
		SignedPreKeyID:        spk.ID,
		SignedPreKey:          spk.Pair.Public,
		SignedPreKeySignature: spk.Signature,
	}
	if otk != nil {
		pub := otk.Pair.Public
		b.OneTimePreKeyID, b.OneTimePreKey = otk.ID, &pub
	}
	if kem != nil {
		pub := kem.Pair.Public
		b.KEMPreKeyID, b.KEMPreKey, b.KEMPreKeySignature = kem.ID, &pub, kem.Signature
	}
	return b
}

// Verify checks the bundle before a session is started from it: every key is
// usable (see [ParsePublicKey]), the signed prekey's signature verifies under
// Identity, and so does the KEM prekey's when there is one. Errors wrap
// [ErrBadBundle], and [ErrBadSignature] for a signature that fails. Verify
// does not say whether Identity is the contact's: that is the caller's check
// (against the stored key, and the safety number).
func (b *Bundle) Verify() error {
	if err := b.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	if err := Verify(b.Identity, b.SignedPreKey.Bytes(), b.SignedPreKeySignature[:]); err != nil {
		return fmt.Errorf("%w: signed prekey %d: %w", ErrBadBundle, b.SignedPreKeyID, err)
	}
	if b.KEMPreKey != nil {
		if err := Verify(b.Identity, b.KEMPreKey.Bytes(), b.KEMPreKeySignature[:]); err != nil {
			return fmt.Errorf("%w: KEM prekey %d: %w", ErrBadBundle, b.KEMPreKeyID, err)
		}
	}
	return nil
}

// check reports a bundle that ParseBundle could not have returned: a key that
// fails its checks, or an id or signature set for a prekey that is absent.
func (b *Bundle) check() error {
	pubs := []struct {
		name string
		key  *PublicKey
	}{{"identity key", &b.Identity}, {"signed prekey", &b.SignedPreKey}, {"one-time prekey", b.OneTimePreKey}}
	for _, p := range pubs {
		if p.key == nil {
			continue
		}
		if _, err := NewPublicKey(p.key[:]); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	if b.OneTimePreKey == nil && b.OneTimePreKeyID != 0 {
		return errors.New("one-time prekey id without a key")
	}
	if b.KEMPreKey == nil {
		if b.KEMPreKeyID != 0 || b.KEMPreKeySignature != [SignatureSize]byte{} {
			return errors.New("KEM prekey id or signature without a key")
		}
		return nil
	}
	if _, err := ParseKEMPublicKey(b.KEMPreKey.Bytes()); err != nil {
		return fmt.Errorf("KEM prekey: %w", err)
	}
	return nil
}
