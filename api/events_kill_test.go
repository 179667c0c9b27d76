package api

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/transport"
)

// envEventsChild turns the test binary into the service of
// TestEventsSurviveKills: it opens the profile in the folder it names,
// serves its socket, prints "ready" and runs until killed.
const envEventsChild = "RATCHAT_TEST_EVENTS_CHILD"

// killPass is the passphrase of the killed service's profile.
var killPass = []byte("correct horse battery")

// TestEventsKillChild is the child process of TestEventsSurviveKills; run
// by itself it does nothing.
func TestEventsKillChild(t *testing.T) {
	dir := os.Getenv(envEventsChild)
	if dir == "" {
		t.Skip("the child of TestEventsSurviveKills")
	}
	m, err := chat.Open(context.Background(), chat.Profile{Dir: dir, Store: []store.Option{cheapKDF}}, killPass)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	s := NewServer(m, Config{})
	if err := s.Listen(); err != nil {
		fmt.Println("listen:", err)
		os.Exit(4)
	}
	fmt.Println("ready")
	select {} // until SIGKILL
}

// service is the child process that owns the profile.
type service struct {
	t     *testing.T
	dir   string
	cmd   *exec.Cmd
	ready chan struct{}
}

// startService starts the child on the profile in dir; ready closes once
// it serves its socket.
func startService(t *testing.T, dir string) *service {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEventsKillChild$")
	cmd.Env = append(os.Environ(), envEventsChild+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &service{t: t, dir: dir, cmd: cmd, ready: make(chan struct{})}
	t.Cleanup(s.kill)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(s.ready)
			} else {
				t.Logf("service: %s", sc.Text())
			}
		}
	}()
	return s
}

