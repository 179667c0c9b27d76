package transport

import (
	"fmt"

	"ratchat/keys"
)

// Bounds on one [UploadPreKeys], which must fit in a frame: 100 one-time
// prekeys take 3.7 KB, 50 one-time KEM prekeys 82 KB.
const (
	MaxOneTimePreKeysPerUpload = 100
	MaxKEMPreKeysPerUpload     = 50
)

// PublicSignedPreKey is the public half of a signed prekey, as published.
type PublicSignedPreKey struct {
	ID        uint32
	Key       keys.PublicKey
	Signature [keys.SignatureSize]byte
}

// PublicOneTimePreKey is the public half of a one-time prekey.
type PublicOneTimePreKey struct {
	ID  uint32
	Key keys.PublicKey
}

// PublicKEMPreKey is the public half of a signed KEM prekey (Kyber-1024,
// or ML-KEM-1024 for one made before ratchat spoke Kyber).
type PublicKEMPreKey struct {
	ID        uint32
	Key       keys.KEMPublicKey
	Signature [keys.SignatureSize]byte
}

// UploadPreKeys publishes the owner's prekeys at its home (owner only).
// The signed prekey and the last-resort KEM prekey replace the ones the
// home holds; the one-time lists are added to what is left, unless
// ReplaceOneTime asks the home to drop those first. Ids in each list are
// strictly ascending, and no one-time KEM prekey shares the last-resort
// key's id. The home checks every signature before storing anything.
type UploadPreKeys struct {
	RegistrationID uint32
	SignedPreKey   PublicSignedPreKey
	LastResort     PublicKEMPreKey
	ReplaceOneTime bool
	OneTime        []PublicOneTimePreKey
	KEM            []PublicKEMPreKey
}

// FetchBundle asks a home for a bundle of its owner Identity. Anyone may
// ask: that is how sessions start while the owner is offline.
type FetchBundle struct {
	Identity keys.PublicKey
}

// BundleReply answers [FetchBundle]. Handing it out consumed one one-time
// prekey and one one-time KEM prekey (or the last-resort one when none is
// left). The counts of one-time prekeys left let an owner that fetches its
// own bundle notice it should replenish.
type BundleReply struct {
	Bundle      keys.Bundle
	OneTimeLeft uint32
	KEMLeft     uint32
}

// CountPreKeys asks the home how many one-time prekeys the owner has left
// (owner only); the home answers with [PreKeyCounts].
type CountPreKeys struct{}

// PreKeyCounts answers [CountPreKeys].
type PreKeyCounts struct {
	OneTime uint32
	KEM     uint32
}

// NewPublicKEMPreKey returns the public half of k.
func NewPublicKEMPreKey(k *keys.KEMPreKey) PublicKEMPreKey {
	return PublicKEMPreKey{ID: k.ID, Key: k.Pair.Public, Signature: k.Signature}
}

// NewUploadPreKeys gathers the public halves of a profile's prekeys.
func NewUploadPreKeys(registrationID uint32, spk *keys.SignedPreKey, lastResort *keys.KEMPreKey,
	oneTime []keys.OneTimePreKey, kem []keys.KEMPreKey) *UploadPreKeys {
	u := &UploadPreKeys{
		RegistrationID: registrationID,
		SignedPreKey:   PublicSignedPreKey{ID: spk.ID, Key: spk.Pair.Public, Signature: spk.Signature},
		LastResort:     NewPublicKEMPreKey(lastResort),
	}
	for i := range oneTime {
		u.OneTime = append(u.OneTime, PublicOneTimePreKey{ID: oneTime[i].ID, Key: oneTime[i].Pair.Public})
	}
	for i := range kem {
		u.KEM = append(u.KEM, NewPublicKEMPreKey(&kem[i]))
	}
	return u
}

// Verify checks every signature in the upload under the owner's identity
// key, as a bundle's recipient will: a home must never hand out a key its
// owner did not sign.
func (u *UploadPreKeys) Verify(identity keys.PublicKey) error {
	if err := keys.Verify(identity, u.SignedPreKey.Key.Bytes(), u.SignedPreKey.Signature[:]); err != nil {
		return fmt.Errorf("signed prekey %d: %w", u.SignedPreKey.ID, err)
	}
	for _, k := range append([]PublicKEMPreKey{u.LastResort}, u.KEM...) {
		if err := keys.Verify(identity, k.Key.Bytes(), k.Signature[:]); err != nil {
			return fmt.Errorf("KEM prekey %d: %w", k.ID, err)
		}
	}
	return nil
}

// Kind returns [KindUploadPreKeys].
func (*UploadPreKeys) Kind() Kind { return KindUploadPreKeys }

