package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Screen size and waits. The waits are generous (a loaded two-core
// machine, the race detector elsewhere in the run) but bounded.
const (
	width, height = 120, 40
	waitLimit     = 20 * time.Second
	pollEvery     = 100 * time.Millisecond
)

// requireTools skips the test when a program it needs is missing, or
// fails it when RATCHAT_REQUIRE_TOOLS=1 (CI installs them all).
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("RATCHAT_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is required (RATCHAT_REQUIRE_TOOLS=1): %v", n, err)
			}
			t.Skipf("%s not installed (apt-get install tmux zbar-tools): %v", n, err)
		}
	}
}

// built is the binary, built once for the whole package run.
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

// buildBinary builds ratchat (once per run) into a temporary folder that
// TestMain removes.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "ratchat-e2e-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "ratchat")
		cmd := exec.Command("go", "build", "-tags", "ratchat_testkdf", "-o", built.path, "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// TestMain removes the binary after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// tmuxServer is a tmux server of the test's own (its own socket), so
// that nothing of the user's tmux is touched.
type tmuxServer struct {
	t      *testing.T
	socket string
}

// servers numbers the tmux servers of this run.
var servers atomic.Int32

// newTmux returns a private tmux server, killed when the test ends.
func newTmux(t *testing.T) *tmuxServer {
	s := &tmuxServer{t: t, socket: fmt.Sprintf("ratchat-e2e-%d-%d", os.Getpid(), servers.Add(1))}
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

// run runs a tmux command and returns its output.
func (s *tmuxServer) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// pane is one ratchat process in a tmux session.
type pane struct {
	t    *testing.T
	s    *tmuxServer
	name string
	cmd  string // the shell command the pane runs, for restart
}

// start runs a command in a new detached session of width×height.
func (s *tmuxServer) start(name string, env []string, argv ...string) *pane {
	s.t.Helper()
	return s.startSized(name, width, height, env, argv...)
}

// startSized runs a command in a new detached session of w×h cells. The
// pane stays after the process exits, so that its last words can be read.
func (s *tmuxServer) startSized(name string, w, h int, env []string, argv ...string) *pane {
	s.t.Helper()
	cmd := "env " + shellJoin(append(env, argv...))
	if _, err := s.run("new-session", "-d", "-s", name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), cmd); err != nil {
		s.t.Fatal(err)
	}
	s.run("set-option", "-t", name, "remain-on-exit", "on")
	return &pane{t: s.t, s: s, name: name, cmd: cmd}
}

// shellJoin quotes words for the shell tmux runs the command with.
func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// capture returns the pane's text.
func (p *pane) capture() string {
	p.t.Helper()
	out, err := p.s.run("capture-pane", "-p", "-t", p.name)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// dead reports whether the pane's process has exited.
func (p *pane) dead() bool {
	p.t.Helper()
	out, err := p.s.run("display-message", "-p", "-t", p.name, "#{pane_dead}")
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.TrimSpace(out) == "1"
}

// waitExit waits until the pane's process has exited.
func (p *pane) waitExit() {
	p.t.Helper()
	p.waitUntil(waitLimit, "the process to exit", func(string) bool { return p.dead() })
}

// restart runs the pane's command again in the same pane, after its
// process exited.
func (p *pane) restart() {
	p.t.Helper()
	if _, err := p.s.run("respawn-pane", "-t", p.name, p.cmd); err != nil {
		p.t.Fatal(err)
	}
}

// typeText types literal text, all of it in one chunk.
func (p *pane) typeText(text string) {
	p.t.Helper()
	if _, err := p.s.run("send-keys", "-t", p.name, "-l", text); err != nil {
		p.t.Fatal(err)
	}
}

// keys sends named keys (Enter, Tab, BTab, Escape, C-c).
func (p *pane) keys(names ...string) {
	p.t.Helper()
	if _, err := p.s.run(append([]string{"send-keys", "-t", p.name}, names...)...); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor polls the screen until it matches pattern (a regular
// expression), and returns the screen and the first match.
func (p *pane) waitFor(pattern string) (screen, match string) {
	p.t.Helper()
	return p.waitForWithin(waitLimit, pattern)
}

// waitForWithin is waitFor with its own limit.
func (p *pane) waitForWithin(limit time.Duration, pattern string) (screen, match string) {
	p.t.Helper()
	re := regexp.MustCompile(pattern)
	screen = p.waitUntil(limit, fmt.Sprintf("%q to appear", pattern), func(s string) bool {
		match = re.FindString(s)
		return match != ""
	})
	return screen, match
}

// waitGone polls the screen until nothing on it matches pattern, and
// returns the screen.
func (p *pane) waitGone(limit time.Duration, pattern string) string {
	p.t.Helper()
	re := regexp.MustCompile(pattern)
	return p.waitUntil(limit, fmt.Sprintf("%q to go", pattern), func(s string) bool { return !re.MatchString(s) })
}

// waitUntil polls the screen every pollEvery until ok accepts it, and
// fails the test, showing the screen, when limit passes first.
func (p *pane) waitUntil(limit time.Duration, what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		screen := p.capture()
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: waited %v for %s; the screen:\n%s", p.name, limit, what, screen)
		}
		time.Sleep(pollEvery)
	}
}
