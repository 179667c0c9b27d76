package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"ratchat/internal/testclock"
	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// preKeyOwner is a profile on a fake clock with an owner connection to its
// home (to sync by hand) and an anonymous one (to fetch bundles).
type preKeyOwner struct {
	*profile
	clock       *testclock.Clock
	owner, anon *transport.Conn
}

func newPreKeyOwner(t *testing.T) *preKeyOwner {
	t.Helper()
	clock := testclock.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	p := newProfileWith(t, "bob", "", func(c *Config) { c.Now = clock.Now })
	ctx := context.Background()
	owner, err := transport.Dial(ctx, p.m.Home(), &p.m.identity, transport.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	anon, err := transport.DialAnonymous(ctx, p.m.Home(), transport.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { anon.Close() })
	return &preKeyOwner{profile: p, clock: clock, owner: owner, anon: anon}
}

func (o *preKeyOwner) sync() {
	o.t.Helper()
	if err := o.m.syncPreKeys(context.Background(), o.owner); err != nil {
		o.t.Fatal(err)
	}
}

func (o *preKeyOwner) bundle() *keys.Bundle {
	o.t.Helper()
	r, err := o.anon.FetchBundle(context.Background(), o.m.Identity())
	if err != nil {
		o.t.Fatal(err)
	}
	return &r.Bundle
}

func (o *preKeyOwner) has(kind store.PreKeyKind, id uint32) bool {
	o.t.Helper()
	_, err := o.st.PreKey(context.Background(), store.PreKeyRef{Kind: kind, ID: id})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		o.t.Fatal(err)
	}
	return err == nil
}

// firstMessage is what a stranger who fetched bundle sends first, decrypted
// by the owner against its stored prekeys (nothing is committed).
func (o *preKeyOwner) firstMessage(bundle *keys.Bundle) error {
	o.t.Helper()
	id, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		o.t.Fatal(err)
	}
	s, err := session.Initiate(rand.Reader, session.Local{Identity: id, RegistrationID: 7}, bundle)
	if err != nil {
		o.t.Fatal(err)
	}
	typ, msg, err := s.Encrypt(rand.Reader, []byte("late"))
	if err != nil {
		o.t.Fatal(err)
	}
	var in session.Session
	_, err = in.Decrypt(rand.Reader, o.m.local, preKeyStore{context.Background(), o.st}, typ, msg)
	return err
}

// TestPreKeyRotation: after a week the home hands out a new signed prekey
// and a new last-resort KEM prekey; a session started with a bundle from
// before still works during the grace period, and fails with
// ErrUnknownPreKey once the old keys are deleted after it.
func TestPreKeyRotation(t *testing.T) {
	o := newPreKeyOwner(t)
	o.sync()
	old := o.bundle()
	oldLastResort, err := o.m.longLivedID(context.Background(), settingLastResortID)
	if err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(PreKeyRotateEvery - time.Minute)
	o.sync()
	if b := o.bundle(); b.SignedPreKeyID != old.SignedPreKeyID {
		t.Fatalf("rotated before a week: signed prekey %d, then %d", old.SignedPreKeyID, b.SignedPreKeyID)
	}
	o.clock.Advance(2 * time.Minute)
	o.sync()
	b := o.bundle()
	if b.SignedPreKeyID == old.SignedPreKeyID || b.SignedPreKey.Equal(old.SignedPreKey) {
		t.Fatalf("after a week the home still hands out signed prekey %d", b.SignedPreKeyID)
	}
	lastResort, err := o.m.longLivedID(context.Background(), settingLastResortID)
	if err != nil || lastResort == oldLastResort {
		t.Fatalf("last-resort KEM prekey %d, was %d: %v", lastResort, oldLastResort, err)
	}
	if err := o.firstMessage(b); err != nil {
		t.Fatalf("a session with the new bundle: %v", err)
	}
	o.clock.Advance(PreKeyGrace - time.Hour)
	o.sync()
	if err := o.firstMessage(old); err != nil {
		t.Fatalf("a session with the old bundle within the grace period: %v", err)
	}
	o.clock.Advance(2 * time.Hour)
	o.sync()
	if o.has(store.KindSignedPreKey, old.SignedPreKeyID) || o.has(store.KindKEMPreKey, oldLastResort) {
		t.Fatal("the rotated prekeys outlived their grace period")
	}
	if err := o.firstMessage(old); !errors.Is(err, session.ErrUnknownPreKey) {
		t.Fatalf("a session with a bundle past its grace period: %v, want ErrUnknownPreKey", err)
	}
}

// TestHandedOutPreKeysDeleted: one-time prekeys the home handed out and no
// session used are deleted after the grace period; those the home still
// holds stay.
func TestHandedOutPreKeysDeleted(t *testing.T) {
	o := newPreKeyOwner(t)
	o.sync()
	var handed []*keys.Bundle
	for range 10 {
		handed = append(handed, o.bundle())
	}
	o.sync()
	last := handed[len(handed)-1]
	if !o.has(store.KindOneTimePreKey, last.OneTimePreKeyID) || !o.has(store.KindKEMPreKey, last.KEMPreKeyID) {
		t.Fatal("a handed-out prekey was deleted before its grace period")
	}
	o.clock.Advance(PreKeyGrace + time.Minute)
	o.sync()
	for _, b := range handed {
		if o.has(store.KindOneTimePreKey, b.OneTimePreKeyID) || o.has(store.KindKEMPreKey, b.KEMPreKeyID) {
			t.Fatalf("handed-out prekeys %d/%d kept past the grace period", b.OneTimePreKeyID, b.KEMPreKeyID)
		}
	}
	next := o.bundle() // what the home held all along is still usable
	if err := o.firstMessage(next); err != nil {
		t.Fatalf("a prekey the home still held: %v", err)
	}
}

// TestPreKeyStockCapped: the home is emptied and refilled again and again;
// the profile never stores more than MaxStoredPreKeys one-time prekeys of
// a kind, and the home is still refilled.
func TestPreKeyStockCapped(t *testing.T) {
	o := newPreKeyOwner(t)
	ctx := context.Background()
	o.sync()
	for round := range 8 {
		// Empty the home's one-time stock, as a flood of bundle requests
		// would, without the relay's rate limits getting in the way.
		o.m.preKeyMu.Lock()
		err := o.m.upload(ctx, o.owner, nil, nil, true)
		o.m.preKeyMu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		o.clock.Advance(time.Hour)
		o.sync()
		counts, err := o.owner.PreKeyCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts.OneTime < replenishBelow || counts.KEM < replenishBelow {
			t.Fatalf("round %d: the home was not refilled: %+v", round, counts)
		}
		for _, kind := range []store.PreKeyKind{store.KindOneTimePreKey, store.KindKEMPreKey} {
			infos, err := o.m.oneTimeInfos(ctx, kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(infos) > MaxStoredPreKeys {
				t.Fatalf("round %d: %d one-time prekeys of kind %d stored, cap %d", round, len(infos), kind, MaxStoredPreKeys)
			}
		}
	}
}
