package jetstream

import (
	"bytes"
	"fmt"
	"testing"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// waitHeld waits until each front end serves want partitions.
func waitHeld(t testing.TB, want int, stores ...*Store) {
	t.Helper()
	for _, s := range stores {
		for {
			ch := s.lease.changes()
			if len(s.heldParts()) == want {
				break
			}
			select {
			case <-ch:
			case <-t.Context().Done():
				t.Fatalf("front end %s holds %d partitions, want %d", s.cfg.Name, len(s.heldParts()), want)
			}
		}
	}
}

// ownerOn registers a new owner whose partition s holds.
func ownerOn(t testing.TB, s *Store) (keys.PublicKey, mailbox.TokenHash) {
	t.Helper()
	for {
		owner, contact, _ := ownerWithToken(t, s)
		if s.readyPart(partition(owner, s.cfg.Partitions)) != nil {
			return owner, contact
		}
	}
}

// collector gathers the envelopes offered to one subscription.
type collector chan mailbox.Envelope

func (c collector) offer(e mailbox.Envelope) { c <- e }

// expect waits for the envelopes offered, in order, skipping any older
// than the first (stored before the subscription, which may be offered).
func (c collector) expect(t testing.TB, ids []uint64, bodies [][]byte) {
	t.Helper()
	for i := 0; i < len(ids); i++ {
		id := ids[i]
		select {
		case e := <-c:
			if e.ID < ids[0] {
				i--
				continue
			}
			if e.ID != id || !bytes.Equal(e.Body, bodies[i]) {
				t.Fatalf("offer %d: id %d %q, want %d %q", i, e.ID, e.Body, id, bodies[i])
			}
		case <-t.Context().Done():
			t.Fatalf("offer %d (id %d) never came", i, id)
		}
	}
}

// TestSubscribeAcrossFrontEnds checks that a deposit through one front
// end reaches the owner subscribed on another, in id order, whichever of
// the two (or neither) holds the owner's partition.
func TestSubscribeAcrossFrontEnds(t *testing.T) {
	srv := runServer(t)
	lim := testLimits
	lim.MaxEnvelopes, lim.MaxContactEnvelopes = 100, 100
	a, b := openStore(t, srv, "a", lim), openStore(t, srv, "b", lim)
	waitHeld(t, 4, a, b)
	for _, c := range []struct {
		name               string
		holder, from, subs *Store
	}{
		{"held by the subscriber's", b, a, b},
		{"held by the depositor's", a, a, b},
		{"held by the subscriber's, local deposit", b, b, b},
		{"held by a, deposit and subscriber on b", a, b, b},
	} {
		t.Run(c.name, func(t *testing.T) {
			owner, tok := ownerOn(t, c.holder)
			got := make(collector, 16)
			cancel := c.subs.Subscribe(owner, got.offer)
			var ids []uint64
			var bodies [][]byte
			for i := range 5 {
				body := fmt.Appendf(nil, "%s %d", c.name, i)
				ids = append(ids, mustDeposit(t, c.from, owner, tok, body))
				bodies = append(bodies, body)
			}
			got.expect(t, ids, bodies)
			cancel()
			mustDeposit(t, c.from, owner, tok, []byte("after cancel"))
			// Nothing is offered once cancel returned; the next deposit
			// to a second subscription proves the first saw nothing.
			again := make(collector, 1)
			defer c.subs.Subscribe(owner, again.offer)()
			last := mustDeposit(t, c.from, owner, tok, []byte("last"))
			again.expect(t, []uint64{last}, [][]byte{[]byte("last")})
			if len(got) != 0 {
				t.Fatalf("%d offered after cancel", len(got))
			}
		})
	}
}

// TestTakeover checks that when a front end goes, closed or crashed
// (its connection cut, its leases left to expire), the other takes its
// partitions and nothing stored is lost: what was acknowledged stays
// deleted, the rest is pending, quotas count it, and deposits go on.
func TestTakeover(t *testing.T) {
	for _, crash := range []bool{false, true} {
		t.Run(fmt.Sprintf("crash=%v", crash), func(t *testing.T) {
			srv := runServer(t)
			lim := testLimits
			lim.MaxEnvelopes, lim.MaxContactEnvelopes = 30, 30
			a, b := openStore(t, srv, "a", lim), openStore(t, srv, "b", lim)
			waitHeld(t, 4, a, b)
			owner, tok := ownerOn(t, b)
			var ids []uint64
			for i := range 20 {
				ids = append(ids, mustDeposit(t, a, owner, tok, []byte{byte(i)}))
			}
			if n, err := a.Ack(owner, ids[:5]); n != 5 || err != nil {
				t.Fatalf("ack: %d %v", n, err)
			}
			got := make(collector, 64)
			defer a.Subscribe(owner, got.offer)()
			if crash {
				b.nc.Close()
			} else {
				b.Close()
			}
			var later []uint64
			var bodies [][]byte
			for i := range 10 { // waits for a to take the partition
				body := []byte{byte(100 + i)}
				later = append(later, mustDeposit(t, a, owner, tok, body))
				bodies = append(bodies, body)
			}
			got.expect(t, later, bodies)
			envs := pending(t, a, owner)
			want := append(append([]uint64{}, ids[5:]...), later...)
			if len(envs) != len(want) {
				t.Fatalf("pending %d, want %d", len(envs), len(want))
			}
			for i, e := range envs {
				if e.ID != want[i] {
					t.Fatalf("pending %d: id %d, want %d", i, e.ID, want[i])
				}
			}
			if n, _, _ := a.Usage(t.Context(), owner); n != 25 {
				t.Fatalf("usage %d, want 25", n)
			}
			for i := range 5 { // 30 is the quota
				mustDeposit(t, a, owner, tok, []byte{byte(200 + i)})
			}
			if _, err := depositWait(a, owner, tok, []byte("over"), t0); err == nil {
				t.Fatal("quota not kept after the takeover")
			}
			waitHeld(t, 8, a)
		})
	}
}

// TestRestartKeepsEnvelopes checks that envelopes stored (acknowledged
// to the depositor) survive a restart of the NATS server, with file
// storage, and acknowledged ones stay deleted.
func TestRestartKeepsEnvelopes(t *testing.T) {
	srv := runServer(t)
	a := openStore(t, srv, "a", testLimits)
	owner, tok, _ := ownerWithToken(t, a)
	var ids []uint64
	for i := range 4 {
		ids = append(ids, mustDeposit(t, a, owner, tok, []byte{byte(i)}))
	}
	if _, err := a.Ack(owner, ids[:1]); err != nil {
		t.Fatal(err)
	}
	a.Close()
	srv.restart()
	a2 := openStore(t, srv, "a2", testLimits)
	envs := pending(t, a2, owner)
	if len(envs) != 3 || envs[0].ID != ids[1] || envs[2].Body[0] != 3 {
		t.Fatalf("after restart: %+v", envs)
	}
	if n, _, err := a2.Usage(t.Context(), owner); n != 3 || err != nil {
		t.Fatalf("usage after restart: %d %v", n, err)
	}
	if id := mustDeposit(t, a2, owner, tok, []byte("new")); id <= ids[3] {
		t.Fatalf("id %d after restart, not above %d", id, ids[3])
	}
}
