package chat

import (
	"context"
	"fmt"
	"sort"
	"time"

	"ratchat/store"
	"ratchat/transport"
)

// The prekey lifecycle (docs/PROTOCOL.md, "Prekey lifecycle").
//
// Long-lived prekeys (the signed prekey, the last-resort KEM prekey) carry
// a creation time; once older than [PreKeyRotateEvery] a new one takes the
// next id, becomes current and is uploaded (an upload always replaces the
// home's signed and last-resort keys). The old one is retired: kept for
// [PreKeyGrace], then deleted.
//
// One-time prekeys carry no creation time (which is also how a KEM prekey
// is told apart from a last-resort one here). The home reports only how
// many of each kind it still holds, and hands them out lowest id first,
// while we always upload ids above every one we made before; so the home
// holds the newest n of our one-time prekeys that it has not handed out,
// and every older one has been handed out (or dropped by a replacing
// upload). Those are retired when a sync first sees them so, and deleted
// [PreKeyGrace] later if no session has used them by then.

// rotatePreKeys replaces the signed and the last-resort prekey when they
// are due, and reports whether either was.
func (m *Messenger) rotatePreKeys(ctx context.Context) (bool, error) {
	spk, err := m.rotate(ctx, store.KindSignedPreKey, settingSignedID, settingNextSignedID, m.newSignedPreKey)
	if err != nil {
		return false, err
	}
	kem, err := m.rotate(ctx, store.KindKEMPreKey, settingLastResortID, settingNextKEMID, m.newLastResort)
	return spk || kem, err
}

// rotate replaces one long-lived prekey if it is older than
// [PreKeyRotateEvery]. A key without a creation time (made by
// CreateProfile, or before schema 3) is dated now. The new key is stored
// before it becomes current, so a crash leaves the old one current.
func (m *Messenger) rotate(ctx context.Context, kind store.PreKeyKind, current, counter string,
	create func(context.Context, uint32) error) (bool, error) {
	id, err := m.longLivedID(ctx, current)
	if err != nil {
		return false, err
	}
	info, err := m.preKeyInfo(ctx, kind, id)
	if err != nil {
		return false, err
	}
	now := m.now()
	ref := store.PreKeyRef{Kind: kind, ID: id}
	if info.Created.IsZero() {
		return false, m.st.SetPreKeyTimes(ctx, ref, now, time.Time{})
	}
	if now.Sub(info.Created) < PreKeyRotateEvery {
		return false, nil
	}
	next, err := m.counter(ctx, counter, firstLongLivedID+1, 1)
	if err != nil {
		return false, err
	}
	if err := create(ctx, next); err != nil {
		return false, err
	}
	if err := m.st.SetPreKeyTimes(ctx, store.PreKeyRef{Kind: kind, ID: next}, now, time.Time{}); err != nil {
		return false, err
	}
	if err := m.st.SetSetting(ctx, current, fmt.Sprint(next)); err != nil {
		return false, err
	}
	m.log.Info("prekey rotated", "kind", kind, "old", id, "new", next)
	return true, m.st.SetPreKeyTimes(ctx, ref, info.Created, now)
}

// preKeyInfo returns the times of one prekey, or store.ErrNotFound.
func (m *Messenger) preKeyInfo(ctx context.Context, kind store.PreKeyKind, id uint32) (store.PreKeyInfo, error) {
	infos, err := m.st.PreKeyInfos(ctx, kind)
	if err != nil {
		return store.PreKeyInfo{}, err
	}
	for _, info := range infos {
		if info.ID == id {
			return info, nil
		}
	}
	return store.PreKeyInfo{}, fmt.Errorf("chat: prekey %d of kind %d: %w", id, kind, store.ErrNotFound)
}

// oneTimeInfos lists the one-time prekeys of a kind, ascending: for KEM
// prekeys, those without a creation time that are not the current
// last-resort key.
func (m *Messenger) oneTimeInfos(ctx context.Context, kind store.PreKeyKind) ([]store.PreKeyInfo, error) {
	infos, err := m.st.PreKeyInfos(ctx, kind)
	if err != nil || kind != store.KindKEMPreKey {
		return infos, err
	}
	lastResort, err := m.longLivedID(ctx, settingLastResortID)
	if err != nil {
		return nil, err
	}
	out := infos[:0]
	for _, info := range infos {
		if info.ID != lastResort && info.Created.IsZero() {
			out = append(out, info)
		}
	}
	return out, nil
}

// live returns the prekeys not yet retired, in the order given.
func live(infos []store.PreKeyInfo) []store.PreKeyInfo {
	var out []store.PreKeyInfo
	for _, info := range infos {
		if info.Retired.IsZero() {
			out = append(out, info)
		}
	}
	return out
}

