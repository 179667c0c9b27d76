package transport

import (
	"context"
	"sync"
	"testing"
	"time"

	"ratchat/internal/natstest"
	"ratchat/keys"
	"ratchat/transport/jetstream"
)

// TestRelayKillKeepsStored kills a relay process (SIGKILL) in the middle
// of a load of pipelined deposits, restarts it on the same data folder,
// and checks that every envelope it answered Stored for, and that its
// owner had not acknowledged, is delivered: group commit answers nothing
// before the fsync.
func TestRelayKillKeepsStored(t *testing.T) {
	if testing.Short() {
		t.Skip("starts relay processes")
	}
	dir := t.TempDir()
	relay := startRelayProc(t, dir)
	const n = 8
	ids := make([]*keys.KeyPair, n)
	for i := range ids {
		ids[i] = loadIdentity(t, i)
	}
	var mu sync.Mutex
	stored := map[uint64]int{} // id → recipient
	acked := map[uint64]bool{} // sent in an Ack, answered or not
	var wg sync.WaitGroup
	for i := range n { // every mailbox and token exists before the deposits start
		c, err := Dial(ctxT(t), relay.addr, ids[i], ClientOptions{HomeIdentity: &relay.home, KeepAlive: -1})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddTokens(ctxT(t), []TokenEntry{{TokenContact, testToken}}); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	for i := range n {
		c, err := Dial(ctxT(t), relay.addr, ids[i], ClientOptions{HomeIdentity: &relay.home, KeepAlive: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Fetch(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { // acknowledges every other delivery
			for d := range c.Deliveries() {
				if d.ID%2 == 0 {
					mu.Lock()
					acked[d.ID] = true
					mu.Unlock()
					go c.Ack(context.Background(), d.ID)
				}
			}
		})
		to := (i + 1) % n
		env := testEnvelope(t, ids[i], ids[to].Public, "durable")
		for range 4 { // 4 deposits in flight per connection
			wg.Go(func() {
				for {
					id, err := c.Deposit(context.Background(), ids[to].Public, testToken, uniq(env))
					if err != nil {
						return // the relay is gone
					}
					mu.Lock()
					stored[id] = to
					mu.Unlock()
				}
			})
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		k := len(stored)
		mu.Unlock()
		if k >= 500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d envelopes stored", k)
		}
	}
	relay.kill()
	wg.Wait()

	relay = startRelayProc(t, dir)
	want := make([]map[uint64]bool, n)
	for i := range want {
		want[i] = map[uint64]bool{}
	}
	for id, to := range stored {
		if !acked[id] {
			want[to][id] = true
		}
	}
	// On JetStream, the killed front end's partitions are taken once its
	// leases lapse (jetstream.DefaultLeaseTTL), and catch-up reads ask the
	// partition's holder: the first deliveries may wait that long.
	wait := 5 * time.Second
	if natstest.OnJetStream(t) {
		wait += 2 * jetstream.DefaultLeaseTTL
	}
	for i := range n {
		c, err := Dial(ctxT(t), relay.addr, ids[i], ClientOptions{HomeIdentity: &relay.home, KeepAlive: -1})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Fetch(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		for len(want[i]) > 0 {
			d := deliveryWithin(t, c, wait)
			delete(want[i], d.ID)
			c.Ack(ctxT(t), d.ID)
		}
		c.Close()
	}
	t.Logf("%d envelopes stored before the kill, %d acknowledged", len(stored), len(acked))
	relay.stop(t)
}
