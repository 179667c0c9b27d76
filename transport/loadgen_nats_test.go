package transport

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratchat/internal/natstest"
)

// natsChildEnv holds the number of nodes of a NATS child process.
const natsChildEnv = "RATCHAT_TEST_NATS_CHILD"

// TestNATSChild is not a test: it is the NATS cluster (of as many nodes
// as natsChildEnv says, all in this one process) that the JetStream load
// benchmark runs in a process of its own, by running this test binary
// again, so that the CPU time NATS spends can be told apart. It prints
// "nats URLS", answers "cpu" and "mem" on stdin as [TestRelayChild] does
// ([answerParent]), and stops at the end of stdin.
func TestNATSChild(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(natsChildEnv))
	if n <= 0 {
		t.Skip("runs only as a child process of the load benchmark")
	}
	var c *natstest.Cluster
	if n == 1 {
		c = natstest.Single(t)
	} else {
		c = natstest.Start(t, n)
	}
	defer profileCPU(t, "nats.")()
	fmt.Printf("nats %s\n", c.URL())
	answerParent("nats")
}

// startNATSProc starts a NATS child process of n nodes and returns it
// with the nodes' URLs.
func startNATSProc(tb testing.TB, n int) (*relayProc, []string) {
	tb.Helper()
	p := startChild(tb, "TestNATSChild", natsChildEnv+"="+strconv.Itoa(n))
	f := p.line(tb, "nats")
	if len(f) != 2 {
		tb.Fatalf("nats child said %q", f)
	}
	return p, strings.Split(f[1], ",")
}

// natsRelay starts a NATS child of nodes nodes and fronts relay front
// ends (children too) on it, with replicas, for the load generator.
func natsRelay(tb testing.TB, nodes, fronts, replicas int) loadRelay {
	tb.Helper()
	nats, urls := startNATSProc(tb, nodes)
	procs := make([]*relayProc, fronts)
	relay := loadRelay{nats: func() time.Duration { return nats.cpu(tb) }}
	for i := range procs {
		procs[i] = startRelayProcOn(tb, tb.TempDir(), urls, replicas)
		relay.addrs = append(relay.addrs, procs[i].addr)
		if procs[i].home != procs[0].home {
			tb.Fatal("front ends present different home identities")
		}
	}
	relay.home = procs[0].home
	relay.mem = func() relayMem {
		m := relayMem{NATS: nats.mem(tb)}
		for _, p := range procs {
			m.Fronts = m.Fronts.add(p.mem(tb))
		}
		return m
	}
	relay.cpu = func() time.Duration {
		total := nats.cpu(tb)
		for _, p := range procs {
			total += p.cpu(tb)
		}
		return total
	}
	return relay
}

// BenchmarkRelayLoadNATS is [BenchmarkRelayLoad] on the JetStream
// backend: one front end on one NATS node, and two front ends on a
// 3-node cluster with 3 replicas; NATS and each front end run in
// processes of their own. relay-cpu-us/env counts the front ends and
// NATS together, nats-cpu-us/env NATS alone.
func BenchmarkRelayLoadNATS(b *testing.B) {
	for _, v := range []struct{ nodes, fronts, replicas int }{{1, 1, 1}, {3, 2, 3}} {
		for _, c := range []struct {
			clients int
			rate    float64
		}{{1000, 0}, {1000, 3000}} {
			rate := "max"
			if c.rate > 0 {
				rate = strconv.Itoa(int(c.rate))
			}
			name := fmt.Sprintf("nodes=%d/fronts=%d/clients=%d/rate=%s", v.nodes, v.fronts, c.clients, rate)
			b.Run(name, func(b *testing.B) {
				relay := natsRelay(b, v.nodes, v.fronts, v.replicas)
				reportLoad(b, runRelayLoad(b, relay, c.clients, max(1, b.N/c.clients), c.rate))
			})
		}
	}
}

// TestRelayLoadNATSSmall runs the JetStream load briefly, two front ends
// on a 3-node cluster: nothing lost, nothing duplicated.
func TestRelayLoadNATSSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts NATS and relay processes")
	}
	r := runRelayLoad(t, natsRelay(t, 3, 2, 3), 20, 10, 0)
	t.Logf("%d envelopes, %.0f/s, p50 %v, p99 %v", r.Envelopes, r.PerSecond(), r.P50, r.P99)
}
