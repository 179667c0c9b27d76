package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// Prekey bookkeeping. A profile keeps one signed prekey, one last-resort
// KEM prekey, and batches of one-time X25519 and KEM prekeys that its home
// hands out, one of each per session someone starts with us.
const (
	signedPreKeyID  = 1
	lastResortKEMID = 1
	// oneTimeBatch and kemBatch are how many one-time prekeys are made at a
	// time; the home holds at most 200 of each (transport.Limits).
	oneTimeBatch = 100
	kemBatch     = 40
	// replenishBelow: when the home holds fewer of either, a batch is
	// uploaded. Below it, a burst of new contacts could exhaust the
	// one-time keys and fall back to the last-resort KEM key.
	replenishBelow = 20

	settingRegistrationID = "registration_id"
	settingNextOneTimeID  = "next_one_time_prekey_id"
	settingNextKEMID      = "next_kem_prekey_id"
	// settingUploadedTo names the home (its identity key) that holds our
	// prekeys; a new home gets all of them, replacing what it had.
	settingUploadedTo = "prekeys_uploaded_to"
)

// preKeyStore reads our prekeys from the store for the session engine.
type preKeyStore struct {
	ctx context.Context
	st  *store.Store
}

var _ session.PreKeys = preKeyStore{}

// record reads one prekey record. A prekey the store does not have is
// [session.ErrNoSuchPreKey] (still matching [store.ErrNotFound]), the one
// failure the session blames on the peer's message; any other error is
// the store failing and goes back as it is, for the envelope to be retried.
func (p preKeyStore) record(kind store.PreKeyKind, id uint32) ([]byte, error) {
	b, err := p.st.PreKey(p.ctx, store.PreKeyRef{Kind: kind, ID: id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", session.ErrNoSuchPreKey, err)
	}
	return b, err
}

// SignedPreKey returns the signed prekey with this id.
func (p preKeyStore) SignedPreKey(id uint32) (keys.SignedPreKey, error) {
	b, err := p.record(store.KindSignedPreKey, id)
	if err != nil {
		return keys.SignedPreKey{}, err
	}
	return keys.ParseSignedPreKey(b)
}

// OneTimePreKey returns the one-time prekey with this id.
func (p preKeyStore) OneTimePreKey(id uint32) (keys.OneTimePreKey, error) {
	b, err := p.record(store.KindOneTimePreKey, id)
	if err != nil {
		return keys.OneTimePreKey{}, err
	}
	return keys.ParseOneTimePreKey(b)
}

// KEMPreKey returns the KEM prekey with this id.
func (p preKeyStore) KEMPreKey(id uint32) (keys.KEMPreKey, error) {
	b, err := p.record(store.KindKEMPreKey, id)
	if err != nil {
		return keys.KEMPreKey{}, err
	}
	return keys.ParseKEMPreKey(b)
}

// putPreKey stores one prekey record.
func (m *Messenger) putPreKey(ctx context.Context, kind store.PreKeyKind, id uint32, rec interface{ MarshalBinary() ([]byte, error) }) error {
	b, err := rec.MarshalBinary()
	if err != nil {
		return err
	}
	return m.st.PutPreKey(ctx, store.PreKeyRef{Kind: kind, ID: id}, b)
}

// ensurePreKeys makes the long-lived prekeys when the store has none: a new
// profile, or one just restored from a backup (which holds no prekeys:
// they are private keys that others may already have used). The home then
// gets everything anew.
func (m *Messenger) ensurePreKeys(ctx context.Context) error {
	_, err := m.st.PreKey(ctx, store.PreKeyRef{Kind: store.KindSignedPreKey, ID: signedPreKeyID})
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := m.createPreKeys(ctx); err != nil {
		return err
	}
	return m.st.DeleteSetting(ctx, settingUploadedTo)
}

// createPreKeys makes the signed prekey and the last-resort KEM prekey of a
// new profile.
func (m *Messenger) createPreKeys(ctx context.Context) error {
	spk, err := keys.NewSignedPreKey(m.rand, m.identity.Private, signedPreKeyID)
	if err != nil {
		return err
	}
	if err := m.putPreKey(ctx, store.KindSignedPreKey, spk.ID, &spk); err != nil {
		return err
	}
	kem, err := keys.NewKEMPreKey(m.rand, m.identity.Private, lastResortKEMID, true)
	if err != nil {
		return err
	}
	return m.putPreKey(ctx, store.KindKEMPreKey, kem.ID, &kem)
}

// newOneTimeBatch makes and stores a batch of one-time prekeys of both
// kinds, numbering on from the stored counters.
func (m *Messenger) newOneTimeBatch(ctx context.Context) ([]keys.OneTimePreKey, []keys.KEMPreKey, error) {
	first, err := m.counter(ctx, settingNextOneTimeID, 1, oneTimeBatch)
	if err != nil {
		return nil, nil, err
	}
	otks, err := keys.NewOneTimePreKeys(m.rand, first, oneTimeBatch)
	if err != nil {
		return nil, nil, err
	}
	for i := range otks {
		if err := m.putPreKey(ctx, store.KindOneTimePreKey, otks[i].ID, &otks[i]); err != nil {
			return nil, nil, err
		}
	}
	// KEM ids start above the last-resort key's.
	firstKEM, err := m.counter(ctx, settingNextKEMID, lastResortKEMID+1, kemBatch)
	if err != nil {
		return nil, nil, err
	}
	kems := make([]keys.KEMPreKey, kemBatch)
	for i := range kems {
		if kems[i], err = keys.NewKEMPreKey(m.rand, m.identity.Private, firstKEM+uint32(i), false); err != nil {
			return nil, nil, err
		}
		if err := m.putPreKey(ctx, store.KindKEMPreKey, kems[i].ID, &kems[i]); err != nil {
			return nil, nil, err
		}
	}
	return otks, kems, nil
}

// counter reserves n ids from a stored counter that starts at start.
func (m *Messenger) counter(ctx context.Context, name string, start uint32, n uint32) (uint32, error) {
	next := start
	if v, err := m.st.Setting(ctx, name); err == nil {
		u, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("chat: setting %s: %w", name, err)
		}
		next = uint32(u)
	}
	if next > ^uint32(0)-n {
		next = start // wrap around: ids that old are long used
	}
	return next, m.st.SetSetting(ctx, name, strconv.FormatUint(uint64(next+n), 10))
}

