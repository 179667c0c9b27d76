package e2e

import (
	"strings"
	"testing"

	"ratchat/internal/natstest"
)

// TestRelayOnNATS: `ratchat relay --nats` on an embedded NATS node (no
// data folder) is the home of two real profiles made by the command
// line: init, invite and add each other, then a message each way, each
// read back by `ratchat messages` on the other side (a command that opens
// the profile first fetches what waited at the relay).
func TestRelayOnNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and starts NATS")
	}
	nats := natstest.Single(t)
	bin := buildBinary(t)
	relay := startRelayWith(t, bin, "--nats", nats.URL(), "--nats-partitions", "16")
	a, b := newProfile(t, bin, "Alice"), newProfile(t, bin, "Bob")
	a.initProfile("--relay", relay)
	b.initProfile("--relay", relay)
	aliceInvite := a.checkInvite(a.ratchat("invite", "--text"))
	bobInvite := b.checkInvite(b.ratchat("invite", "--text"))
	if out := a.ratchat("add", bobInvite, "--name", "Bob"); !strings.HasPrefix(out, "added ") {
		t.Fatalf("alice: ratchat add printed %q", out)
	}
	if out := b.ratchat("add", aliceInvite, "--name", "Alice"); !strings.HasPrefix(out, "added ") {
		t.Fatalf("bob: ratchat add printed %q", out)
	}
	for _, m := range []struct {
		from, to *profile
		text     string
	}{{a, b, "hello through JetStream"}, {b, a, "and back through JetStream"}, {a, b, "a second one"}} {
		m.from.ratchat("send", m.to.name, m.text, "--timeout", "20s")
		if out := m.to.ratchat("messages", m.from.name, "-n", "10"); !strings.Contains(out, m.from.name+": "+m.text) {
			t.Fatalf("%s's messages with %s lack %q:\n%s", m.to.name, m.from.name, m.text, out)
		}
	}
}
