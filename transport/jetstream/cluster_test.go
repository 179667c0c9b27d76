package jetstream_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ratchat/internal/natstest"
	"ratchat/keys"
	"ratchat/transport"
	"ratchat/transport/jetstream"
)

// The cluster test's shape: what streams, and when things die.
const (
	clusterEnvelopes  = 10_000
	clusterOwners     = 20
	clusterDepositors = 4 // per front end
	killNATSAt        = clusterEnvelopes / 4
	killFrontAt       = clusterEnvelopes / 2
	clusterDeadline   = 4 * time.Minute
	clusterOpTimeout  = 30 * time.Second
	liveGrace         = 15 * time.Second // after the last deposit, for live deliveries before a catch-up read
	maxAttempts       = 200              // per deposit, and per owner reconnection
)

// clusterToken is the contact token every owner registers.
var clusterToken = transport.Token{0xc1, 0x05, 0x7e, 0x12}

// frontEnd is a relay front end: a transport.Server on the JetStream
// backend, on a loopback port.
type frontEnd struct {
	srv  *transport.Server
	addr string
	dead atomic.Bool
}

// startFront opens a JetStream backend on urls (R3) and serves it.
func startFront(t *testing.T, urls []string, name string) *frontEnd {
	t.Helper()
	lim := transport.DefaultLimits(transport.RelayMode)
	lim.MaxConnsPerAddr, lim.RegisterBurst, lim.DepositBurst, lim.BundleBurst, lim.TargetBundleBurst = -1, -1, -1, -1, -1
	ctx, cancel := context.WithTimeout(context.Background(), clusterOpTimeout)
	defer cancel()
	log := slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})).With("front", name)
	b, err := jetstream.Open(ctx, jetstream.Config{URLs: urls, Name: name, Replicas: 3, Partitions: 16,
		Retention: lim.Retention, Limits: lim.MailboxOptions(), Logger: log})
	if err != nil {
		t.Fatalf("front end %s: %v", name, err)
	}
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, Backend: b, Limits: lim, Logger: log})
	if err != nil {
		b.Close()
		t.Fatalf("front end %s: %v", name, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	go srv.Serve(l)
	f := &frontEnd{srv: srv, addr: l.Addr().String()}
	t.Cleanup(f.kill)
	return f
}

// logWriter writes a front end's warnings and errors to the test's log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// kill stops the front end at once: its listener and every connection
// close, in-flight requests get no answer.
func (f *frontEnd) kill() {
	f.dead.Store(true)
	f.srv.Close()
}

// clusterRun is the shared state of one run: who received what.
type clusterRun struct {
	t      *testing.T
	fronts []*frontEnd
	home   keys.PublicKey
	ctx    context.Context

	mu        sync.Mutex
	byContent map[uint32]map[uint64]bool // envelope number → relay ids it was delivered under
	relayIDs  map[uint64]uint32          // relay id → envelope number
	redeliver int                        // deliveries of a relay id already seen (the owner acks again)
	retried   map[uint32]bool            // envelopes deposited again after an error
	stored    map[uint32]uint64          // envelope number → the relay id its deposit was answered with
	unique    int
	marks     map[int]chan struct{} // closed when unique reaches the key
	allIn     chan struct{}
}

// alive returns a front end that is not dead, preferring i.
func (r *clusterRun) alive(i int) int {
	if !r.fronts[i].dead.Load() {
		return i
	}
	return 1 - i
}

// received records a delivery of envelope n under relay id.
func (r *clusterRun) received(n uint32, id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.relayIDs[id]; ok {
		if prev != n {
			r.t.Errorf("relay id %d delivered envelope %d and envelope %d", id, prev, n)
		}
		r.redeliver++
		return
	}
	r.relayIDs[id] = n
	ids := r.byContent[n]
	if ids == nil {
		ids = map[uint64]bool{}
		r.byContent[n] = ids
		r.unique++
		if ch, ok := r.marks[r.unique]; ok {
			close(ch)
		}
		if r.unique == clusterEnvelopes {
			close(r.allIn)
		}
	}
	ids[id] = true
}

// TestClusterKills: 3 NATS nodes (R3) and 2 relay front ends; owners on
// both, depositors on both, 10,000 envelopes streaming. A quarter of the
// way, the JetStream meta leader's node is killed; half way, front end 1
// is killed, and its owners and depositors move to front end 0. Every
// envelope reaches its owner (counted by a number inside the sealed
// envelope), each stored once, also when its depositor sent it again
// after an error; a relay id delivered again after a front end died is the
// at-least-once redelivery of an envelope whose ack was lost with it,
// which the owner acks again.
func TestClusterKills(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-node NATS cluster and 10,000 envelopes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterDeadline)
	defer cancel()
	cluster := natstest.Start(t, 3)
	fronts := []*frontEnd{startFront(t, cluster.URLs(), "fe0"), startFront(t, cluster.URLs(), "fe1")}
	if fronts[0].srv.Identity() != fronts[1].srv.Identity() {
		t.Fatal("the two front ends present different home identities")
	}
	r := &clusterRun{t: t, fronts: fronts, home: fronts[0].srv.Identity(), ctx: ctx,
		byContent: map[uint32]map[uint64]bool{}, relayIDs: map[uint64]uint32{}, stored: map[uint32]uint64{},
		retried: map[uint32]bool{},
		marks:   map[int]chan struct{}{killNATSAt: make(chan struct{}), killFrontAt: make(chan struct{})},
		allIn:   make(chan struct{})}
	owners := make([]*keys.KeyPair, clusterOwners)
	for i := range owners {
		owners[i] = clusterIdentity(t, 1+i)
	}
	envs := sealAll(t, owners)

	var wg, deps sync.WaitGroup
	stop, catchUp := make(chan struct{}), make(chan struct{})
	ready := make(chan struct{}, clusterOwners)
	for i, o := range owners {
		wg.Go(func() { r.runOwner(o, i%2, ready, catchUp, stop) })
	}
	for range owners {
		select {
		case <-ready:
		case <-ctx.Done():
			t.Fatal("owners did not connect in time")
		}
	}
	work := make(chan int, clusterEnvelopes)
	for k := range clusterEnvelopes {
		work <- k
	}
	close(work)
	for f := range 2 {
		for range clusterDepositors {
			deps.Go(func() { r.runDepositor(f, work, owners, envs) })
		}
	}
	depositsDone := make(chan struct{})
	go func() { deps.Wait(); close(depositsDone) }()

	for _, step := range []struct {
		at   int
		what string
		do   func()
	}{
		{killNATSAt, "kill the NATS meta leader", func() { cluster.Kill(max(0, cluster.Leader())) }},
		{killFrontAt, "kill front end 1", fronts[1].kill},
	} {
		select {
		case <-r.marks[step.at]:
			t.Logf("%d envelopes in: %s", step.at, step.what)
			step.do()
		case <-ctx.Done():
			r.fail("before: " + step.what)
		}
	}
	r.waitAll(depositsDone, catchUp)
	// A depositor may still be sending again an envelope delivered
	// already (its first answer lost with front end 1): that retry must
	// be answered too, and stored once (check).
	select {
	case <-depositsDone:
	case <-ctx.Done():
		r.fail("waiting for the depositors' last retries")
	}
	close(stop)
	wg.Wait()
	r.check()
}

