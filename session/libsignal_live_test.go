package session

// Live interop with Signal's own library: the tests in libsignal_*_test.go
// run @signalapp/libsignal-client (Rust, through its Node binding) in a child
// process, testdata/libsignal-node/driver.mjs, and compare what it computes
// with what ratchat computes. The npm package is AGPL-3.0: it lives only in
// testdata/libsignal-node/node_modules (installed by `npm ci` there, ignored
// by git, invisible to the go tool), never in go.mod or the binary.
//
// The conversations themselves, both ways through the triple ratchet, are
// libsignal_conversation_test.go's; the other files check keys, signatures,
// safety numbers, bundles both ways (Kyber prekeys included), and both kinds
// of message parsed both ways.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Where the driver lives, and how long it may take.
const (
	libsignalDir     = "testdata/libsignal-node"
	libsignalPackage = "node_modules/@signalapp/libsignal-client/package.json"
	// libsignalCallTimeout bounds one request, including node's start-up
	// and the bench command on a loaded two-core machine.
	libsignalCallTimeout = 2 * time.Minute
)

// libsignalDriver is one running driver.mjs, started for one test.
type libsignalDriver struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *lockedBuffer
}

// lockedBuffer collects the driver's stderr for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// requireLibsignal skips the test when node or the npm package is missing,
// or fails it when RATCHAT_REQUIRE_TOOLS=1 (CI installs them: .ci/run).
func requireLibsignal(t testing.TB) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("RATCHAT_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s (required: RATCHAT_REQUIRE_TOOLS=1)", msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not installed, so no live interop with libsignal-client: %v", err)
	}
	if _, err := os.Stat(filepath.Join(libsignalDir, libsignalPackage)); err != nil {
		missing("@signalapp/libsignal-client not installed: run `npm ci` in session/%s (%v)", libsignalDir, err)
	}
	return node
}

// startLibsignal starts the driver, or skips the test (see
// [requireLibsignal]). The driver exits when the test ends.
func startLibsignal(t testing.TB) *libsignalDriver {
	t.Helper()
	node := requireLibsignal(t)
	cmd := exec.Command(node, "driver.mjs")
	cmd.Dir = libsignalDir
	d := &libsignalDriver{t: t, cmd: cmd, stderr: new(lockedBuffer)}
	cmd.Stderr = d.stderr
	var err error
	if d.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.lines = bufio.NewScanner(stdout)
	d.lines.Buffer(nil, 64<<20)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the libsignal driver: %v", err)
	}
	t.Cleanup(d.stop)
	return d
}

// stop closes the driver's stdin, which ends it, and reaps it; a driver
// that does not end within the call timeout is killed.
func (d *libsignalDriver) stop() {
	d.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(libsignalCallTimeout):
		d.cmd.Process.Kill()
		<-done
	}
}

// errLibsignal marks an error the driver reported (libsignal refused).
var errLibsignal = errors.New("libsignal-client")

// try sends one request and decodes the answer into resp (which may be
// nil). It returns the driver's own error wrapped in errLibsignal; anything
// else (a dead or hung driver, bad JSON) fails the test.
func (d *libsignalDriver) try(cmd string, args map[string]any, resp any) error {
	d.t.Helper()
	req := map[string]any{"cmd": cmd}
	for k, v := range args {
		req[k] = v
	}
	line, err := json.Marshal(req)
	if err != nil {
		d.t.Fatal(err)
	}
	answer := make(chan []byte, 1)
	go func() {
		if d.lines.Scan() {
			answer <- append([]byte(nil), d.lines.Bytes()...)
		}
		close(answer)
	}()
	if _, err := d.stdin.Write(append(line, '\n')); err != nil {
		d.t.Fatalf("libsignal driver: writing %s: %v\nstderr: %s", cmd, err, d.stderr)
	}
	var got []byte
	select {
	case a, ok := <-answer:
		if !ok {
			d.t.Fatalf("libsignal driver ended during %s: %v\nstderr: %s", cmd, d.lines.Err(), d.stderr)
		}
		got = a
	case <-time.After(libsignalCallTimeout):
		d.cmd.Process.Kill()
		d.t.Fatalf("libsignal driver: no answer to %s within %v\nstderr: %s", cmd, libsignalCallTimeout, d.stderr)
	}
	var status struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(got, &status); err != nil {
		d.t.Fatalf("libsignal driver: answer to %s: %v: %q", cmd, err, got)
	}
	if !status.OK {
		return fmt.Errorf("%w: %s: %s", errLibsignal, cmd, status.Error)
	}
	if resp != nil {
		if err := json.Unmarshal(got, resp); err != nil {
			d.t.Fatalf("libsignal driver: answer to %s: %v: %q", cmd, err, got)
		}
	}
	return nil
}

