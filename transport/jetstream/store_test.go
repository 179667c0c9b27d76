package jetstream

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// TestDepositPendingAck is the round trip: deposits come back from
// Pending in id order with their times, Ack deletes them (counting only
// the owner's own), and Usage follows.
func TestDepositPendingAck(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	alice, tokA, _ := ownerWithToken(t, s)
	bob, tokB, _ := ownerWithToken(t, s)
	var ids []uint64
	for i := range 3 {
		id, err := depositWait(s, alice, tokA, []byte{byte(i)}, t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > 0 && id <= ids[len(ids)-1] {
			t.Fatalf("id %d after %d", id, ids[len(ids)-1])
		}
		ids = append(ids, id)
	}
	bobID := mustDeposit(t, s, bob, tokB, []byte("b"))
	envs := pending(t, s, alice)
	if len(envs) != 3 {
		t.Fatalf("pending %d", len(envs))
	}
	for i, e := range envs {
		if e.ID != ids[i] || !bytes.Equal(e.Body, []byte{byte(i)}) || !e.Received.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Errorf("envelope %d: %+v", i, e)
		}
	}
	if got, _ := s.Pending(t.Context(), alice, ids[0], time.Time{}, 1); len(got) != 1 || got[0].ID != ids[1] {
		t.Errorf("pending after the first, limit 1: %+v", got)
	}
	if got, _ := s.Pending(t.Context(), alice, 0, t0.Add(2*time.Second), 10); len(got) != 1 || got[0].ID != ids[2] {
		t.Errorf("pending not before t0+2s: %+v", got)
	}
	if n, size, err := s.Usage(t.Context(), alice); n != 3 || size != 3 || err != nil {
		t.Errorf("usage %d %d %v", n, size, err)
	}
	n, err := s.Ack(alice, []uint64{ids[0], ids[1], bobID, 999999})
	if err != nil || n != 2 {
		t.Fatalf("ack: %d %v", n, err)
	}
	if envs := pending(t, s, alice); len(envs) != 1 || envs[0].ID != ids[2] {
		t.Fatalf("after ack: %+v", envs)
	}
	if envs := pending(t, s, bob); len(envs) != 1 {
		t.Fatalf("bob's after alice's ack: %+v", envs)
	}
	if n, _ := s.Ack(alice, ids[:1]); n != 0 {
		t.Errorf("acked twice: %d", n)
	}
}

