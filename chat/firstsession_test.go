package chat

import (
	"context"
	"testing"

	"ratchat/store"
)

// A profile stopped between storing a new contact and its session gets the
// first message again at restart: it starts the first session, no reset.
func TestFirstMessageRedeliveredIsNoReset(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, ba := connect(t, alice, bob)
	bob.stop()
	m, _ := alice.m.Send(ctx, ab.ID, "x")
	alice.waitStatus(m.ID, store.StatusSent)
	bob.start()
	bob.waitText("x")
	for _, k := range kinds(t, bob, ba.ID) {
		if k.System() {
			t.Fatalf("bob's chat has a line of kind %d", k)
		}
	}
}
