package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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

// buildBinary builds ratchat into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ratchat")
	cmd := exec.Command("go", "build", "-tags", "ratchat_testkdf", "-o", bin, "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tmuxServer is a tmux server of the test's own (its own socket), so
// that nothing of the user's tmux is touched.
type tmuxServer struct {
	t      *testing.T
	socket string
}

// newTmux returns a private tmux server, killed when the test ends.
func newTmux(t *testing.T) *tmuxServer {
	s := &tmuxServer{t: t, socket: fmt.Sprintf("ratchat-e2e-%d", os.Getpid())}
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
}

// start runs a command in a new detached session of width×height. The
// pane stays after the process exits, so that its last words can be read.
func (s *tmuxServer) start(name string, env []string, argv ...string) *pane {
	s.t.Helper()
	cmd := "env " + shellJoin(append(env, argv...))
	if _, err := s.run("new-session", "-d", "-s", name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), cmd); err != nil {
		s.t.Fatal(err)
	}
	s.run("set-option", "-t", name, "remain-on-exit", "on")
	return &pane{t: s.t, s: s, name: name}
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

// typeText types literal text.
func (p *pane) typeText(text string) {
	p.t.Helper()
	if _, err := p.s.run("send-keys", "-t", p.name, "-l", text); err != nil {
		p.t.Fatal(err)
	}
}

// keys sends named keys (Enter, Tab, BTab, Escape).
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
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(waitLimit)
	for {
		screen = p.capture()
		if m := re.FindString(screen); m != "" {
			return screen, m
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %q did not appear within %v; the screen:\n%s", p.name, pattern, waitLimit, screen)
		}
		time.Sleep(pollEvery)
	}
}
