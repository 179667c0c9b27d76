package transport

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ratchat/internal/natstest"
	"ratchat/keys"
)

// relayChildEnv names the data folder of a relay child process.
const relayChildEnv = "RATCHAT_TEST_RELAY_CHILD"

// relayNATSEnv, if set, holds the comma-separated NATS URLs of the
// JetStream backend a relay child runs on (instead of SQLite in its
// folder), and relayReplicasEnv its replicas.
const (
	relayNATSEnv     = "RATCHAT_TEST_RELAY_NATS"
	relayReplicasEnv = "RATCHAT_TEST_RELAY_NATS_REPLICAS"
)

// relayProfileEnv, if set, names the file a relay child writes its CPU
// profile to (when it stops gracefully).
const relayProfileEnv = "RATCHAT_TEST_RELAY_CPUPROFILE"

// TestRelayChild is not a test: it is the relay that the load generator
// and the crash test run in a process of its own, by running this test
// binary again. It prints "relay ADDR HOMEKEY", answers "cpu" on stdin
// with the CPU time it has used, and stops at the end of stdin (or when
// killed).
func TestRelayChild(t *testing.T) {
	dir := os.Getenv(relayChildEnv)
	if dir == "" {
		t.Skip("runs only as a child process of the load generator")
	}
	// Warnings and errors go to stderr, which the parent passes on: a
	// load that fails says why.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := Config{Mode: RelayMode, DataDir: dir, Logger: logger, Limits: noAddrLimits(Limits{MaxConns: 5000})}
	if urls := os.Getenv(relayNATSEnv); urls != "" {
		replicas, _ := strconv.Atoi(os.Getenv(relayReplicasEnv))
		cfg.Backend = openJetStream(t, strings.Split(urls, ","), cfg.Limits.withDefaults(RelayMode), max(1, replicas), logger)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		fmt.Printf("error %v\n", err)
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if path := os.Getenv(relayProfileEnv); path != "" {
		// One file per process: a benchmark may start several front ends.
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err != nil {
			t.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	go srv.Serve(l)
	home := srv.Identity()
	fmt.Printf("relay %s %x\n", l.Addr(), home[:])
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "cpu" {
			fmt.Printf("cpu %d\n", cpuTime().Microseconds())
		}
	}
	srv.Close()
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// relayProc is a relay running in a child process.
type relayProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	addr string
	home keys.PublicKey
}

// startRelayProc starts a relay child process on dir and waits until it
// listens. It is killed when the test ends, if still running. With
// RATCHAT_RELAY_BACKEND=jetstream it runs on the embedded NATS node of
// dir (in this process: it outlives the child).
func startRelayProc(tb testing.TB, dir string) *relayProc {
	tb.Helper()
	var urls []string
	if natstest.OnJetStream(tb) {
		urls = natstest.ForDir(tb, dir).URLs()
	}
	return startRelayProcOn(tb, dir, urls, 1)
}

// startRelayProcOn starts a relay child process on dir, or (urls not
// nil) on the JetStream backend at urls with replicas.
func startRelayProcOn(tb testing.TB, dir string, urls []string, replicas int) *relayProc {
	tb.Helper()
	env := []string{relayChildEnv + "=" + dir}
	if urls != nil {
		env = append(env, relayNATSEnv+"="+strings.Join(urls, ","), relayReplicasEnv+"="+strconv.Itoa(replicas))
	}
	r := startChild(tb, "TestRelayChild", env...)
	f := r.line(tb, "relay")
	if len(f) != 3 {
		tb.Fatalf("relay child said %q", f)
	}
	raw, err := hex.DecodeString(f[2])
	if err == nil {
		r.home, err = keys.NewPublicKey(raw)
	}
	if err != nil {
		tb.Fatalf("relay child's key: %v", err)
	}
	r.addr = f[1]
	return r
}

// line reads the child's output up to the next line starting with word,
// and returns its fields.
func (r *relayProc) line(tb testing.TB, word string) []string {
	tb.Helper()
	for r.out.Scan() {
		f := strings.Fields(r.out.Text())
		if len(f) > 0 && f[0] == word {
			return f
		}
		if len(f) > 0 && f[0] == "error" {
			tb.Fatalf("relay child: %s", r.out.Text())
		}
	}
	tb.Fatalf("relay child ended before saying %q: %v", word, r.out.Err())
	return nil
}

// cpu returns the CPU time the child has used.
func (r *relayProc) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	fmt.Fprintln(r.in, "cpu")
	f := r.line(tb, "cpu")
	us, err := strconv.ParseInt(f[len(f)-1], 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return time.Duration(us) * time.Microsecond
}

// kill ends the child at once (SIGKILL: no chance to flush or close
// anything) and waits for it.
func (r *relayProc) kill() {
	if r.cmd.ProcessState != nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

// close stops the child gracefully if it does so soon, else kills it.
func (r *relayProc) close() {
	if r.cmd.ProcessState != nil {
		return
	}
	r.in.Close()
	t := time.AfterFunc(5*time.Second, func() { r.cmd.Process.Kill() })
	defer t.Stop()
	r.cmd.Wait()
}

// stop shuts the child down gracefully and waits for it.
func (r *relayProc) stop(tb testing.TB) {
	tb.Helper()
	r.in.Close()
	if err := r.cmd.Wait(); err != nil {
		tb.Fatalf("relay child: %v", err)
	}
}

// startChild runs this test binary again as a child process running only
// test, with env added, its stdin and stdout piped, and stopped when the
// test ends.
func startChild(tb testing.TB, test string, env ...string) *relayProc {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	r := &relayProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	tb.Cleanup(r.close)
	return r
}
