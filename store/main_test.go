package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// helperEnv names the environment variable that turns the test binary into
// a helper process: the test re-executes itself (os.Args[0]) with it set.
const helperEnv = "RATCHAT_STORE_HELPER"

// testKDF is a tiny Argon2id cost, so tests do not spend 0.4 s per unlock.
var testKDF = KDFParams{Time: 1, MemoryKiB: 8, Threads: 1}

// testPass is the passphrase of test profiles.
var testPass = []byte("correct horse battery staple")

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		code := m.Run()
		closeLargeStore()
		os.Exit(code)
	case "writer":
		os.Exit(helperWriter(os.Getenv("RATCHAT_STORE_DIR")))
	case "open":
		os.Exit(helperOpen(os.Getenv("RATCHAT_STORE_DIR")))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper")
		os.Exit(2)
	}
}

// helperOpen tries to open the profile and exits 0 if it was locked.
func helperOpen(dir string) int {
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if errors.Is(err, ErrLocked) {
		return 0
	}
	if err == nil {
		s.Close()
	}
	fmt.Fprintln(os.Stderr, "open:", err)
	return 3
}

// helperCmd returns the command that runs this test binary as helper.
func helperCmd(t *testing.T, helper, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+helper, "RATCHAT_STORE_DIR="+dir)
	cmd.Stderr = os.Stderr
	return cmd
}

// newTestStore creates a profile in a fresh temporary folder.
func newTestStore(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Create(dir, testPass, append([]Option{WithKDF(testKDF)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// clockAt returns a store clock that reads *now, so a test can move time.
func clockAt(now *time.Time) Option {
	return WithClock(func() time.Time { return *now })
}

// reopen closes s and opens its profile again.
func reopen(t testing.TB, s *Store, opts ...Option) *Store {
	t.Helper()
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, testPass, append([]Option{WithKDF(testKDF)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

// readLines sends every line the reader produces to a channel.
func readLines(sc *bufio.Scanner) <-chan string {
	ch := make(chan string, 1024)
	go func() {
		defer close(ch)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

var bg = context.Background()