// waitAll waits until every envelope is delivered. Once every deposit
// has been answered, live deliveries get liveGrace; then the owners
// reconnect once (a catch-up read, as a client coming back does): the
// backend may miss a live offer around a partition move, and the
// envelope then waits, stored, for the owner's next read. How many came
// only that way is logged.
func (r *clusterRun) waitAll(depositsDone <-chan struct{}, catchUp chan struct{}) {
	select {
	case <-r.allIn:
		return
	case <-depositsDone:
	case <-r.ctx.Done():
		r.fail("waiting for the deposits")
	}
	grace := time.NewTimer(liveGrace)
	defer grace.Stop()
	select {
	case <-r.allIn:
		return
	case <-grace.C:
	case <-r.ctx.Done():
		r.fail("waiting for live deliveries")
	}
	r.mu.Lock()
	r.t.Logf("%d envelopes not delivered live %v after the last deposit: the owners read again",
		clusterEnvelopes-r.unique, liveGrace)
	r.mu.Unlock()
	close(catchUp)
	select {
	case <-r.allIn:
	case <-r.ctx.Done():
		r.fail("waiting for the catch-up read")
	}
}

// fail stops the test, saying how far it got and (up to 20) which
// envelopes are missing, with the relay id each was stored under.
func (r *clusterRun) fail(when string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var missing []string
	for n := range uint32(clusterEnvelopes) {
		if len(r.byContent[n]) == 0 && len(missing) < 20 {
			id, ok := r.stored[n]
			missing = append(missing, fmt.Sprintf("%d (owner %d, stored %v as %d)", n, n%clusterOwners, ok, id))
		}
	}
	r.t.Fatalf("deadline %s: %d of %d envelopes delivered; missing: %s", when, r.unique, clusterEnvelopes,
		strings.Join(missing, ", "))
}

