package transport

import (
	"sync"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// lossyBackend is a real SQLite store whose live offers drop the first
// envelope offered, as a JetStream cluster may miss one (see
// [mailbox.Resyncer]), and which asks homes to resync often.
type lossyBackend struct {
	*mailbox.Store
	mu      sync.Mutex
	dropped bool
}

func (b *lossyBackend) ResyncEvery() time.Duration { return 20 * time.Millisecond }

func (b *lossyBackend) Subscribe(owner keys.PublicKey, offer func(mailbox.Envelope)) func() {
	return b.Store.Subscribe(owner, func(e mailbox.Envelope) {
		b.mu.Lock()
		drop := !b.dropped
		b.dropped = true
		b.mu.Unlock()
		if !drop {
			offer(e)
		}
	})
}

// TestResyncPushesMissedOffer: on a backend that missed the live offer
// of one envelope, a later one is pushed at once, and the missed one
// follows at the next resync instead of waiting for the owner to
// reconnect.
func TestResyncPushesMissedOffer(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	st, err := mailbox.Open(t.TempDir(), mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	home := startHome(t, Config{Mode: PeerMode, Owner: alice.Public, Backend: &lossyBackend{Store: st},
		Limits: Limits{RequestRate: 1e6}})
	owner := dialOwner(t, home, alice)
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	dep := dialAnon(t, home)
	var ids []uint64
	for _, text := range []string{"missed", "offered"} {
		id, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, text))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	first, second := nextDelivery(t, owner), nextDelivery(t, owner)
	if first.ID != ids[1] || second.ID != ids[0] {
		t.Fatalf("deliveries %d then %d; want the offered %d, then the missed %d", first.ID, second.ID, ids[1], ids[0])
	}
	if n := home.Stats().EnvelopesResent; n != 1 {
		t.Errorf("EnvelopesResent = %d, want 1", n)
	}
	owner.Ack(ctxT(t), first.ID, second.ID)
	noDelivery(t, owner)
}
