package transport

import "testing"

// TestBundleConsumption: each bundle takes one one-time prekey and one
// one-time KEM prekey, then falls back to the last-resort KEM prekey.
func TestBundleConsumption(t *testing.T) {
	alice := testIdentity(t, 1)
	home := startHome(t, Config{Mode: RelayMode})
	owner := dialOwner(t, home, alice)
	anon := dialAnon(t, home)
	wantCode(t, fetchErr(anon.FetchBundle(ctxT(t), alice.Public)), CodeNoPreKeys)
	wantCode(t, fetchErr(anon.FetchBundle(ctxT(t), testIdentity(t, 9).Public)), CodeUnknownRecipient)
	up := testUpload(t, alice, 2, 1)
	if err := owner.UploadPreKeys(ctxT(t), up); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		otk, kem         uint32 // 0: none / last resort
		otkLeft, kemLeft uint32
	}{{1, 1, 1, 0}, {2, 0, 0, 0}, {0, 0, 0, 0}}
	for i, w := range want {
		r, err := anon.FetchBundle(ctxT(t), alice.Public)
		if err != nil {
			t.Fatal(err)
		}
		b := r.Bundle
		kem := b.KEMPreKeyID
		if kem == up.LastResort.ID {
			kem = 0
		}
		if b.OneTimePreKeyID != w.otk || kem != w.kem || r.OneTimeLeft != w.otkLeft || r.KEMLeft != w.kemLeft {
			t.Fatalf("bundle %d: otk %d kem %d left %d/%d", i, b.OneTimePreKeyID, b.KEMPreKeyID, r.OneTimeLeft, r.KEMLeft)
		}
		if (w.otk == 0) != (b.OneTimePreKey == nil) || b.RegistrationID != up.RegistrationID {
			t.Fatalf("bundle %d: one-time key presence", i)
		}
	}
	// Replenish, replacing what is left.
	up = testUpload(t, alice, 3, 0)
	up.ReplaceOneTime = true
	owner.UploadPreKeys(ctxT(t), up)
	if c, err := owner.PreKeyCounts(ctxT(t)); err != nil || c.OneTime != 3 || c.KEM != 0 {
		t.Fatalf("counts %+v %v", c, err)
	}
	if home.Stats().BundlesServed != 3 {
		t.Fatal("bundles not counted")
	}
}

func fetchErr(_ *BundleReply, err error) error { return err }

// TestUploadRefusals: bad signatures and too many prekeys.
func TestUploadRefusals(t *testing.T) {
	alice, mallory := testIdentity(t, 1), testIdentity(t, 3)
	home := startHome(t, Config{Mode: RelayMode, Limits: Limits{MaxPreKeys: 3}})
	owner := dialOwner(t, home, alice)
	wantCode(t, owner.UploadPreKeys(ctxT(t), testUpload(t, mallory, 1, 0)), CodeBadPreKeys)
	wantCode(t, owner.UploadPreKeys(ctxT(t), testUpload(t, alice, 4, 0)), CodeQuotaExceeded)
	if err := owner.UploadPreKeys(ctxT(t), testUpload(t, alice, 3, 0)); err != nil {
		t.Fatal(err)
	}
}
