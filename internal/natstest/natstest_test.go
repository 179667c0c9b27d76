package natstest

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

// TestSingle: one node runs JetStream unclustered; a file stream stores
// what is published, and keeps it across a restart on the same folder
// and port.
func TestSingle(t *testing.T) {
	c := Single(t)
	if c.Len() != 1 || c.Server(0).JetStreamIsClustered() || !c.Server(0).JetStreamEnabled() {
		t.Fatalf("single node: len %d, clustered %v", c.Len(), c.Server(0).JetStreamIsClustered())
	}
	url := c.URLs()[0]
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		t.Fatalf("URL %q is not on loopback", url)
	}
	js := Connect(t, c.URLs()...)
	if _, err := js.CreateStream(ctx(t, 10*time.Second), jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := js.Publish(ctx(t, 10*time.Second), "s.x", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c.Kill(0)
	if c.Server(0) != nil {
		t.Fatal("a killed node still has a server")
	}
	c.Restart(0)
	if got := c.URLs()[0]; got != url {
		t.Fatalf("restarted on %s, was %s", got, url)
	}
	js = Connect(t, c.URLs()...)
	s, err := js.Stream(ctx(t, 10*time.Second), "S")
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CachedInfo().State.Msgs; n != 10 {
		t.Fatalf("%d messages after a restart, want 10", n)
	}
}

// TestClusterR3SurvivesKill: three nodes form a cluster (each routed to
// the other two, one JetStream leader); a stream with 3 replicas takes
// publishes while one node is down (its leader, the hardest case), and
// the restarted node catches up: nothing acknowledged is lost.
func TestClusterR3SurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	c := Start(t, 3)
	for i := range 3 {
		if s := c.Server(i); !s.JetStreamIsClustered() || s.NumRoutes() < 2 {
			t.Fatalf("node %d: clustered %v, %d routes", i, s.JetStreamIsClustered(), s.NumRoutes())
		}
	}
	if c.Leader() < 0 {
		t.Fatal("no leader after Start")
	}
	js := Connect(t, c.URLs()...)
	if _, err := js.CreateStream(ctx(t, 20*time.Second), jetstream.StreamConfig{Name: "R", Subjects: []string{"r.>"},
		Storage: jetstream.FileStorage, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	publish := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			// Asked again (each try bounded: a publish reaching a
			// stream with no leader gets no answer) while the stream
			// elects a new leader; Nats-Msg-Id keeps it stored once.
			var err error
			for range 30 {
				_, err = js.Publish(ctx(t, 2*time.Second), "r.x", []byte(fmt.Sprint(i)), jetstream.WithMsgID(fmt.Sprint(i)),
					jetstream.WithRetryAttempts(40), jetstream.WithRetryWait(50*time.Millisecond))
				if err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("publish %d: %v", i, err)
			}
		}
	}
	publish(0, 100)
	victim := streamLeader(t, c, "R")
	c.Kill(victim)
	c.WaitLeader()
	publish(100, 200)
	c.Restart(victim)
	publish(200, 300)
	s, err := js.Stream(ctx(t, 20*time.Second), "R")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx(t, 20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 300 || info.State.FirstSeq != 1 || info.State.LastSeq != 300 {
		t.Fatalf("stream state %+v, want 300 messages, 1..300", info.State)
	}
	if info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("cluster info %+v, want a leader and 2 replicas", info.Cluster)
	}
}

// streamLeader returns the index of the node leading stream name.
func streamLeader(t *testing.T, c *Cluster, name string) int {
	t.Helper()
	for i := range c.Len() {
		if s := c.Server(i); s != nil && s.JetStreamIsStreamLeader("$G", name) {
			return i
		}
	}
	t.Fatalf("no node leads stream %s", name)
	return -1
}

// TestNotInBinary: the ratchat binary does not link nats-server (only
// tests import this package).
func TestNotInBinary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goTool, "list", "-deps", "ratchat").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/nats-io/nats-server") || pkg == "ratchat/internal/natstest" {
			t.Errorf("the binary links %s", pkg)
		}
	}
	if !strings.Contains(string(out), "ratchat/transport\n") {
		t.Fatalf("go list -deps ratchat does not list ratchat/transport:\n%s", out)
	}
}
