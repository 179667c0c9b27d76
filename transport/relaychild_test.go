package transport

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
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
	// relayPartitionsEnv, if set, is the partition count of a new stream
	// (default: jetstream.DefaultPartitions, as the relay's); the load
	// benchmarks' runner may set it to compare counts.
	relayPartitionsEnv = "RATCHAT_TEST_RELAY_PARTITIONS"
)

// relayProfileEnv, if set, names the file a relay child writes its CPU
// profile to (when it stops gracefully).
const relayProfileEnv = "RATCHAT_TEST_RELAY_CPUPROFILE"

// relayHeapProfileEnv, if set, names the file a child (relay or NATS)
// writes a heap profile to each time it answers "mem".
const relayHeapProfileEnv = "RATCHAT_TEST_RELAY_MEMPROFILE"

// relayMaxMailboxes is a relay child's cap on mailboxes: above the
// 100,000 that BenchmarkRelayMailboxes creates (the default cap).
const relayMaxMailboxes = 1 << 20

// profileCPU starts a CPU profile of this child process if relayProfileEnv
// names a file, written to that name plus kind and the process id (one
// file per process: a benchmark may start several front ends), and
// returns what stops it.
func profileCPU(t testing.TB, kind string) (stop func()) {
	path := os.Getenv(relayProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%s%d", path, kind, os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return pprof.StopCPUProfile
}

// TestRelayChild is not a test: it is the relay that the load generator
// and the crash test run in a process of its own, by running this test
// binary again. It prints "relay ADDR HOMEKEY", answers "cpu" on stdin
// with the CPU time it has used and "mem" with its memory (see
// [answerParent]), and stops at the end of stdin (or when killed).
func TestRelayChild(t *testing.T) {
	dir := os.Getenv(relayChildEnv)
	if dir == "" {
		t.Skip("runs only as a child process of the load generator")
	}
	// Warnings and errors go to stderr (the parent's): a request the
	// relay answers "internal error" or "busy" then says why.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := Config{Mode: RelayMode, DataDir: dir, Logger: logger,
		Limits: noAddrLimits(Limits{MaxConns: 5000, MaxMailboxes: relayMaxMailboxes})}
	if urls := os.Getenv(relayNATSEnv); urls != "" {
		replicas, _ := strconv.Atoi(os.Getenv(relayReplicasEnv))
		// Partitions as `ratchat relay --nats` has them: the stream's, or
		// the default for a new one, unless the benchmark's runner says.
		partitions, _ := strconv.Atoi(os.Getenv(relayPartitionsEnv))
		cfg.Backend = openJetStream(t, strings.Split(urls, ","), cfg.Limits.withDefaults(RelayMode), max(1, replicas),
			max(0, partitions), logger)
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
	defer profileCPU(t, "")()
	go srv.Serve(l)
	home := srv.Identity()
	fmt.Printf("relay %s %x\n", l.Addr(), home[:])
	answerParent("")
	srv.Close()
}

// answerParent answers the parent's requests on stdin until it ends:
// "cpu" with "cpu MICROSECONDS" (see [cpuTime]), "mem" with "mem
// RSS_BYTES HEAP_BYTES" (see [memUsage]), then, if relayHeapProfileEnv
// is set, writing a heap profile to its value, kind (if not empty) and
// the process id.
func answerParent(kind string) {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "cpu":
			fmt.Printf("cpu %d\n", cpuTime().Microseconds())
		case "mem":
			m, err := memUsage()
			if err == nil {
				err = writeHeapProfile(kind)
			}
			if err != nil {
				fmt.Printf("error %v\n", err)
				continue
			}
			fmt.Printf("mem %d %d\n", m.RSS, m.Heap)
		}
	}
}

// memSample is a process's memory.
type memSample struct {
	RSS  int64 // resident set (VmRSS), bytes
	Heap int64 // Go heap in use (HeapInuse) after a collection, bytes
}

// add returns the sum of m and o.
func (m memSample) add(o memSample) memSample { return memSample{m.RSS + o.RSS, m.Heap + o.Heap} }

// memUsage collects garbage, returns what it freed to the operating
// system (so that the resident set counts what is live, not the garbage
// of the last minutes), and reads this process's memory.
func memUsage() (memSample, error) {
	debug.FreeOSMemory() // collects first
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return memSample{}, err
	}
	rss, err := vmRSS(string(status))
	return memSample{RSS: rss, Heap: int64(ms.HeapInuse)}, err
}

// vmRSS parses the resident set out of /proc/PID/status ("VmRSS:
// 1234 kB"), in bytes.
func vmRSS(status string) (int64, error) {
	for line := range strings.Lines(status) {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "VmRSS:" || f[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || kb < 0 || kb > 1<<40 {
			return 0, fmt.Errorf("transport: VmRSS %q", f[1])
		}
		return kb << 10, nil
	}
	return 0, errors.New("transport: no VmRSS in /proc/self/status")
}

// writeHeapProfile writes a heap profile if relayHeapProfileEnv asks
// for one.
func writeHeapProfile(kind string) error {
	path := os.Getenv(relayHeapProfileEnv)
	if path == "" {
		return nil
	}
	if kind != "" {
		path += "." + kind
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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

// mem returns the child's memory (see [memUsage]).
func (r *relayProc) mem(tb testing.TB) memSample {
	tb.Helper()
	fmt.Fprintln(r.in, "mem")
	f := r.line(tb, "mem")
	if len(f) != 3 {
		tb.Fatalf("child said %q", f)
	}
	rss, err1 := strconv.ParseInt(f[1], 10, 64)
	heap, err2 := strconv.ParseInt(f[2], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		tb.Fatalf("child's mem: %v", err)
	}
	return memSample{RSS: rss, Heap: heap}
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
