// Package natstest runs embedded NATS servers with JetStream for tests
// and benchmarks: one node ([Single]) or a cluster with routes ([Start]),
// each on 127.0.0.1 with its file store in a temporary folder, stopped
// when the test ends.
//
// Only test code imports it: it links github.com/nats-io/nats-server/v2,
// which must never reach the ratchat binary (a relay in production talks
// to a NATS cluster run by the operator; see docs/DEPLOY.md).
//
// # Waiting for a leader
//
// A clustered JetStream answers only once its meta group has elected a
// leader, and an embedded server offers no event for that election to a
// caller outside its system account. [Start] and [Cluster.Restart]
// therefore check each node's leader flag on a short ticker, bounded by
// [LeaderTimeout]; everything else here waits on the server's own
// readiness.
package natstest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ReadyTimeout bounds the wait for a node to accept connections.
const ReadyTimeout = 20 * time.Second

// LeaderTimeout bounds the wait for a cluster's JetStream meta leader.
const LeaderTimeout = 30 * time.Second

// leaderTick is how often the leader flags are looked at while waiting.
const leaderTick = 20 * time.Millisecond

// Cluster is one or more embedded NATS nodes with JetStream.
type Cluster struct {
	t     testing.TB
	mu    sync.Mutex
	nodes []*node
}

// node is one server and what it needs to start again as itself.
type node struct {
	opts *server.Options
	srv  *server.Server // nil while killed
}

// Single starts one NATS node with JetStream (not clustered).
func Single(t testing.TB) *Cluster {
	t.Helper()
	return start(t, 1, false)
}

// Start starts an n-node cluster with routes between all nodes and waits
// until JetStream has elected a meta leader.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("natstest: a cluster of %d nodes", n)
	}
	return start(t, n, n > 1)
}

func start(t testing.TB, n int, clustered bool) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	t.Cleanup(c.shutdown)
	ports := freePorts(t, 2*n)
	var routes []string
	for i := range n {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(ports[n+i]))
	}
	base := t.TempDir()
	for i := range n {
		o := &server.Options{
			ServerName:         "n" + strconv.Itoa(i),
			Host:               "127.0.0.1",
			Port:               ports[i],
			JetStream:          true,
			StoreDir:           filepath.Join(base, "n"+strconv.Itoa(i)),
			JetStreamMaxMemory: 1 << 30,
			JetStreamMaxStore:  1 << 40, // a limit, not a reservation: streams reserve their MaxBytes from it
			NoSigs:             true,
			NoLog:              true,
			MaxConn:            10000,
		}
		if clustered {
			o.Cluster = server.ClusterOpts{Name: "natstest", Host: "127.0.0.1", Port: ports[n+i]}
			o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		c.nodes = append(c.nodes, &node{opts: o})
	}
	for i := range c.nodes {
		c.run(i)
	}
	for i := range c.nodes {
		c.ready(i)
	}
	if clustered {
		c.WaitLeader()
	}
	return c
}

// run starts node i's server in the background.
func (c *Cluster) run(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	s, err := server.NewServer(nd.opts.Clone())
	if err != nil {
		c.t.Fatalf("natstest: node %d: %v", i, err)
	}
	go s.Start()
	c.mu.Lock()
	nd.srv = s
	c.mu.Unlock()
}

// ready waits until node i accepts connections.
func (c *Cluster) ready(i int) {
	c.t.Helper()
	if !c.Server(i).ReadyForConnections(ReadyTimeout) {
		c.t.Fatalf("natstest: node %d not ready within %v", i, ReadyTimeout)
	}
}

// URLs returns every node's client URL (nats://127.0.0.1:PORT), killed
// ones included: a client given all of them reconnects to whichever runs.
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		urls[i] = "nats://127.0.0.1:" + strconv.Itoa(nd.opts.Port)
	}
	return urls
}

// URL returns the URLs joined by commas, as `ratchat relay --nats` takes them.
func (c *Cluster) URL() string { return strings.Join(c.URLs(), ",") }

// Dir returns node i's JetStream store folder.
func (c *Cluster) Dir(i int) string { return c.nodes[i].opts.StoreDir }

// Len returns the number of nodes.
func (c *Cluster) Len() int { return len(c.nodes) }

// Server returns node i's server (nil while it is killed).
func (c *Cluster) Server(i int) *server.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i].srv
}

// Kill stops node i at once: its clients and routes are cut, and its
// store stays in its folder for [Cluster.Restart].
func (c *Cluster) Kill(i int) {
	c.t.Helper()
	c.mu.Lock()
	s := c.nodes[i].srv
	c.nodes[i].srv = nil
	c.mu.Unlock()
	if s == nil {
		c.t.Fatalf("natstest: node %d is not running", i)
	}
	s.Shutdown()
	s.WaitForShutdown()
}

