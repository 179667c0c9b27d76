package transport

import (
	"fmt"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// The home stores each published prekey as a record in the same layout as
// in [UploadPreKeys] (the signed prekey preceded by the registration id),
// and reads them back with the same strict decoders: a damaged database
// gives an error, never a wrong bundle.

// preKeyUpload turns an upload into the store's records.
func preKeyUpload(u *UploadPreKeys) mailbox.PreKeyUpload {
	out := mailbox.PreKeyUpload{
		Signed:         u.SignedPreKey.append(appendU32(nil, u.RegistrationID)),
		LastResort:     u.LastResort.append(nil),
		ReplaceOneTime: u.ReplaceOneTime,
	}
	for i := range u.OneTime {
		out.OneTime = append(out.OneTime, mailbox.PreKey{ID: u.OneTime[i].ID, Record: u.OneTime[i].append(nil)})
	}
	for i := range u.KEM {
		out.KEM = append(out.KEM, mailbox.PreKey{ID: u.KEM[i].ID, Record: u.KEM[i].append(nil)})
	}
	return out
}

// bundleFromHandout assembles the bundle of owner from stored records:
// the one-time KEM prekey if one was left, else the last-resort one.
func bundleFromHandout(owner keys.PublicKey, h *mailbox.Handout) (*BundleReply, error) {
	r := newReader(h.Signed)
	regID, spk := r.U32(), parseSignedPreKey(r)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: stored signed prekey: %w", ErrMalformed, err)
	}
	kemRecord := h.LastResort
	if h.KEM != nil {
		kemRecord = h.KEM.Record
	}
	r = newReader(kemRecord)
	kem := parseKEMPreKey(r)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: stored KEM prekey: %w", ErrMalformed, err)
	}
	b := keys.Bundle{RegistrationID: regID, Identity: owner, SignedPreKeyID: spk.ID,
		SignedPreKey: spk.Key, SignedPreKeySignature: spk.Signature,
		KEMPreKeyID: kem.ID, KEMPreKey: &kem.Key, KEMPreKeySignature: kem.Signature}
	if h.OneTime != nil {
		r = newReader(h.OneTime.Record)
		otk := parseOneTimePreKey(r)
		if err := r.Done(); err != nil {
			return nil, fmt.Errorf("%w: stored one-time prekey: %w", ErrMalformed, err)
		}
		b.OneTimePreKeyID, b.OneTimePreKey = otk.ID, &otk.Key
	}
	return &BundleReply{Bundle: b, OneTimeLeft: uint32(h.OneTimeLeft), KEMLeft: uint32(h.KEMLeft)}, nil
}