// kill sends SIGKILL: no shutdown, no flush, no unlock.
func (s *service) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// dial waits for the service to be ready and connects to it.
func (s *service) dial(ctx context.Context) *Client {
	s.t.Helper()
	select {
	case <-s.ready:
	case <-ctx.Done():
		s.t.Fatal("the service never became ready")
	}
	c, err := Dial(s.dir)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// startTestRelay runs a relay on loopback in this process, with deposit
// limits raised for one sender's 10,000 messages.
func startTestRelay(t *testing.T) string {
	t.Helper()
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: t.TempDir(),
		Limits: transport.Limits{DepositBurst: 1 << 20, DepositEvery: time.Microsecond,
			RequestRate: 1 << 20, RequestBurst: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// firstEvent waits in m's log for an event of type typ and returns it.
func firstEvent(ctx context.Context, t *testing.T, m *chat.Messenger, typ string) chat.LoggedEvent {
	t.Helper()
	var after int64
	for {
		evs, err := m.EventsAfter(ctx, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Type == typ {
				return e
			}
			after = e.Seq
		}
		if err := m.WaitEvents(ctx, after); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
	}
}

// killConsumer reads a service's log as a consumer that may be killed
// between a read and its ack, and checks the cursor: each read starts
// right after the last ack that took effect.
type killConsumer struct {
	t       *testing.T
	cursor  int64               // the last ack known to have taken effect
	pending *EventsReadResult   // a batch whose ack's fate is unknown
	handled []int64             // the sequence numbers handled, in order
	texts   map[string]int      // received texts handled, and how often
	counts  map[string][]string // for failures: types seen
}

// settle resolves the pending batch's ack by where the next read starts.
func (k *killConsumer) settle(first int64) {
	k.t.Helper()
	switch p := k.pending; {
	case p == nil:
		if first != k.cursor+1 {
			k.t.Fatalf("a read starts at %d, the cursor is at %d", first, k.cursor)
		}
	case first == p.Next+1:
		k.handle(p) // its ack took effect before the kill
	case first != k.cursor+1:
		k.t.Fatalf("a read starts at %d: neither after the cursor %d nor after the unconfirmed ack %d", first, k.cursor, p.Next)
	}
	k.pending = nil
}

// handle counts an acknowledged batch as handled.
func (k *killConsumer) handle(r *EventsReadResult) {
	for _, e := range r.Events {
		k.handled = append(k.handled, e.Seq)
		if e.Type == chat.EventReceived {
			k.texts[e.Message.Text]++
		}
	}
	k.cursor = r.Next
}

// TestEventsSurviveKills: Alice sends 10,000 messages over a loopback
// relay to Bob, whose profile is served by a child process SIGKILLed
// three times (twice between a consumer's read and its ack); the
// consumer drops its connection between read and ack every fifth batch.
// At the end it has handled every event exactly once past its acks:
// each read started right after the last ack that took effect, the
// handled sequence numbers are 1, 2, 3 ... without a gap or a repeat,
// and each of Alice's messages was received exactly once.
func TestEventsSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 messages and three kills")
	}
	const total = 10_000
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	relay := startTestRelay(t)
	bobDir := filepath.Join(t.TempDir(), "bob")
	bob, err := chat.Create(ctx, chat.Profile{Dir: bobDir, Relay: relay, Store: []store.Option{cheapKDF}}, "Bob", killPass)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := chat.Create(ctx, chat.Profile{Dir: filepath.Join(t.TempDir(), "alice"), Relay: relay,
		Store: []store.Option{cheapKDF}}, "Alice", killPass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alice.Close() })
	waitOnline(t, bob)
	waitOnline(t, alice)
	invite, _ := bob.Invite()
	ab, err := alice.AddContact(ctx, invite, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	req := firstEvent(ctx, t, bob, chat.EventRequest)
	if err := bob.Accept(ctx, req.Contact); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Send(ctx, req.Contact, "welcome"); err != nil {
		t.Fatal(err)
	}
	firstEvent(ctx, t, alice, chat.EventReceived) // both ways: sessions and tokens are in place
	if err := bob.Close(); err != nil {
		t.Fatal(err)
	}

	svc := startService(t, bobDir)
	sent := make(chan error, 1)
	start := time.Now()
	go func() {
		defer func() { t.Logf("sent in %v", time.Since(start)) }()
		for i := range total {
			if _, err := alice.Send(ctx, ab.ID, fmt.Sprintf("m%05d", i)); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()

	k := &killConsumer{t: t, texts: map[string]int{}}
	killAt := []int{2_000, 5_000, 8_000} // received texts handled when the service is killed
	var c *Client
	var batches, kills int
	for len(k.texts) < total {
		if ctx.Err() != nil {
			t.Fatalf("after %v: %d of %d messages handled, %d kills", 300*time.Second, len(k.texts), total, kills)
		}
		if c == nil {
			c = svc.dial(ctx)
		}
		var r EventsReadResult
		if err := c.Call(ctx, "events.read", EventsReadParams{Consumer: "kill", N: 300, WaitSeconds: 5}, &r); err != nil {
			c.Close()
			c = nil // the service was killed under the read: read again from the new one
			continue
		}
		if len(r.Events) == 0 {
			continue
		}
		k.settle(r.Events[0].Seq)
		for i, e := range r.Events {
			if e.Seq != r.Events[0].Seq+int64(i) {
				t.Fatalf("a batch skips from %d to %d", r.Events[0].Seq, e.Seq)
			}
		}
		batches++
		if kills < len(killAt) && len(k.texts) >= killAt[kills] {
			kills++
			svc.kill() // between the read and its ack (kills 2 and 3 at least)
			svc = startService(t, bobDir)
		}
		if batches%5 == 0 { // the consumer dies before its ack
			c.Close()
			c = nil
			continue
		}
		k.pending = &r
		var ack EventsAckResult
		if err := c.Call(ctx, "events.ack", EventsAckParams{Consumer: "kill", Seq: r.Next}, &ack); err != nil {
			c.Close()
			c = nil
			continue // the fate of the ack is known at the next read
		}
		if ack.Acked != r.Next {
			t.Fatalf("ack %d answered %+v", r.Next, ack)
		}
		k.pending = nil
		k.handle(&r)
	}
	if c != nil {
		c.Close()
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if kills != len(killAt) {
		t.Fatalf("%d kills, want %d", kills, len(killAt))
	}
	for i, seq := range k.handled {
		if seq != int64(i+1) {
			t.Fatalf("handled event %d has seq %d: a gap or a repeat", i, seq)
		}
	}
	var missing []string
	for i := range total {
		text := fmt.Sprintf("m%05d", i)
		if n := k.texts[text]; n != 1 {
			missing = append(missing, fmt.Sprintf("%s×%d", text, n))
		}
	}
	if len(missing) > 0 || len(k.texts) != total {
		t.Fatalf("%d texts handled; not exactly once: %v", len(k.texts), missing[:min(len(missing), 20)])
	}
	t.Logf("%d events handled in %d batches, %d service kills", len(k.handled), batches, kills)
}