// Restart starts node i again on its store folder and ports, and waits
// until it accepts connections and (in a cluster) JetStream has a leader.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	if c.Server(i) != nil {
		c.t.Fatalf("natstest: node %d is running", i)
	}
	c.run(i)
	c.ready(i)
	if len(c.nodes) > 1 {
		c.WaitLeader()
	}
}

// WaitLeader waits until one running node is the JetStream meta leader
// and sees every running node as an online JetStream peer, so that a
// replicated stream can be placed (bounded by [LeaderTimeout]).
func (c *Cluster) WaitLeader() {
	c.t.Helper()
	if i := c.waitLeader(LeaderTimeout); i < 0 {
		c.t.Fatalf("natstest: no JetStream leader within %v", LeaderTimeout)
	}
}

// Leader returns the index of the node that is the JetStream meta leader
// now, or -1 if none is.
func (c *Cluster) Leader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, nd := range c.nodes {
		if nd.srv != nil && nd.srv.JetStreamIsLeader() {
			return i
		}
	}
	return -1
}

// peersOnline reports whether leader i sees every running node as an
// online peer with stats.
func (c *Cluster) peersOnline(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	running := 0
	for _, nd := range c.nodes {
		if nd.srv != nil {
			running++
		}
	}
	s := c.nodes[i].srv
	return s != nil && len(s.JetStreamClusterPeers()) >= running
}

// waitLeader returns the leader's index, or -1 after limit.
func (c *Cluster) waitLeader(limit time.Duration) int {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(leaderTick)
	defer tick.Stop()
	for {
		if i := c.Leader(); i >= 0 && c.peersOnline(i) {
			return i
		}
		select {
		case <-deadline.C:
			return -1
		case <-tick.C:
		}
	}
}

// shutdown stops every running node.
func (c *Cluster) shutdown() {
	c.mu.Lock()
	var running []*server.Server
	for _, nd := range c.nodes {
		if nd.srv != nil {
			running = append(running, nd.srv)
			nd.srv = nil
		}
	}
	c.mu.Unlock()
	for _, s := range running {
		s.Shutdown()
	}
	for _, s := range running {
		s.WaitForShutdown()
	}
}

// freePorts returns n loopback ports that were free a moment ago (all
// held at once, so that they differ).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("natstest: %v", err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// String describes the cluster for logs.
func (c *Cluster) String() string {
	return fmt.Sprintf("natstest cluster of %d (%s)", len(c.nodes), c.URL())
}

// BackendEnv names the environment variable that picks the mailbox
// backend of the relay test kits: "jetstream" runs them on an embedded
// NATS node per test, "" or "sqlite" on SQLite (the default).
const BackendEnv = "RATCHAT_RELAY_BACKEND"

// OnJetStream reports whether [BackendEnv] asks for the JetStream
// backend; an unknown value fails the test (a typo would otherwise run
// the SQLite suite a second time and pass).
func OnJetStream(t testing.TB) bool {
	t.Helper()
	switch v := os.Getenv(BackendEnv); v {
	case "", "sqlite":
		return false
	case "jetstream":
		return true
	default:
		t.Fatalf("natstest: %s=%q: want sqlite or jetstream", BackendEnv, v)
		return false
	}
}

// SkipOnJetStream skips a test that is about the SQLite backend alone
// when the kits run on JetStream, saying why.
func SkipOnJetStream(t testing.TB, why string) {
	t.Helper()
	if OnJetStream(t) {
		t.Skipf("SQLite backend only (%s=jetstream): %s", BackendEnv, why)
	}
}

// byDir holds the node of each data folder, for [ForDir].
var byDir = struct {
	sync.Mutex
	m map[string]*Cluster
}{m: map[string]*Cluster{}}

// ForDir returns the single node that keeps the mailboxes of a home
// whose data folder is dir, starting it on first use: a home restarted
// on the same folder finds its mailboxes, as on SQLite. The node stops
// when the test that started it ends.
func ForDir(t testing.TB, dir string) *Cluster {
	t.Helper()
	byDir.Lock()
	c := byDir.m[dir]
	byDir.Unlock()
	if c != nil {
		return c
	}
	c = Single(t)
	byDir.Lock()
	byDir.m[dir] = c
	byDir.Unlock()
	t.Cleanup(func() {
		byDir.Lock()
		delete(byDir.m, dir)
		byDir.Unlock()
	})
	return c
}

// Connect opens a plain JetStream client on urls (reconnecting forever,
// every 50 ms, as a cluster loses and regains nodes), closed when the
// test ends: for tests that look at or write a stream or bucket below a
// relay's store.
func Connect(t testing.TB, urls ...string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
