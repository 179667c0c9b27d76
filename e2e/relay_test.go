package e2e

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"ratchat/internal/natstest"
)

// startRelay runs `ratchat relay` on a free loopback port and returns its
// address once it says it listens. It is stopped (SIGTERM) when the test
// ends. Its mailboxes are in SQLite in a folder of its own, or with
// RATCHAT_RELAY_BACKEND=jetstream on an embedded NATS node (--nats).
func startRelay(t *testing.T, bin string) string {
	t.Helper()
	if natstest.OnJetStream(t) {
		return startRelayWith(t, bin, "--nats", natstest.Single(t).URL())
	}
	return startRelayWith(t, bin, "--data", t.TempDir())
}

// startRelayWith runs `ratchat relay` with the backend flags in backend
// on a free loopback port, as [startRelay].
func startRelayWith(t *testing.T, bin string, backend ...string) string {
	t.Helper()
	addr := freePort(t)
	startProcess(t, []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, "relay listening",
		append(append([]string{bin, "relay"}, backend...), "--listen", addr)...)
	return addr
}

// freePort returns a loopback address whose port was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Relay mode from the command line, as a server's script would do it: a
// relay, two fresh profiles on it, each one's invite printed and at once
// added by the other. Every command exits 0 (they return only when the
// profile's prekeys are at the relay: issue 8 part 2), and then both
// interfaces open on those profiles and a message goes each way.
func TestRelayModeBackToBack(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	requireTools(t, "tmux")
	bin := buildBinary(t)
	relay := startRelay(t, bin)
	a, b := newProfile(t, bin, "Alice"), newProfile(t, bin, "Bob")
	began := time.Now()
	a.initProfile("--relay", relay)
	b.initProfile("--relay", relay)
	aliceInvite := a.checkInvite(a.ratchat("invite", "--text"))
	bobInvite := b.checkInvite(b.ratchat("invite", "--text"))
	for _, add := range []struct {
		who    *profile
		invite string
	}{{a, bobInvite}, {b, aliceInvite}} {
		if out := add.who.ratchat("add", add.invite); !strings.HasPrefix(out, "added ") {
			t.Fatalf("%s: ratchat add printed %q", add.who.name, out)
		}
	}
	t.Logf("init, invite and add of two profiles took %v", time.Since(began).Round(time.Millisecond))

	tm := newTmux(t)
	alice, bob := a.open(tm, width, height), b.open(tm, width, height)
	alice.waitFor(`Bob`)
	bob.waitFor(`Alice`)
	alice.keys("Enter") // open the only chat
	alice.waitFor(`Bob not verified`)
	alice.say("hello over the relay")
	bob.keys("Enter")
	bob.waitFor(`Alice: hello over the relay` + ticksToBorder)
	bob.say("and back again")
	alice.waitFor(`Bob: and back again` + ticksToBorder)
	bob.waitFor(`me: and back again` + ticksToBorder)
}
