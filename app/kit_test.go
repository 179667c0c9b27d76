package app

import (
	"path/filepath"
	"testing"
	"time"

	"ratchat/store"
	"ratchat/ui"
)

// testPass is every test profile's passphrase.
const testPass = "correct horse"

// newCore creates a profile with a fast KDF and starts it.
func newCore(t *testing.T, name string) *Core {
	t.Helper()
	o := NewOpener(Options{Dir: filepath.Join(t.TempDir(), name), Store: []store.Option{store.WithKDF(FastKDF)}})
	c, err := o.CreateCore(name, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pair returns Alice and Bob, Alice having added Bob (and Bob having
// received her first message, so that each knows the other).
func pair(t *testing.T) (alice, bob *Core, bobID, aliceID int64) {
	t.Helper()
	alice, bob = newCore(t, "Alice"), newCore(t, "Bob")
	// Bob's home has his prekeys once he is online there.
	waitEvent(t, bob, func(e ui.StatusEvent) bool { return e.Status.Connection == ui.ConnOnline })
	invite, err := bob.Invite()
	if err != nil {
		t.Fatal(err)
	}
	it, err := alice.AddContact(invite + " Bobby")
	if err != nil {
		t.Fatal(err)
	}
	if it.Name != "Bobby" {
		t.Fatalf("added %+v", it)
	}
	ev := waitEvent(t, bob, func(e ui.ContactEvent) bool { return e.Contact.Name == "Alice" })
	return alice, bob, it.ID, ev.Contact.ID
}

// waitEvent reads c's events until one of type E satisfies ok.
func waitEvent[E any](t *testing.T, c *Core, ok func(E) bool) E {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			if e, is := ev.(E); is && ok(e) {
				return e
			}
		case <-deadline:
			var zero E
			t.Fatalf("no %T event came", zero)
			return zero
		}
	}
}
