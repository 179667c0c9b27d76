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

// Prekey bookkeeping. A profile keeps a current signed prekey and a
// current last-resort KEM prekey (rotated, see prekeylife.go), and batches
// of one-time X25519 and KEM prekeys that its home hands out, one of each
// per session someone starts with us.
const (
	// firstLongLivedID is the id of a new profile's signed prekey and of
	// its last-resort KEM prekey; rotation numbers on from counters.
	firstLongLivedID = 1
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
	// settingNextSignedID numbers rotated signed prekeys; last-resort KEM
	// prekeys take their ids from settingNextKEMID, as one-time KEM
	// prekeys do, so that no two KEM prekeys ever share an id.
	settingNextSignedID = "next_signed_prekey_id"
	// settingSignedID and settingLastResortID name the current long-lived
	// prekeys (absent: firstLongLivedID).
	settingSignedID     = "signed_prekey_id"
	settingLastResortID = "last_resort_kem_prekey_id"
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
	id, err := m.longLivedID(ctx, settingSignedID)
	if err != nil {
		return err
	}
	_, err = m.st.PreKey(ctx, store.PreKeyRef{Kind: store.KindSignedPreKey, ID: id})
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := m.createPreKeys(ctx); err != nil {
		return err
	}
	return m.st.DeleteSetting(ctx, settingUploadedTo)
}

// createPreKeys makes the signed prekey and the last-resort KEM prekey of a
// new profile, under the current ids. Their age counts from the first
// [Messenger.rotatePreKeys], which has a clock.
func (m *Messenger) createPreKeys(ctx context.Context) error {
	spkID, err := m.longLivedID(ctx, settingSignedID)
	if err != nil {
		return err
	}
	kemID, err := m.longLivedID(ctx, settingLastResortID)
	if err != nil {
		return err
	}
	if err := m.newSignedPreKey(ctx, spkID); err != nil {
		return err
	}
	return m.newLastResort(ctx, kemID)
}

// newSignedPreKey makes and stores a signed prekey.
func (m *Messenger) newSignedPreKey(ctx context.Context, id uint32) error {
	spk, err := keys.NewSignedPreKey(m.rand, m.identity.Private, id)
	if err != nil {
		return err
	}
	return m.putPreKey(ctx, store.KindSignedPreKey, spk.ID, &spk)
}

// newLastResort makes and stores a last-resort KEM prekey.
func (m *Messenger) newLastResort(ctx context.Context, id uint32) error {
	kem, err := keys.NewKEMPreKey(m.rand, m.identity.Private, id, true)
	if err != nil {
		return err
	}
	return m.putPreKey(ctx, store.KindKEMPreKey, kem.ID, &kem)
}

// longLivedID reads the id of the current signed or last-resort prekey.
func (m *Messenger) longLivedID(ctx context.Context, name string) (uint32, error) {
	v, err := m.st.Setting(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return firstLongLivedID, nil
	}
	if err != nil {
		return 0, err
	}
	u, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("chat: setting %s: %w", name, err)
	}
	return uint32(u), nil
}

// newOneTimeBatch makes and stores up to nOne one-time prekeys and nKEM
// one-time KEM prekeys, numbering on from the stored counters.
func (m *Messenger) newOneTimeBatch(ctx context.Context, nOne, nKEM int) ([]keys.OneTimePreKey, []keys.KEMPreKey, error) {
	var otks []keys.OneTimePreKey
	if nOne > 0 {
		first, err := m.counter(ctx, settingNextOneTimeID, 1, uint32(nOne))
		if err != nil {
			return nil, nil, err
		}
		if otks, err = keys.NewOneTimePreKeys(m.rand, first, nOne); err != nil {
			return nil, nil, err
		}
		for i := range otks {
			if err := m.putPreKey(ctx, store.KindOneTimePreKey, otks[i].ID, &otks[i]); err != nil {
				return nil, nil, err
			}
		}
	}
	if nKEM <= 0 {
		return otks, nil, nil
	}
	// KEM ids start above the first last-resort key's.
	firstKEM, err := m.counter(ctx, settingNextKEMID, firstLongLivedID+1, uint32(nKEM))
	if err != nil {
		return nil, nil, err
	}
	kems := make([]keys.KEMPreKey, nKEM)
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

// syncPreKeys keeps the home supplied and our prekeys in their lifecycle
// (prekeylife.go): it rotates the long-lived prekeys when due, gives
// everything to a home that has never had our prekeys, marks the one-time
// prekeys the home has handed out, deletes what outlived its grace period,
// and uploads a batch (within the local cap) when the home runs low.
func (m *Messenger) syncPreKeys(ctx context.Context, conn *transport.Conn) error {
	m.preKeyMu.Lock()
	defer m.preKeyMu.Unlock()
	rotated, err := m.rotatePreKeys(ctx)
	if err != nil {
		return err
	}
	home := conn.Home().String()
	if uploaded, _ := m.st.Setting(ctx, settingUploadedTo); uploaded != home {
		if err := m.uploadAll(ctx, conn); err != nil {
			return err
		}
		return m.expirePreKeys(ctx)
	}
	counts, err := conn.PreKeyCounts(ctx)
	if err != nil {
		return err
	}
	if err := m.markHandedOut(ctx, counts); err != nil {
		return err
	}
	if err := m.expirePreKeys(ctx); err != nil {
		return err
	}
	if counts.OneTime >= replenishBelow && counts.KEM >= replenishBelow {
		if rotated { // the upload replaces the home's signed and last-resort keys
			return m.upload(ctx, conn, nil, nil, false)
		}
		return nil
	}
	// Only the kind that runs low is refilled: the home holds at most
	// 200 of each, and a batch on top of a full stock would pass that.
	var wantOne, wantKEM int
	if counts.OneTime < replenishBelow {
		wantOne = oneTimeBatch
	}
	if counts.KEM < replenishBelow {
		wantKEM = kemBatch
	}
	nOne, nKEM, err := m.refillRoom(ctx, wantOne, wantKEM)
	if err != nil {
		return err
	}
	otks, kems, err := m.newOneTimeBatch(ctx, nOne, nKEM)
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
		nOne, nKEM, err := m.refillRoom(ctx, oneTimeBatch, kemBatch)
		if err != nil {
			return err
		}
		if otks, kems, err = m.newOneTimeBatch(ctx, nOne, nKEM); err != nil {
			return err
		}
	}
	if err := m.upload(ctx, conn, otks, kems, true); err != nil {
		return err
	}
	return m.st.SetSetting(ctx, settingUploadedTo, conn.Home().String())
}