// check asserts that every envelope arrived under exactly one relay id:
// also one its depositor sent again after an error (its answer lost with
// a dying front end) is stored once, the backend deduplicating the same
// bytes to the same mailbox (Nats-Msg-Id).
func (r *clusterRun) check() {
	r.mu.Lock()
	defer r.mu.Unlock()
	twice := 0
	for n := range uint32(clusterEnvelopes) {
		switch ids := r.byContent[n]; {
		case len(ids) == 0:
			r.t.Errorf("envelope %d lost", n)
		case len(ids) > 1:
			twice++
			if twice <= 10 {
				r.t.Errorf("envelope %d stored %d times (relay ids %v), deposited again: %v", n, len(ids), ids, r.retried[n])
			}
		}
	}
	if twice > 0 {
		r.t.Errorf("%d envelopes stored more than once", twice)
	}
	r.t.Logf("%d envelopes; %d redeliveries of an unacknowledged relay id; %d deposits sent again after an error",
		r.unique, r.redeliver, len(r.retried))
}

// runOwner keeps owner connected to front end f (the other one once f
// is dead), receiving and acknowledging, until stop.
func (r *clusterRun) runOwner(owner *keys.KeyPair, f int, ready chan<- struct{}, catchUp, stop <-chan struct{}) {
	first := true
	for range maxAttempts {
		if r.ctx.Err() != nil {
			return // the test has failed already
		}
		f = r.alive(f)
		c, err := r.dialOwner(owner, f, first)
		if err != nil {
			if first {
				r.t.Errorf("owner: %v", err)
				ready <- struct{}{}
				return
			}
			continue // its front end died meanwhile: the next try takes the other
		}
		if first {
			ready <- struct{}{}
			first = false
		}
		switch r.receive(owner, c, catchUp, stop) {
		case endStop:
			return
		case endCatchUp:
			catchUp = nil // once
		}
	}
	r.t.Errorf("owner %s: gave up after %d connections", owner.Public, maxAttempts)
}

