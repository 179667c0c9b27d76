package transport

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"ratchat/keys"
)

// TestDepositDeliverAck follows one envelope through a peer-mode home:
// deposited by a stranger, pushed to the owner, opened, acknowledged and
// gone.
func TestDepositDeliverAck(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	owner := dialOwner(t, home, alice)
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	noDelivery(t, owner)

	env := testEnvelope(t, bob, alice.Public, "hi alice")
	id, err := dialAnon(t, home).Deposit(ctxT(t), alice.Public, testToken, env)
	if err != nil {
		t.Fatal(err)
	}
	d := nextDelivery(t, owner)
	if d.ID != id || !bytes.Equal(d.Envelope, env) {
		t.Fatalf("delivery %d, want %d", d.ID, id)
	}
	opened, err := OpenEnvelope(alice, d.Envelope)
	if err != nil || opened.Sender != bob.Public || string(opened.Message) != "hi alice" {
		t.Fatalf("open: %v", err)
	}
	if err := owner.Ack(ctxT(t), d.ID); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := home.store.Usage(ctxT(t), alice.Public); n != 0 {
		t.Fatalf("%d envelopes left after ack", n)
	}
	st := home.Stats()
	if st.EnvelopesStored != 1 || st.EnvelopesDelivered != 1 || st.EnvelopesAcked != 1 ||
		st.BytesStored != uint64(len(env)) || st.ConnectionsAccepted != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Acknowledged: a new connection gets nothing.
	owner.Close()
	again := dialOwner(t, home, alice)
	again.Fetch(ctxT(t))
	noDelivery(t, again)
}

// TestOfflineDeliveryInOrder deposits while the owner is away; on
// connecting it gets everything, oldest first. Unacknowledged envelopes
// come again on the next connection.
func TestOfflineDeliveryInOrder(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	dep := dialAnon(t, home)
	var ids []uint64
	for i := range 5 {
		id, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for round := range 2 {
		owner := dialOwner(t, home, alice)
		owner.Fetch(ctxT(t))
		for i, want := range ids {
			d := nextDelivery(t, owner)
			opened, err := OpenEnvelope(alice, d.Envelope)
			if err != nil || d.ID != want || string(opened.Message) != fmt.Sprint(i) {
				t.Fatalf("round %d: delivery %d is %d (%v)", round, i, d.ID, err)
			}
		}
		noDelivery(t, owner)
		owner.Close()
	}
}

// TestConcurrentDepositsKeepOrder pipelines deposits on one connection:
// they are stored (and delivered) in the order sent.
func TestConcurrentDepositsKeepOrder(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	dep := dialAnon(t, home)
	env := testEnvelope(t, bob, alice.Public, "x")
	const n = 40
	results := make(chan uint64, n)
	for range n {
		go func() {
			id, err := dep.Deposit(ctxT(t), alice.Public, testToken, uniq(env))
			if err != nil {
				t.Error(err)
			}
			results <- id
		}()
	}
	seen := map[uint64]bool{}
	for range n {
		seen[<-results] = true
	}
	owner := dialOwner(t, home, alice)
	owner.Fetch(ctxT(t))
	var last uint64
	for range n {
		d := nextDelivery(t, owner)
		if d.ID <= last || !seen[d.ID] {
			t.Fatalf("delivery %d after %d", d.ID, last)
		}
		last = d.ID
	}
}

// TestRestartKeepsEnvelopes closes the home and opens a new one on the
// same folder: undelivered envelopes are still there.
func TestRestartKeepsEnvelopes(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	dir := t.TempDir()
	cfg := Config{Mode: RelayMode, DataDir: dir}
	home := startHome(t, cfg)
	relayKey := home.Identity()
	dialOwner(t, home, alice).Close() // registers
	env := testEnvelope(t, bob, alice.Public, "survive")
	id, err := dialAnon(t, home).Deposit(ctxT(t), alice.Public, testToken, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := home.Shutdown(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := <-home.served; !errors.Is(err, ErrClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	home = startHome(t, cfg)
	if home.Identity() != relayKey {
		t.Fatal("relay identity changed across restart")
	}
	owner := dialOwner(t, home, alice)
	owner.Fetch(ctxT(t))
	if d := nextDelivery(t, owner); d.ID != id || !bytes.Equal(d.Envelope, env) {
		t.Fatal("envelope lost across restart")
	}
}

// TestExpiry uses an injected clock: an envelope is never delivered after
// the retention time, and the sweep deletes it.
func TestExpiry(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	clock := newTestClock()
	home := startHome(t, Config{Mode: PeerMode, Owner: alice.Public, Now: clock.Now})
	dep := dialAnon(t, home)
	if _, err := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "old")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(29 * 24 * time.Hour)
	keep, _ := dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "new"))
	if n, _ := home.Expire(); n != 0 {
		t.Fatalf("expired %d after 29 days", n)
	}
	clock.Advance(1*24*time.Hour + time.Millisecond)
	owner := dialOwner(t, home, alice)
	owner.Fetch(ctxT(t))
	if d := nextDelivery(t, owner); d.ID != keep {
		t.Fatalf("delivered %d, an expired envelope", d.ID)
	}
	if n, err := home.Expire(); n != 1 || err != nil {
		t.Fatalf("expired %d, %v", n, err)
	}
	if home.Stats().EnvelopesExpired != 1 {
		t.Fatal("expiry not counted")
	}
}

// TestPushWindow: with a window of 2, the home waits for acks.
func TestPushWindow(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{PushWindow: 2})
	dep := dialAnon(t, home)
	for range 5 {
		dep.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "x"))
	}
	owner := dialOwner(t, home, alice)
	owner.Fetch(ctxT(t))
	a, b := nextDelivery(t, owner), nextDelivery(t, owner)
	noDelivery(t, owner)
	owner.Ack(ctxT(t), a.ID, b.ID)
	nextDelivery(t, owner)
	nextDelivery(t, owner)
	noDelivery(t, owner)
}