func (u *UploadPreKeys) appendBody(b []byte) []byte {
	b = appendU32(b, u.RegistrationID)
	b = u.SignedPreKey.append(b)
	b = u.LastResort.append(b)
	flags := byte(0)
	if u.ReplaceOneTime {
		flags = 1
	}
	b = append(b, flags)
	b = appendU16(b, uint16(min(len(u.OneTime), 0xffff)))
	for i := range u.OneTime {
		b = u.OneTime[i].append(b)
	}
	b = appendU16(b, uint16(min(len(u.KEM), 0xffff)))
	for i := range u.KEM {
		b = u.KEM[i].append(b)
	}
	return b
}

// parseUploadPreKeys refuses unknown flags, lists over their bound or not
// strictly ascending, and a one-time KEM id equal to the last-resort one.
func parseUploadPreKeys(r *reader) Message {
	u := &UploadPreKeys{RegistrationID: r.U32(), SignedPreKey: parseSignedPreKey(r),
		LastResort: parseKEMPreKey(r)}
	switch r.U8() {
	case 0:
	case 1:
		u.ReplaceOneTime = true
	default:
		r.fail("replace flag")
	}
	n := int(r.U16())
	if n > MaxOneTimePreKeysPerUpload {
		r.fail("one-time prekey count")
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		k := parseOneTimePreKey(r)
		if i > 0 && k.ID <= u.OneTime[i-1].ID {
			r.fail("one-time prekey ids not ascending")
		}
		u.OneTime = append(u.OneTime, k)
	}
	n = int(r.U16())
	if n > MaxKEMPreKeysPerUpload {
		r.fail("KEM prekey count")
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		k := parseKEMPreKey(r)
		if (i > 0 && k.ID <= u.KEM[i-1].ID) || k.ID == u.LastResort.ID {
			r.fail("KEM prekey ids")
		}
		u.KEM = append(u.KEM, k)
	}
	return u
}

func (k *PublicSignedPreKey) append(b []byte) []byte {
	return append(appendKey(appendU32(b, k.ID), k.Key), k.Signature[:]...)
}

func parseSignedPreKey(r *reader) PublicSignedPreKey {
	return PublicSignedPreKey{ID: r.U32(), Key: r.publicKey(), Signature: r.signature()}
}

func (k *PublicOneTimePreKey) append(b []byte) []byte {
	return appendKey(appendU32(b, k.ID), k.Key)
}

func parseOneTimePreKey(r *reader) PublicOneTimePreKey {
	return PublicOneTimePreKey{ID: r.U32(), Key: r.publicKey()}
}

func (k *PublicKEMPreKey) append(b []byte) []byte {
	return append(appendKEMKey(appendU32(b, k.ID), &k.Key), k.Signature[:]...)
}

func parseKEMPreKey(r *reader) PublicKEMPreKey {
	return PublicKEMPreKey{ID: r.U32(), Key: r.kemKey(), Signature: r.signature()}
}

// Kind returns [KindFetchBundle].
func (*FetchBundle) Kind() Kind { return KindFetchBundle }

func (f *FetchBundle) appendBody(b []byte) []byte { return appendKey(b, f.Identity) }

func parseFetchBundle(r *reader) Message { return &FetchBundle{Identity: r.publicKey()} }

// Kind returns [KindBundle].
func (*BundleReply) Kind() Kind { return KindBundle }

// appendBody writes the counts, then the bundle in its own encoding
// ([keys.Bundle.MarshalBinary]) as the rest of the body. A bundle that
// cannot be encoded is left out, which parsing then refuses.
func (m *BundleReply) appendBody(b []byte) []byte {
	b = appendU32(appendU32(b, m.OneTimeLeft), m.KEMLeft)
	enc, err := m.Bundle.MarshalBinary()
	if err != nil {
		return b
	}
	return append(b, enc...)
}

func parseBundleReply(r *reader) Message {
	m := &BundleReply{OneTimeLeft: r.U32(), KEMLeft: r.U32()}
	b, err := keys.ParseBundle(r.Rest())
	if err != nil {
		r.Fail(err)
		return m
	}
	m.Bundle = *b
	return m
}

// Kind returns [KindCountPreKeys].
func (*CountPreKeys) Kind() Kind { return KindCountPreKeys }

func (*CountPreKeys) appendBody(b []byte) []byte { return b }

// Kind returns [KindPreKeyCounts].
func (*PreKeyCounts) Kind() Kind { return KindPreKeyCounts }

func (c *PreKeyCounts) appendBody(b []byte) []byte {
	return appendU32(appendU32(b, c.OneTime), c.KEM)
}

func parsePreKeyCounts(r *reader) Message { return &PreKeyCounts{OneTime: r.U32(), KEM: r.U32()} }
