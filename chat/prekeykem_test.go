package chat

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/store"
)

// oldKEMRecord encodes k as ratchat stored KEM prekeys before it spoke
// Kyber-1024: record version 1, id, last-resort flag, seed, signature, with
// no KEM type (ML-KEM-1024 implied).
func oldKEMRecord(k *keys.KEMPreKey) []byte {
	b := binary.BigEndian.AppendUint32([]byte{1}, k.ID)
	flag := byte(0)
	if k.LastResort {
		flag = 1
	}
	b = append(b, flag)
	b = append(b, k.Pair.Seed[:]...)
	return append(b, k.Signature[:]...)
}

// TestOldMLKEMLastResortKeepsWorking: a profile whose last-resort KEM
// prekey was stored as ML-KEM-1024 before the change publishes it, starts
// sessions with it, and rotates it to a Kyber-1024 key after a week; the
// old key keeps working through the grace period. New one-time KEM
// prekeys are Kyber-1024 from the start.
func TestOldMLKEMLastResortKeepsWorking(t *testing.T) {
	o := newPreKeyOwner(t)
	ctx := context.Background()
	o.sync()
	if b := o.bundle(); b.KEMPreKey == nil || b.KEMPreKey.Type != keys.TypeKyber1024 {
		t.Fatalf("a new profile hands out a KEM prekey of type %v, want Kyber-1024", b.KEMPreKey.Type)
	}
	id, err := o.m.longLivedID(ctx, settingLastResortID)
	if err != nil {
		t.Fatal(err)
	}
	old, err := keys.NewKEMPreKeyOfType(rand.Reader, keys.TypeMLKEM1024, o.m.identity.Private, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.st.PutPreKey(ctx, store.PreKeyRef{Kind: store.KindKEMPreKey, ID: id}, oldKEMRecord(&old)); err != nil {
		t.Fatal(err)
	}
	// Hand the home nothing but the long-lived keys, so that its bundles
	// carry the old last-resort key.
	o.m.preKeyMu.Lock()
	err = o.m.upload(ctx, o.owner, nil, nil, true)
	o.m.preKeyMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	b := o.bundle()
	if b.KEMPreKeyID != id || b.KEMPreKey.Type != keys.TypeMLKEM1024 || b.KEMPreKey.Key != old.Pair.Public.Key {
		t.Fatalf("the home hands out KEM prekey %d of type %v, want the old ML-KEM last resort %d", b.KEMPreKeyID, b.KEMPreKey.Type, id)
	}
	if err := o.firstMessage(b); err != nil {
		t.Fatalf("a session with the old ML-KEM last-resort key: %v", err)
	}

	o.clock.Advance(PreKeyRotateEvery + time.Minute)
	o.sync()
	next, err := o.m.longLivedID(ctx, settingLastResortID)
	if err != nil || next == id {
		t.Fatalf("last-resort KEM prekey %d after a week, was %d: %v", next, id, err)
	}
	k, err := preKeyStore{ctx, o.st}.KEMPreKey(next)
	if err != nil || k.Pair.Public.Type != keys.TypeKyber1024 || !k.LastResort {
		t.Fatalf("rotated last-resort key: type %v, last resort %v, %v", k.Pair.Public.Type, k.LastResort, err)
	}
	if nb := o.bundle(); nb.KEMPreKey.Type != keys.TypeKyber1024 {
		t.Fatalf("after the refill the home hands out a %v key", nb.KEMPreKey.Type)
	}
	if err := o.firstMessage(b); err != nil {
		t.Fatalf("the old ML-KEM key within the grace period: %v", err)
	}
}
