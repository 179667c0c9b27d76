package chat

import (
	"context"
	"testing"
	"time"

	"ratchat/transport"
)

// TestPreKeysReplenished: bundles are fetched from bob's home until its
// one-time prekeys run low; the next session someone starts makes bob
// upload a new batch.
func TestPreKeysReplenished(t *testing.T) {
	ctx := context.Background()
	bob := newProfile(t, "bob", "")
	counts := func() transport.PreKeyCounts {
		conn, err := transport.Dial(ctx, bob.m.Home(), &bob.m.identity, transport.ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		c, err := conn.PreKeyCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := counts(); c.OneTime != oneTimeBatch || c.KEM != kemBatch {
		t.Fatalf("a new home holds %+v, want %d and %d", c, oneTimeBatch, kemBatch)
	}
	conn, err := transport.DialAnonymous(ctx, bob.m.Home(), transport.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for range kemBatch - replenishBelow + 1 {
		if _, err := conn.FetchBundle(ctx, bob.m.Identity()); err != nil {
			t.Fatal(err)
		}
	}
	low := counts()
	if low.KEM >= replenishBelow {
		t.Fatalf("after draining: %+v", low)
	}
	alice := newProfile(t, "alice", "")
	connect(t, alice, bob)
	deadline := time.Now().Add(10 * time.Second)
	for counts().KEM < kemBatch && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// Only the kind that ran low is refilled (the home caps each at 200).
	if c := counts(); c.KEM < kemBatch || c.OneTime < replenishBelow {
		t.Fatalf("after a new session the home holds %+v: not replenished", c)
	}
}