// TestDepositRefused checks the errors of deposits the store refuses,
// which match the SQLite store's, and that nothing refused is stored.
func TestDepositRefused(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	owner, contact, request := ownerWithToken(t, s)
	var unknown mailbox.TokenHash
	unknown[0] = 1
	stranger := newOwner(t)
	for _, c := range []struct {
		name  string
		owner keys.PublicKey
		token mailbox.TokenHash
		want  error
	}{
		{"unknown mailbox", stranger, contact, mailbox.ErrUnknownMailbox},
		{"unknown token", owner, unknown, mailbox.ErrUnknownToken},
		{"request 1", owner, request, nil},
		{"request 2", owner, request, nil},
		{"request quota", owner, request, mailbox.ErrRequestQuota}, // 2 requests
		{"contact 1", owner, contact, nil},
		{"contact 2", owner, contact, nil},
		{"contact 3", owner, contact, nil},
		{"mailbox quota", owner, contact, mailbox.ErrQuota}, // 5 in all
	} {
		_, err := depositWait(s, c.owner, c.token, []byte(c.name), t0)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if n, _, _ := s.Usage(t.Context(), owner); n != 5 {
		t.Errorf("stored %d, want 5", n)
	}
	envs := pending(t, s, owner)
	if len(envs) != 5 {
		t.Fatalf("pending %d", len(envs))
	}
	// An ack makes room again; the contact token's own quota is then
	// the limit (4).
	if _, err := s.Ack(owner, []uint64{envs[0].ID}); err != nil {
		t.Fatal(err)
	}
	mustDeposit(t, s, owner, contact, []byte("contact 4"))
	if _, err := depositWait(s, owner, contact, []byte("contact 5"), t0); !errors.Is(err, mailbox.ErrTokenQuota) {
		t.Errorf("contact 5: %v", err)
	}
	// A revoked token is unknown from then on.
	if err := s.RevokeTokens(owner, []mailbox.TokenHash{request}); err != nil {
		t.Fatal(err)
	}
	if _, err := depositWait(s, owner, request, []byte("late"), t0); !errors.Is(err, mailbox.ErrUnknownToken) {
		t.Errorf("revoked: %v", err)
	}
}

// TestStreamLimitsDiscardNew checks a full mailbox across a change of
// holder: the new holder's index, built from the segments, counts what
// the mailbox holds, so it still refuses and keeps what it has.
func TestStreamLimitsDiscardNew(t *testing.T) {
	srv := runServer(t)
	lim := testLimits
	lim.MaxContactEnvelopes = 100
	s := openStore(t, srv, "a", lim)
	owner, contact, _ := ownerWithToken(t, s)
	for i := range 5 {
		mustDeposit(t, s, owner, contact, []byte{byte(i)})
	}
	if _, err := depositWait(s, owner, contact, []byte("6"), t0); !errors.Is(err, mailbox.ErrQuota) {
		t.Fatalf("sixth: %v", err)
	}
	s.Close()
	s2 := openStore(t, srv, "b", lim)
	if _, err := depositWait(s2, owner, contact, []byte("7"), t0); !errors.Is(err, mailbox.ErrQuota) {
		t.Fatalf("after a new holder: %v", err)
	}
	if envs := pending(t, s2, owner); len(envs) != 5 || envs[0].Body[0] != 0 {
		t.Fatalf("kept %d", len(envs))
	}
}

// TestDedup checks that a deposit sent again (by a client, or by a front
// end asking a new holder) is stored once, under the first id, and that
// other bytes are another deposit.
func TestDedup(t *testing.T) {
	srv := runServer(t)
	lim := testLimits
	lim.MaxEnvelopes = 10
	a, b := openStore(t, srv, "a", lim), openStore(t, srv, "b", lim)
	waitHeld(t, 4, a, b)
	for _, c := range []struct {
		name string
		from *Store // b holds the partition
	}{{"at the holder", b}, {"through another front end", a}} {
		t.Run(c.name, func(t *testing.T) {
			owner, tok := ownerOn(t, b)
			req := &request{op: opDeposit, owner: owner, token: tok, dedup: newDepositID(owner, []byte("retried")), now: t0, body: []byte("retried")}
			var ids []uint64
			for range 2 {
				r, err := c.from.call(partition(owner, a.cfg.Partitions), req)
				if err != nil || r.err != nil {
					t.Fatal(err, r.err)
				}
				ids = append(ids, r.a)
			}
			x := mustDeposit(t, c.from, owner, tok, []byte("same"))
			y := mustDeposit(t, c.from, owner, tok, []byte("same"))
			z := mustDeposit(t, c.from, owner, tok, []byte("other"))
			if ids[0] != ids[1] || x != y || z == x || x == ids[0] {
				t.Fatalf("retried: ids %v; same bytes twice: %d %d; other %d", ids, x, y, z)
			}
			if n, _, _ := c.from.Usage(t.Context(), owner); n != 3 {
				t.Fatalf("stored %d, want 3", n)
			}
		})
	}
}

// TestTokens checks the token limit and that adding again changes kind.
func TestTokens(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	owner, contact, request := ownerWithToken(t, s)
	var third, fourth mailbox.TokenHash
	third[0], fourth[0] = 3, 4
	if err := s.AddTokens(owner, []mailbox.Token{{Hash: third, Kind: mailbox.TokenContact}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTokens(owner, []mailbox.Token{{Hash: fourth, Kind: mailbox.TokenContact}}); !errors.Is(err, mailbox.ErrQuota) {
		t.Fatalf("fourth token: %v", err)
	}
	if err := s.AddTokens(owner, []mailbox.Token{{Hash: contact, Kind: mailbox.TokenRequest}}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 { // both request tokens now share the quota of 2
		tok := []mailbox.TokenHash{contact, request}[i%2]
		_, err := depositWait(s, owner, tok, []byte{byte(i)}, t0)
		if i < 2 && err != nil || i >= 2 && !errors.Is(err, mailbox.ErrRequestQuota) {
			t.Errorf("deposit %d: %v", i, err)
		}
	}
	if err := s.AddTokens(newOwner(t), []mailbox.Token{{Hash: third, Kind: mailbox.TokenContact}}); !errors.Is(err, mailbox.ErrUnknownMailbox) {
		t.Errorf("tokens of an unknown owner: %v", err)
	}
	if err := s.AddTokens(owner, []mailbox.Token{{Hash: fourth, Kind: 9}}); err == nil {
		t.Error("token of kind 9 accepted")
	}
}

// TestPreKeys checks upload, take, peek and counts, and the quota.
func TestPreKeys(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	owner, _, _ := ownerWithToken(t, s)
	if _, err := s.TakePreKeys(owner); !errors.Is(err, mailbox.ErrNoPreKeys) {
		t.Fatalf("take before upload: %v", err)
	}
	if _, err := s.TakePreKeys(newOwner(t)); !errors.Is(err, mailbox.ErrUnknownMailbox) {
		t.Fatalf("take of a stranger: %v", err)
	}
	up := mailbox.PreKeyUpload{Signed: []byte("spk"), LastResort: []byte("lr"),
		OneTime: []mailbox.PreKey{{ID: 7, Record: []byte("o7")}, {ID: 2, Record: []byte("o2")}},
		KEM:     []mailbox.PreKey{{ID: 5, Record: []byte("k5")}}}
	if err := s.PutPreKeys(owner, up); err != nil {
		t.Fatal(err)
	}
	if ot, kem, err := s.PreKeyCounts(t.Context(), owner); ot != 2 || kem != 1 || err != nil {
		t.Fatalf("counts %d %d %v", ot, kem, err)
	}
	h, err := s.PeekPreKeys(t.Context(), owner)
	if err != nil || h.OneTime != nil || h.OneTimeLeft != 2 || string(h.Signed) != "spk" {
		t.Fatalf("peek: %+v %v", h, err)
	}
	for i, want := range []struct {
		ot, kem   string
		otL, kemL int
	}{{"o2", "k5", 1, 0}, {"o7", "", 0, 0}, {"", "", 0, 0}} {
		h, err := s.TakePreKeys(owner)
		if err != nil {
			t.Fatal(err)
		}
		got := struct {
			ot, kem   string
			otL, kemL int
		}{otL: h.OneTimeLeft, kemL: h.KEMLeft}
		if h.OneTime != nil {
			got.ot = string(h.OneTime.Record)
		}
		if h.KEM != nil {
			got.kem = string(h.KEM.Record)
		}
		if got != want || string(h.LastResort) != "lr" {
			t.Errorf("take %d: %+v, want %+v", i, got, want)
		}
	}
	up.OneTime = []mailbox.PreKey{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}}
	if err := s.PutPreKeys(owner, up); !errors.Is(err, mailbox.ErrQuota) {
		t.Fatalf("over the quota: %v", err)
	}
	if ot, _, _ := s.PreKeyCounts(t.Context(), owner); ot != 0 {
		t.Fatalf("a refused upload stored %d", ot)
	}
}

// TestExpire checks that Expire deletes the envelopes received before the
// cutoff, and ExpireMailboxes the mailboxes not seen since, except those
// kept.
func TestExpire(t *testing.T) {
	srv := runServer(t)
	s := openStore(t, srv, "a", testLimits)
	old, tokOld, _ := ownerWithToken(t, s)
	kept, _, _ := ownerWithToken(t, s)
	mustDeposit(t, s, old, tokOld, []byte("old"))
	if _, err := depositWait(s, old, tokOld, []byte("new"), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitAllHeld(t, s)
	n, size, err := s.Expire(t0.Add(time.Minute))
	if err != nil || n != 1 || size != 3 {
		t.Fatalf("expire: %d %d %v", n, size, err)
	}
	if envs := pending(t, s, old); len(envs) != 1 || string(envs[0].Body) != "new" {
		t.Fatalf("after expire: %+v", envs)
	}
	m, e, _, err := s.ExpireMailboxes(t0.Add(time.Minute), []keys.PublicKey{kept}, t0.Add(2*time.Hour))
	if err != nil || m != 1 || e != 1 {
		t.Fatalf("expire mailboxes: %d %d %v", m, e, err)
	}
	if ok, _ := s.Registered(t.Context(), old); ok {
		t.Error("old mailbox still there")
	}
	if ok, _ := s.Registered(t.Context(), kept); !ok {
		t.Error("kept mailbox gone")
	}
	if envs := pending(t, s, old); len(envs) != 0 {
		t.Errorf("envelopes of an expired mailbox: %d", len(envs))
	}
	if created, err := s.Register(old, t0); !created || err != nil {
		t.Errorf("register again: %v %v", created, err)
	}
}

// waitAllHeld waits until s serves every partition (a lone front end).
func waitAllHeld(t testing.TB, s *Store) {
	t.Helper()
	for {
		ch := s.lease.changes()
		if len(s.heldParts()) == s.cfg.Partitions {
			return
		}
		select {
		case <-ch:
		case <-t.Context().Done():
			t.Fatal("partitions not taken")
		}
	}
}
