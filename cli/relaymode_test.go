package cli

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"ratchat/transport"
)

// testRelay runs a relay on loopback for the test.
func testRelay(t *testing.T) string {
	t.Helper()
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// In relay mode, init, invite and add return only once the profile's
// prekeys are at the relay: two fresh profiles can add each other back to
// back (issue 8: "no prekeys" otherwise).
func TestRelayModeBackToBack(t *testing.T) {
	testEnv(t)
	relay := testRelay(t)
	for round := range 3 {
		dirs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
		with := func(i int, args ...string) []string {
			return append(append([]string(nil), args...), "--data", dirs[i], "--relay", relay)
		}
		r := runArgs(with(0, "init", "--name", "Ann")...)
		check(t, r, 0, "RATCHAT1:", "")
		annInvite := strings.TrimSpace(r.stdout)
		check(t, runArgs(with(1, "init", "--name", "Ben")...), 0, "RATCHAT1:", "")
		r = runArgs(with(1, "invite", "--text")...)
		check(t, r, 0, "RATCHAT1:", "")
		benInvite := strings.TrimSpace(r.stdout)
		check(t, runArgs(with(0, "add", benInvite)...), 0, "added", "")
		check(t, runArgs(with(1, "add", annInvite)...), 0, "added", "")
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
}
