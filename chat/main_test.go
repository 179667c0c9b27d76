package chat

import (
	"net"
	"os"
	"os/signal"
	"testing"

	"ratchat/transport"
)

// Environment variables that turn the test binary into a relay child
// process, for the tests that kill a relay with SIGKILL.
const (
	envRelayDir  = "RATCHAT_TEST_RELAY_DIR"
	envRelayAddr = "RATCHAT_TEST_RELAY_ADDR"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(envRelayDir); dir != "" {
		runRelayChild(dir, os.Getenv(envRelayAddr))
		return
	}
	os.Exit(m.Run())
}

// runRelayChild serves a relay until the process is killed.
func runRelayChild(dir, addr string) {
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: dir})
	if err != nil {
		os.Exit(3)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		os.Exit(4)
	}
	go srv.Serve(l)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	srv.Close()
}