// storedOneTime loads our one-time prekeys that no home has handed out,
// the newest, at most one upload's worth of each kind.
func (m *Messenger) storedOneTime(ctx context.Context) ([]keys.OneTimePreKey, []keys.KEMPreKey, error) {
	p := preKeyStore{ctx, m.st}
	infos, err := m.oneTimeInfos(ctx, store.KindOneTimePreKey)
	if err != nil {
		return nil, nil, err
	}
	var otks []keys.OneTimePreKey
	for _, info := range newestLive(infos, transport.MaxOneTimePreKeysPerUpload) {
		k, err := p.OneTimePreKey(info.ID)
		if err != nil {
			return nil, nil, err
		}
		otks = append(otks, k)
	}
	if infos, err = m.oneTimeInfos(ctx, store.KindKEMPreKey); err != nil {
		return nil, nil, err
	}
	var kems []keys.KEMPreKey
	for _, info := range newestLive(infos, transport.MaxKEMPreKeysPerUpload) {
		k, err := p.KEMPreKey(info.ID)
		if err != nil {
			return nil, nil, err
		}
		kems = append(kems, k)
	}
	return otks, kems, nil
}

// upload sends the current signed and last-resort prekeys with the given
// one-time ones.
func (m *Messenger) upload(ctx context.Context, conn *transport.Conn, otks []keys.OneTimePreKey, kems []keys.KEMPreKey, replace bool) error {
	p := preKeyStore{ctx, m.st}
	spkID, err := m.longLivedID(ctx, settingSignedID)
	if err != nil {
		return err
	}
	spk, err := p.SignedPreKey(spkID)
	if err != nil {
		return err
	}
	kemID, err := m.longLivedID(ctx, settingLastResortID)
	if err != nil {
		return err
	}
	lastResort, err := p.KEMPreKey(kemID)
	if err != nil {
		return err
	}
	u := transport.NewUploadPreKeys(m.local.RegistrationID, &spk, &lastResort, otks, kems)
	u.ReplaceOneTime = replace
	return conn.UploadPreKeys(ctx, u)
}

// usedPreKeys lists the one-time prekeys a session start consumed, for
// deletion in the same transaction as the message. A last-resort KEM key
// stays (its record says it is one): the current one is what the home
// hands out once the one-time keys are gone, and a rotated one serves
// late messages until its grace period ends.
func (m *Messenger) usedPreKeys(ctx context.Context, d *session.Decrypted) ([]store.PreKeyRef, error) {
	var refs []store.PreKeyRef
	if d.UsedOneTimePreKey {
		refs = append(refs, store.PreKeyRef{Kind: store.KindOneTimePreKey, ID: d.OneTimePreKeyID})
	}
	if d.UsedKEMPreKey {
		k, err := preKeyStore{ctx, m.st}.KEMPreKey(d.KEMPreKeyID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil && !k.LastResort { // a missing one has nothing to delete
			refs = append(refs, store.PreKeyRef{Kind: store.KindKEMPreKey, ID: d.KEMPreKeyID})
		}
	}
	return refs, nil
}
