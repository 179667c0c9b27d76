package transport

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/internal/natstest"
)

// TestDepositLifetime runs on both backends (the kit's
// RATCHAT_RELAY_BACKEND): envelopes deposited with and without a
// lifetime are all pending and counted at first; once the shortest
// lifetime has passed, that envelope is neither pending, nor counted, nor
// pushed to its owner, and the others stay. On SQLite the home's clock
// is injected and moved; on JetStream, whose TTL NATS times by its own
// clock, the test waits out the real second, then (at most 5 s) for NATS
// to delete the envelope from the stream.
func TestDepositLifetime(t *testing.T) {
	alice, bob := testIdentity(t, 1), testIdentity(t, 2)
	onJS := natstest.OnJetStream(t)
	cfg := Config{Mode: PeerMode, Owner: alice.Public, Limits: Limits{Retention: 24 * time.Hour}}
	clock := newTestClock()
	if !onJS {
		cfg.Now = clock.Now
	}
	home := startHome(t, cfg)
	envs := []struct {
		name     string
		lifetime time.Duration
		gone     bool // once a second has passed
	}{
		{"one second", time.Second, true},
		{"none", 0, false},
		{"an hour", time.Hour, false},
		{"past the retention (cut to it)", 48 * time.Hour, false},
	}
	dep := dialAnon(t, home)
	ids := make([]uint64, len(envs))
	for i, e := range envs {
		id, err := dep.DepositWithLifetime(ctxT(t), alice.Public, testToken, testEnvelope(t, bob, alice.Public, e.name), e.lifetime)
		if err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		ids[i] = id
	}
	stored := time.Now()
	checkLeft := func(when string, gone bool) {
		t.Helper()
		pending, err := home.store.Pending(ctxT(t), alice.Public, 0, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		got := map[uint64]bool{}
		for _, p := range pending {
			got[p.ID] = true
		}
		want := 0
		for i, e := range envs {
			if left := !(gone && e.gone); got[ids[i]] != left {
				t.Fatalf("%s: envelope %q pending %v, want %v", when, e.name, got[ids[i]], left)
			} else if left {
				want++
			}
		}
		if n, _, err := home.store.Usage(ctxT(t), alice.Public); err != nil || n != want {
			t.Fatalf("%s: usage %d, %v; want %d", when, n, err, want)
		}
	}
	checkLeft("at first", false)
	if onJS {
		// NATS counts from when it stored the envelope, which the answer
		// came after: no event says a second has passed.
		<-time.After(time.Until(stored.Add(time.Second + time.Millisecond)))
	} else {
		clock.Advance(time.Second)
	}
	checkLeft("a second later", true)
	n, err := home.Expire()
	if err != nil {
		t.Fatal(err)
	}
	if !onJS && n != 1 { // on JetStream the Usage above may have dropped it already
		t.Fatalf("expired %d, want 1", n)
	}
	if onJS {
		waitStreamMsgs(t, natstest.ForDir(t, home.dir).URLs(), uint64(len(envs)-1))
	}
	owner := dialOwner(t, home, alice)
	if err := owner.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	for i, e := range envs {
		if e.gone {
			continue
		}
		if d := nextDelivery(t, owner); d.ID != ids[i] {
			t.Fatalf("delivered %d, want %d (%s)", d.ID, ids[i], e.name)
		}
	}
}

// waitStreamMsgs waits (at most 5 s) until the relay's envelope stream
// holds want messages. Why a bounded wait: NATS deletes an envelope
// whose TTL passed on its own schedule, and tells no one.
func waitStreamMsgs(t *testing.T, urls []string, want uint64) {
	t.Helper()
	nc, err := nats.Connect(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var have uint64
	for {
		st, err := js.Stream(ctx, "RATCHAT_SEGMENTS")
		if err == nil {
			have = st.CachedInfo().State.Msgs
			if have == want {
				return
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("the stream holds %d envelopes after 5 s, want %d (%v)", have, want, err)
		}
	}
}
