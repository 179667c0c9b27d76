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

// Both sides adding each other at once start two sessions; neither is a
// reset worth a line in the chat.
func TestAddingEachOtherIsNoReset(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	bobInvite := bob.invite()
	bob.stop() // bob adds alice before he reads what she sent
	ab, err := alice.m.AddContact(ctx, bobInvite, "bob")
	if err != nil {
		t.Fatal(err)
	}
	bob.start()
	ba, err := bob.m.AddContact(ctx, alice.invite(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Send(ctx, ab.ID, "crossed"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("crossed")
	for _, c := range []struct {
		p  *profile
		id store.ContactID
	}{{alice, ab.ID}, {bob, ba.ID}} {
		for _, k := range kinds(t, c.p, c.id) {
			if k.System() {
				t.Errorf("%s's chat has a line of kind %d", c.p.name, k)
			}
		}
	}
}