// newestLive returns the newest n prekeys not yet retired, ascending.
func newestLive(infos []store.PreKeyInfo, n int) []store.PreKeyInfo {
	l := live(infos)
	return l[len(l)-min(n, len(l)):]
}

// markHandedOut retires the one-time prekeys of each kind that the home
// no longer holds: all live ones but the newest as many as it reports.
func (m *Messenger) markHandedOut(ctx context.Context, counts transport.PreKeyCounts) error {
	for _, k := range []struct {
		kind   store.PreKeyKind
		atHome uint32
	}{{store.KindOneTimePreKey, counts.OneTime}, {store.KindKEMPreKey, counts.KEM}} {
		infos, err := m.oneTimeInfos(ctx, k.kind)
		if err != nil {
			return err
		}
		l := live(infos)
		gone := l[:len(l)-min(int(k.atHome), len(l))]
		for _, info := range gone {
			if err := m.st.SetPreKeyTimes(ctx, store.PreKeyRef{Kind: k.kind, ID: info.ID}, time.Time{}, m.now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// expirePreKeys deletes, in one transaction, every prekey retired more
// than [PreKeyGrace] ago. A long-lived prekey that is not current but was
// never retired (a crash in the middle of a rotation) is retired now.
func (m *Messenger) expirePreKeys(ctx context.Context) error {
	now := m.now()
	var doomed []store.PreKeyRef
	for _, k := range []struct {
		kind    store.PreKeyKind
		current string
	}{{store.KindSignedPreKey, settingSignedID}, {store.KindKEMPreKey, settingLastResortID},
		{store.KindOneTimePreKey, ""}} {
		infos, err := m.st.PreKeyInfos(ctx, k.kind)
		if err != nil {
			return err
		}
		cur := uint32(0)
		if k.current != "" {
			if cur, err = m.longLivedID(ctx, k.current); err != nil {
				return err
			}
		}
		for _, info := range infos {
			ref := store.PreKeyRef{Kind: k.kind, ID: info.ID}
			longLived := k.kind == store.KindSignedPreKey || !info.Created.IsZero()
			switch {
			case info.ID == cur && k.current != "":
			case !info.Retired.IsZero() && now.Sub(info.Retired) >= PreKeyGrace:
				doomed = append(doomed, ref)
			case longLived && info.Retired.IsZero():
				if err := m.st.SetPreKeyTimes(ctx, ref, info.Created, now); err != nil {
					return err
				}
			}
		}
	}
	if len(doomed) > 0 {
		m.log.Info("prekeys past their grace period deleted", "count", len(doomed))
	}
	return m.st.DeletePreKeys(ctx, doomed)
}

// refillRoom returns how many one-time prekeys of each kind (of the
// wanted numbers) the next batch may make without the store holding more than [MaxStoredPreKeys]
// of a kind. When the store is full, the prekeys handed out longest ago
// make room early (never those the home still holds): a session that
// later names one fails and is restarted through a decryption error, as
// after the grace period.
func (m *Messenger) refillRoom(ctx context.Context, wantOne, wantKEM int) (nOne, nKEM int, err error) {
	if nOne, err = m.room(ctx, store.KindOneTimePreKey, wantOne); err != nil {
		return 0, 0, err
	}
	nKEM, err = m.room(ctx, store.KindKEMPreKey, wantKEM)
	return nOne, nKEM, err
}

// room makes room for up to want new prekeys of a kind and says how many.
func (m *Messenger) room(ctx context.Context, kind store.PreKeyKind, want int) (int, error) {
	infos, err := m.oneTimeInfos(ctx, kind)
	if err != nil {
		return 0, err
	}
	free := MaxStoredPreKeys - len(infos)
	if want == 0 || free >= want {
		return want, nil
	}
	var retired []store.PreKeyInfo
	for _, info := range infos {
		if !info.Retired.IsZero() {
			retired = append(retired, info)
		}
	}
	sort.SliceStable(retired, func(i, j int) bool { return retired[i].Retired.Before(retired[j].Retired) })
	var evict []store.PreKeyRef
	for _, info := range retired[:min(len(retired), want-max(free, 0))] {
		evict = append(evict, store.PreKeyRef{Kind: kind, ID: info.ID})
	}
	if err := m.st.DeletePreKeys(ctx, evict); err != nil {
		return 0, err
	}
	if len(evict) > 0 {
		m.log.Info("handed-out prekeys deleted early: the store is full", "count", len(evict))
	}
	return max(min(want, free+len(evict)), 0), nil
}