// call is try for requests that must succeed.
func (d *libsignalDriver) call(cmd string, args map[string]any, resp any) {
	d.t.Helper()
	if err := d.try(cmd, args, resp); err != nil {
		d.t.Fatal(err)
	}
}

// Answers of the driver; []byte fields travel as base64.
type (
	lsIdentity struct {
		IdentityKey []byte `json:"identityKey"`
	}
	lsPreKey struct {
		ID        uint32 `json:"id"`
		PublicKey []byte `json:"publicKey"`
		Signature []byte `json:"signature"`
	}
	lsBundle struct {
		RegistrationID        uint32  `json:"registrationId"`
		DeviceID              uint32  `json:"deviceId"`
		IdentityKey           []byte  `json:"identityKey"`
		PreKeyID              *uint32 `json:"preKeyId,omitempty"`
		PreKey                []byte  `json:"preKey,omitempty"`
		SignedPreKeyID        uint32  `json:"signedPreKeyId"`
		SignedPreKey          []byte  `json:"signedPreKey"`
		SignedPreKeySignature []byte  `json:"signedPreKeySignature"`
		KyberPreKeyID         uint32  `json:"kyberPreKeyId"`
		KyberPreKey           []byte  `json:"kyberPreKey"`
		KyberPreKeySignature  []byte  `json:"kyberPreKeySignature"`
	}
	lsCiphertext struct {
		Type           MessageType `json:"type"`
		Body           []byte      `json:"body"`
		Version        uint8       `json:"version"`
		RegistrationID uint32      `json:"registrationId"`
		PreKeyID       *uint32     `json:"preKeyId"`
		SignedPreKeyID uint32      `json:"signedPreKeyId"`
		Counter        uint32      `json:"counter"`
		Ciphertext     []byte      `json:"ciphertext"`
		PQRatchet      []byte      `json:"pqRatchet"`
	}
	lsFingerprint struct {
		Display   string `json:"display"`
		Scannable []byte `json:"scannable"`
	}
	lsBench struct {
		N            int     `json:"n"`
		Size         int     `json:"size"`
		TotalNs      float64 `json:"totalNs"`
		NsPerMessage float64 `json:"nsPerMessage"`
	}
)

// newIdentity makes a libsignal party called name and returns its
// serialized identity key.
func (d *libsignalDriver) newIdentity(name string) []byte {
	d.t.Helper()
	var r lsIdentity
	d.call("newIdentity", map[string]any{"name": name}, &r)
	return r.IdentityKey
}

// fullBundle gives party name a signed prekey, a Kyber prekey and a
// one-time prekey, and returns its bundle.
func (d *libsignalDriver) fullBundle(name string) lsBundle {
	d.t.Helper()
	d.call("signedPreKey", map[string]any{"name": name, "id": 7}, nil)
	d.call("kyberPreKey", map[string]any{"name": name, "id": 9}, nil)
	d.call("preKey", map[string]any{"name": name, "id": 3}, nil)
	var b lsBundle
	d.call("bundle", map[string]any{"name": name}, &b)
	return b
}

// TestLibsignalDriverRefusesUnknownCommand checks that the harness itself
// reports the driver's errors instead of hanging or passing them silently.
func TestLibsignalDriverRefusesUnknownCommand(t *testing.T) {
	d := startLibsignal(t)
	err := d.try("noSuchCommand", nil, nil)
	if !errors.Is(err, errLibsignal) || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: got %v, want the driver's error", err)
	}
	var v lsIdentity
	d.call("newIdentity", map[string]any{"name": "alice"}, &v)
	if len(v.IdentityKey) != 33 || v.IdentityKey[0] != 0x05 {
		t.Fatalf("identity key %x: want 0x05 || 32 bytes", v.IdentityKey)
	}
}
