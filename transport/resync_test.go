package transport

import (
	"context"
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
	dropped bool          // the one offer dropped (set it to drop none)
	keep    bool          // Ack deletes nothing: a backend whose deletion lags the ack
	reads   chan struct{} // a read from the start of a mailbox (a resync), if not nil
}

func (b *lossyBackend) Ack(owner keys.PublicKey, ids []uint64) (int, error) {
	if b.keep {
		return len(ids), nil
	}
	return b.Store.Ack(owner, ids)
}

func (b *lossyBackend) Pending(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]mailbox.Envelope, error) {
	envs, err := b.Store.Pending(ctx, owner, after, notBefore, limit)
	if after == 0 && b.reads != nil {
		select {
		case b.reads <- struct{}{}:
		default:
		}
	}
	return envs, err
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

// lossyHome starts a peer home of alice's on b (over a new SQLite
// store), connects her, fetching, and an anonymous depositor.
func lossyHome(t *testing.T, alice *keys.KeyPair, b *lossyBackend) (home *testHome, owner, dep *Conn) {
	t.Helper()
	st, err := mailbox.Open(t.TempDir(), mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Store = st
	home = startHome(t, Config{Mode: PeerMode, Owner: alice.Public, Backend: b, Limits: Limits{RequestRate: 1e6}})
	owner = dialOwner(t, home, alice)
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return home, owner, dialAnon(t, home)
}

// TestResyncPushesMissedOffer: on a backend that missed the live offer
// of one envelope, a later one is pushed, and the missed one follows at
// a resync instead of waiting for the owner to reconnect. Either may come
// first: a resync (every 20 ms) may fall between the two deposits on a
// loaded machine.
func TestResyncPushesMissedOffer(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home, owner, dep := lossyHome(t, alice, &lossyBackend{})
	var ids []uint64
	for _, text := range []string{"missed", "offered"} {
		id, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, text))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	first, second := nextDelivery(t, owner), nextDelivery(t, owner)
	if got := [2]uint64{min(first.ID, second.ID), max(first.ID, second.ID)}; got != [2]uint64{ids[0], ids[1]} {
		t.Fatalf("deliveries %d and %d; want the missed %d and the offered %d", first.ID, second.ID, ids[0], ids[1])
	}
	// At most one resend. Why not exactly one: the missed envelope may
	// also reach the owner in a read the home made anyway (its catch-up,
	// or a push catching up in order), which is not a resend; without the
	// resync it would not arrive at all, which nextDelivery catches.
	if n := home.Stats().EnvelopesResent; n > 1 {
		t.Errorf("EnvelopesResent = %d, want at most 1", n)
	}
	owner.Ack(ctxT(t), first.ID, second.ID)
	noDelivery(t, owner)
}

// TestResyncSkipsAcked: an envelope the owner acknowledged, which the
// backend still holds (its deletion lags), is not pushed again by the
// resyncs that follow.
func TestResyncSkipsAcked(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	b := &lossyBackend{dropped: true, keep: true, reads: make(chan struct{}, 1)}
	home, owner, dep := lossyHome(t, alice, b)
	if _, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "once")); err != nil {
		t.Fatal(err)
	}
	d := nextDelivery(t, owner)
	if err := owner.Ack(ctxT(t), d.ID); err != nil {
		t.Fatal(err)
	}
	for range 3 { // three resyncs after the ack
		select {
		case <-b.reads:
		case <-ctxT(t).Done():
			t.Fatal("no resync")
		}
	}
	noDelivery(t, owner)
	if n := home.Stats().EnvelopesResent; n != 0 {
		t.Errorf("EnvelopesResent = %d, want 0", n)
	}
}

// TestResyncPushesMissedNewest: when the missed offer is of the newest
// envelope (none came after it, on a connection that has pushed
// nothing yet), the next resync still pushes it. The first resync only
// pushed gaps below what was pushed, and this one waited for the owner
// to reconnect (BenchmarkRelayMailboxes on R3 found it).
func TestResyncPushesMissedNewest(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home, owner, dep := lossyHome(t, alice, &lossyBackend{})
	id, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "missed"))
	if err != nil {
		t.Fatal(err)
	}
	if d := nextDelivery(t, owner); d.ID != id {
		t.Fatalf("delivered %d, want %d", d.ID, id)
	}
	// At most one resend. Why not exactly one: the missed envelope may
	// also reach the owner in a read the home made anyway (its catch-up,
	// or a push catching up in order), which is not a resend; without the
	// resync it would not arrive at all, which nextDelivery catches.
	if n := home.Stats().EnvelopesResent; n > 1 {
		t.Errorf("EnvelopesResent = %d, want at most 1", n)
	}
	owner.Ack(ctxT(t), id)
	noDelivery(t, owner)
}
