package chat

import (
	"context"
	"testing"
	"time"
)

// TestRestoreResetsSessions: alice backs up, loses her machine, restores
// on a new one (same identity, same home address), and every contact gets
// a fresh session: bob is told, and both can write again.
func TestRestoreResetsSessions(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := alice.m.Send(ctx, ab.ID, "before the backup"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("before the backup")
	addr := alice.m.Home()
	backup, key := alice.backup()

	// The new machine: an empty folder, the backup and the recovery key.
	alice2 := restoreProfile(t, "alice", backup, key, "", addr)
	st := alice2.st

	bob.waitFor("session reset", 10*time.Second, func(e Event) bool {
		r, ok := e.(SessionReset)
		return ok && r.Contact == ba.ID
	})
	msgs, _, err := st.Messages(ctx, ab.ID, 0, 10)
	if msgs = written(msgs); err != nil || len(msgs) != 1 || string(msgs[0].Body) != "before the backup" {
		t.Fatalf("restored history: %d messages, %v", len(msgs), err)
	}
	if _, err := alice2.m.Send(ctx, ab.ID, "after the restore"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("after the restore")
	if _, err := bob.m.Send(ctx, ba.ID, "welcome back"); err != nil {
		t.Fatal(err)
	}
	alice2.waitText("welcome back")
}