// dialOwner connects owner to front end f and asks for its mailbox (on
// the first connection registering the contact token first).
func (r *clusterRun) dialOwner(owner *keys.KeyPair, f int, first bool) (*transport.Conn, error) {
	ctx, cancel := context.WithTimeout(r.ctx, clusterOpTimeout)
	defer cancel()
	c, err := transport.Dial(ctx, r.fronts[f].addr, owner, transport.ClientOptions{HomeIdentity: &r.home,
		KeepAlive: -1, Deliveries: 256})
	if err != nil {
		return nil, err
	}
	if first {
		err = c.AddTokens(ctx, []transport.TokenEntry{{Kind: transport.TokenContact, Token: clusterToken}})
	}
	if err == nil {
		err = c.Fetch(ctx)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// How [clusterRun.receive] ended.
const (
	endLost    = iota // the connection ended
	endCatchUp        // the test asked for a catch-up read
	endStop           // the test is over
)

// receive records and acknowledges owner's deliveries on c until stop,
// catchUp or the connection's end, and says which.
func (r *clusterRun) receive(owner *keys.KeyPair, c *transport.Conn, catchUp, stop <-chan struct{}) int {
	defer c.Close()
	var batch []uint64
	for {
		select {
		case <-stop:
			return endStop
		case <-catchUp:
			return endCatchUp
		case d, ok := <-c.Deliveries():
			if !ok {
				return endLost
			}
			opened, err := transport.OpenEnvelope(owner, d.Envelope)
			if err != nil || len(opened.Message) < 4 {
				r.t.Errorf("relay id %d: %v", d.ID, err)
				continue
			}
			r.received(binary.BigEndian.Uint32(opened.Message), d.ID)
			batch = append(batch, d.ID)
			if len(c.Deliveries()) == 0 || len(batch) >= 64 {
				ctx, cancel := context.WithTimeout(r.ctx, clusterOpTimeout)
				c.Ack(ctx, batch...) // lost with a dying front end: then redelivered
				cancel()
				batch = batch[:0]
			}
		}
	}
}

// runDepositor deposits the envelopes it takes from work through front
// end f, moving to the other when f dies. A deposit that failed is sent
// again, the same bytes: if the first try was stored after all, the
// backend's deduplication (Nats-Msg-Id) keeps it stored once.
func (r *clusterRun) runDepositor(f int, work <-chan int, owners []*keys.KeyPair, envs [][]byte) {
	var c *transport.Conn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for k := range work {
		to := owners[k%len(owners)].Public
		var err error
		for attempt := 0; ; attempt++ {
			if attempt == maxAttempts || r.ctx.Err() != nil {
				r.t.Errorf("envelope %d: not stored after %d attempts: %v", k, attempt, err)
				return
			}
			if attempt > 0 {
				r.mu.Lock()
				r.retried[uint32(k)] = true
				r.mu.Unlock()
				backoff(r.ctx, attempt)
			}
			if c == nil {
				f = r.alive(f)
				if c, err = transport.DialAnonymous(r.ctx, r.fronts[f].addr, transport.ClientOptions{KeepAlive: -1}); err != nil {
					c = nil
					continue
				}
			}
			ctx, cancel := context.WithTimeout(r.ctx, clusterOpTimeout)
			var id uint64
			id, err = c.Deposit(ctx, to, clusterToken, envs[k])
			cancel()
			if err == nil {
				r.mu.Lock()
				r.stored[uint32(k)] = id
				r.mu.Unlock()
				break
			}
			if c.Err() != nil { // the connection is gone: dial again (else a refusal: try again)
				c.Close()
				c = nil
			}
		}
	}
}

// backoff waits before a deposit is sent again: a client's retry policy
// (a JetStream leader election takes a second or two), bounded by the
// test's deadline, not a wait for a state the test could observe.
func backoff(ctx context.Context, attempt int) {
	d := min(time.Duration(attempt)*20*time.Millisecond, 500*time.Millisecond)
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// sealAll seals envelope k (its number in the first 4 bytes, about 200
// bytes in all) to owner k mod len(owners), from one depositor identity.
func sealAll(t *testing.T, owners []*keys.KeyPair) [][]byte {
	t.Helper()
	sealer := transport.NewSealer(clusterIdentity(t, 250))
	rng := rand.NewChaCha8([32]byte{7})
	envs := make([][]byte, clusterEnvelopes)
	for k := range envs {
		msg := make([]byte, 200)
		binary.BigEndian.PutUint32(msg, uint32(k))
		env, err := sealer.Seal(rng, owners[k%len(owners)].Public, transport.TypeSignal, msg)
		if err != nil {
			t.Fatal(err)
		}
		envs[k] = env
	}
	return envs
}

// clusterIdentity is a deterministic identity.
func clusterIdentity(t *testing.T, i int) *keys.KeyPair {
	t.Helper()
	var seed keys.PrivateKey
	seed[1], seed[2] = byte(i), 0xc7
	kp, err := keys.NewKeyPair(seed)
	if err != nil {
		t.Fatal(err)
	}
	return &kp
}
