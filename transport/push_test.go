package transport

import (
	"context"
	"sync"
	"testing"
)

// TestPushLiveOverflow: deposits made while the owner's window is full
// overflow the pusher's queue; it catches up from the database, and every
// envelope still arrives once, in order.
func TestPushLiveOverflow(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{PushWindow: 2, RequestRate: 1e6})
	owner := dialOwner(t, home, alice)
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	dep := dialAnon(t, home)
	var stored []uint64
	for range 10 {
		id, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "x"))
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, id)
	}
	for i := 0; i < len(stored); i += 2 {
		a, b := nextDelivery(t, owner), nextDelivery(t, owner)
		if a.ID != stored[i] || b.ID != stored[i+1] {
			t.Fatalf("deliveries %d, %d: want %d, %d", a.ID, b.ID, stored[i], stored[i+1])
		}
		noDelivery(t, owner) // the window is full
		owner.Ack(ctxT(t), a.ID, b.ID)
	}
	noDelivery(t, owner)
}

// TestPushLiveConcurrent: envelopes deposited by many connections at
// once, while the owner is connected, all arrive once, in id order, from
// the pusher's queue (no database read per delivery).
func TestPushLiveConcurrent(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{RequestRate: 1e6})
	owner := dialOwner(t, home, alice)
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	env := testEnvelope(t, bob, alice.Public, "x")
	const senders, each = 8, 25
	var wg sync.WaitGroup
	for range senders {
		dep := dialAnon(t, home)
		wg.Go(func() {
			for range each {
				if _, err := dep.Deposit(context.Background(), alice.Public, testToken, uniq(env)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	var last uint64
	for range senders * each {
		d := nextDelivery(t, owner)
		if d.ID <= last {
			t.Fatalf("id %d after %d", d.ID, last)
		}
		last = d.ID
		owner.Ack(ctxT(t), d.ID)
	}
	wg.Wait()
	noDelivery(t, owner)
}

// TestAckEachWithSmallBuffer: a consumer that acknowledges each envelope
// before taking the next, with more envelopes pushed than the channel
// holds, is not deadlocked by the OKs queued behind the Delivers.
func TestAckEachWithSmallBuffer(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{RequestRate: 1e6})
	dep := dialAnon(t, home)
	for range 40 {
		if _, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "x")); err != nil {
			t.Fatal(err)
		}
	}
	own := home.Identity()
	owner, err := Dial(ctxT(t), home.addr, alice, ClientOptions{HomeIdentity: &own, Deliveries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	for range 40 {
		d := nextDelivery(t, owner)
		if err := owner.Ack(ctxT(t), d.ID); err != nil {
			t.Fatal(err)
		}
	}
	noDelivery(t, owner)
}