// syncPreKeys keeps the home supplied: everything we have to a home that
// has never had our prekeys, a new batch when its stock runs low.
func (m *Messenger) syncPreKeys(ctx context.Context, conn *transport.Conn) error {
	home := conn.Home().String()
	uploaded, _ := m.st.Setting(ctx, settingUploadedTo)
	if uploaded != home {
		return m.uploadAll(ctx, conn)
	}
	counts, err := conn.PreKeyCounts(ctx)
	if err != nil {
		return err
	}
	if counts.OneTime >= replenishBelow && counts.KEM >= replenishBelow {
		return nil
	}
	otks, kems, err := m.newOneTimeBatch(ctx)
	if err != nil {
		return err
	}
	return m.upload(ctx, conn, otks, kems, false)
}

// uploadAll replaces what the home holds with all our current prekeys,
// making a first batch if we have none.
func (m *Messenger) uploadAll(ctx context.Context, conn *transport.Conn) error {
	otks, kems, err := m.storedOneTime(ctx)
	if err != nil {
		return err
	}
	if len(otks) == 0 || len(kems) == 0 {
		if otks, kems, err = m.newOneTimeBatch(ctx); err != nil {
			return err
		}
	}
	if err := m.upload(ctx, conn, otks, kems, true); err != nil {
		return err
	}
	return m.st.SetSetting(ctx, settingUploadedTo, conn.Home().String())
}

// storedOneTime loads our one-time prekeys, at most one upload's worth.
func (m *Messenger) storedOneTime(ctx context.Context) ([]keys.OneTimePreKey, []keys.KEMPreKey, error) {
	p := preKeyStore{ctx, m.st}
	ids, err := m.st.PreKeyIDs(ctx, store.KindOneTimePreKey)
	if err != nil {
		return nil, nil, err
	}
	var otks []keys.OneTimePreKey
	for _, id := range ids[:min(len(ids), transport.MaxOneTimePreKeysPerUpload)] {
		k, err := p.OneTimePreKey(id)
		if err != nil {
			return nil, nil, err
		}
		otks = append(otks, k)
	}
	if ids, err = m.st.PreKeyIDs(ctx, store.KindKEMPreKey); err != nil {
		return nil, nil, err
	}
	var kems []keys.KEMPreKey
	for _, id := range ids {
		if len(kems) == transport.MaxKEMPreKeysPerUpload {
			break
		}
		if id == lastResortKEMID {
			continue
		}
		k, err := p.KEMPreKey(id)
		if err != nil {
			return nil, nil, err
		}
		kems = append(kems, k)
	}
	return otks, kems, nil
}

// upload sends the signed and last-resort prekeys with the given one-time
// ones.
func (m *Messenger) upload(ctx context.Context, conn *transport.Conn, otks []keys.OneTimePreKey, kems []keys.KEMPreKey, replace bool) error {
	p := preKeyStore{ctx, m.st}
	spk, err := p.SignedPreKey(signedPreKeyID)
	if err != nil {
		return err
	}
	lastResort, err := p.KEMPreKey(lastResortKEMID)
	if err != nil {
		return err
	}
	u := transport.NewUploadPreKeys(m.local.RegistrationID, &spk, &lastResort, otks, kems)
	u.ReplaceOneTime = replace
	return conn.UploadPreKeys(ctx, u)
}

// usedPreKeys lists the one-time prekeys a session start consumed, for
// deletion in the same transaction as the message. The last-resort KEM
// key stays: it is what the home hands out once the one-time keys are gone.
func usedPreKeys(d *session.Decrypted) []store.PreKeyRef {
	var refs []store.PreKeyRef
	if d.UsedOneTimePreKey {
		refs = append(refs, store.PreKeyRef{Kind: store.KindOneTimePreKey, ID: d.OneTimePreKeyID})
	}
	if d.UsedKEMPreKey && d.KEMPreKeyID != lastResortKEMID {
		refs = append(refs, store.PreKeyRef{Kind: store.KindKEMPreKey, ID: d.KEMPreKeyID})
	}
	return refs
}
