package chat

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"ratchat/store"
)

// relayChild is a relay in a child process.
type relayChild struct {
	t    *testing.T
	cmd  *exec.Cmd
	dir  string
	addr string
}

func startRelayChild(t *testing.T, dir, addr string) *relayChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envRelayDir+"="+dir, envRelayAddr+"="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &relayChild{t: t, cmd: cmd, dir: dir, addr: addr}
	t.Cleanup(r.kill)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the relay child never listened")
	return nil
}

// kill sends SIGKILL: no shutdown, no flush.
func (r *relayChild) kill() {
	if r.cmd.ProcessState == nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestRelayKilledMidStream: the relay is killed with SIGKILL twice while
// alice sends 150 messages to bob, and restarted on the same data. Every
// message arrives, and none is shown twice.
func TestRelayKilledMidStream(t *testing.T) {
	ctx := context.Background()
	dir, addr := t.TempDir(), freeAddr(t)
	relay := startRelayChild(t, dir, addr)
	alice, bob := newProfile(t, "alice", addr), newProfile(t, "bob", addr)
	ab, ba := connect(t, alice, bob)
	const total = 150
	for i := range total {
		if i == 50 || i == 100 {
			relay.kill()
			relay = startRelayChild(t, dir, addr)
		}
		if _, err := alice.m.Send(ctx, ab.ID, fmt.Sprintf("stream %d", i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	seen := map[string]int{}
	bob.waitFor("the whole stream", 60*time.Second, func(e Event) bool {
		if r, ok := e.(MessageReceived); ok {
			seen[string(r.Message.Body)]++
		}
		return len(seen) == total
	})
	for text, n := range seen {
		if n != 1 {
			t.Errorf("%q shown %d times", text, n)
		}
	}
	msgs, _, err := bob.st.Messages(ctx, ba.ID, 0, 2*total)
	if err != nil || len(msgs) != total {
		t.Fatalf("bob's history has %d messages (%v), want %d", len(msgs), err, total)
	}
	for i, m := range msgs {
		if m.Direction != store.Incoming || string(m.Body) != fmt.Sprintf("stream %d", i) {
			t.Fatalf("message %d is %q", i, m.Body)
		}
	}
}