// TestReplacedConnection: a second pushing connection of the same owner
// replaces the first.
func TestReplacedConnection(t *testing.T) {
	alice := testIdentity(t, 1)
	home := peerHome(t, alice, Limits{})
	first := dialOwner(t, home, alice)
	first.Fetch(ctxT(t))
	second := dialOwner(t, home, alice)
	second.Fetch(ctxT(t))
	select {
	case <-first.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("first connection not replaced")
	}
	wantCode(t, first.Err(), CodeReplaced)
	if !errors.Is(first.Err(), ErrConnectionLost) {
		t.Fatal("replacement is not a lost connection")
	}
	if err := second.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// TestOwnerOnly: without authenticating, nobody may fetch the mailbox,
// acknowledge, replace prekeys or count them; in peer mode, nobody but the
// owner may authenticate; a relay with an allow-list refuses others.
func TestOwnerOnly(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	home := peerHome(t, alice, Limits{})
	anon := dialAnon(t, home)
	wantCode(t, anon.Fetch(ctxT(t)), CodeNotAuthenticated)
	wantCode(t, anon.Ack(ctxT(t), 1), CodeNotAuthenticated)
	wantCode(t, anon.UploadPreKeys(ctxT(t), testUpload(t, alice, 1, 0)), CodeNotAuthenticated)
	_, err := anon.PreKeyCounts(ctxT(t))
	wantCode(t, err, CodeNotAuthenticated)
	home2 := home.Identity()
	_, err = Dial(ctxT(t), home.addr, bob, ClientOptions{HomeIdentity: &home2})
	wantCode(t, err, CodeForbidden)
	// Bob's envelope cannot be deposited at Alice's home for Bob.
	_, err = anon.Deposit(ctxT(t), bob.Public, testToken, testEnvelope(t, alice, bob.Public, "x"))
	wantCode(t, err, CodeUnknownRecipient)

	relay := startHome(t, Config{Mode: RelayMode, AllowList: []keys.PublicKey{alice.Public}})
	dialOwner(t, relay, alice)
	_, err = Dial(ctxT(t), relay.addr, bob, ClientOptions{})
	wantCode(t, err, CodeForbidden)
	if relay.Stats().AuthFailures != 1 {
		t.Fatal("forbidden auth not counted")
	}
}

// TestAckOnlyOwnEnvelopes: an owner's Ack never deletes another owner's
// envelope.
func TestAckOnlyOwnEnvelopes(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	relay := startHome(t, Config{Mode: RelayMode})
	dialOwner(t, relay, alice).Close()
	bobConn := dialOwner(t, relay, bob)
	id, _ := dialAnon(t, relay).Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, "x"))
	if err := bobConn.Ack(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := relay.store.Usage(ctxT(t), alice.Public); n != 1 {
		t.Fatal("bob deleted alice's envelope")
	}
}
