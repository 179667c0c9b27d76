package transport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The workload of BenchmarkNATSMapping: the JetStream backend's stream
// (transport/jetstream: store.go, part.go) without the relay.
const (
	mapStream     = "MAPBENCH"
	mapPartitions = 64
	mapOwners     = 1000
	mapEnvSize    = 1024 // an envelope's body
	mapEnvFrame   = 8    // what a segment adds per envelope: its owner and length
	mapWindow     = 256  // envelopes whose PubAcks the publisher awaits at once, as the writer's group commit
	mapAckers     = 64   // goroutines acknowledging to the consumers
	mapDeleters   = 16   // goroutines sending DeleteMsg requests
	mapTimeout    = 2 * time.Minute
)

// natsMapping is one way of laying a relay's envelopes out on a stream.
type natsMapping struct {
	name   string
	per    int  // envelopes per stream message: 1 is one message per envelope on mbox.<p>.<owner>
	limits bool // Limits retention, each message deleted by DeleteMsg; else a work queue read by partition consumers
}

// natsMappings lists the mappings measured: today's, and segments of 8,
// 32 and 128 envelopes on mbox.<p>, deleted by ack or by API request.
func natsMappings() []natsMapping {
	ms := []natsMapping{{name: "envelope", per: 1}}
	for _, n := range []int{8, 32, 128} {
		ms = append(ms, natsMapping{fmt.Sprintf("segment-%d-wq", n), n, false},
			natsMapping{fmt.Sprintf("segment-%d-limits", n), n, true})
	}
	return ms
}

// streamConfig is the mapping's stream: the backend's settings, with
// per-subject limits only where a subject is a mailbox.
func (m natsMapping) streamConfig(replicas int) jetstream.StreamConfig {
	sc := jetstream.StreamConfig{
		Name: mapStream, Subjects: []string{"mbox.*"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Replicas: replicas,
		MaxAge: 30 * 24 * time.Hour, Discard: jetstream.DiscardNew,
		Duplicates: 2 * time.Minute, AllowDirect: true, AllowMsgTTL: true, MaxMsgSize: -1, MaxBytes: -1,
	}
	if m.per == 1 {
		sc.Subjects = []string{"mbox.*.*"}
		sc.MaxMsgsPerSubject, sc.DiscardNewPerSubject = 1000, true
	}
	if m.limits {
		sc.Retention = jetstream.LimitsPolicy
	}
	return sc
}

// consumerConfig is partition p's consumer, as the backend's
// (consumerConfig in transport/jetstream/part.go).
func (m natsMapping) consumerConfig(p, replicas int) jetstream.ConsumerConfig {
	filter := "mbox." + strconv.Itoa(p)
	if m.per == 1 {
		filter += ".*"
	}
	return jetstream.ConsumerConfig{
		Durable: "p" + strconv.Itoa(p), FilterSubject: filter,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: 31 * 24 * time.Hour,
		MaxDeliver: -1, MaxAckPending: -1, HeadersOnly: true, MemoryStorage: true, Replicas: replicas,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}

// setup makes the stream and, on a work queue, its partition consumers,
// and starts the workers that acknowledge or delete.
func (r *mappingRun) setup(tb testing.TB, js jetstream.JetStream, replicas int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mapTimeout)
	defer cancel()
	if err := js.DeleteStream(ctx, mapStream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		tb.Fatalf("deleting the last run's stream: %v", err)
	}
	var err error
	if r.stream, err = js.CreateStream(ctx, r.m.streamConfig(replicas)); err != nil {
		tb.Fatalf("creating stream: %v", err)
	}
	tb.Cleanup(func() { r.stop(); r.wg.Wait() })
	if r.m.limits {
		work(r, mapDeleters, r.del, func(ctx context.Context, seq uint64) error { return r.stream.DeleteMsg(ctx, seq) })
		return
	}
	work(r, mapAckers, r.acks, func(ctx context.Context, m jetstream.Msg) error { return m.DoubleAck(ctx) })
	for p := range mapPartitions {
		cons, err := r.stream.CreateOrUpdateConsumer(ctx, r.m.consumerConfig(p, replicas))
		if err != nil {
			tb.Fatalf("creating consumer %d: %v", p, err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) { r.acks <- m }, jetstream.PullMaxMessages(4096),
			jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
				r.mu.Lock()
				r.consumeErrs[err.Error()]++
				r.mu.Unlock()
			}))
		if err != nil {
			tb.Fatalf("consuming partition %d: %v", p, err)
		}
		tb.Cleanup(cc.Stop)
	}
}

// BenchmarkNATSMapping measures what NATS JetStream spends per envelope
// on other mappings of mailboxes to a stream than the backend's: today's
// (one message per envelope, consumed by partition consumers), and
// segments of 8, 32 or 128 envelopes per message on mbox.<partition>,
// removed by one ack each (work queue) or by one DeleteMsg request each
// right after its PubAck (Limits retention, no consumer). NATS runs in a
// child process ([TestNATSChild]): nats-cpu-us/env is its CPU time over
// the run per envelope; pub-p99-ms is the p99 PubAck latency of the
// stream messages (a segment's, not its envelopes' wait to fill it).
// b.N counts envelopes; a run ends when every message is gone again.
func BenchmarkNATSMapping(b *testing.B) {
	for _, nodes := range []int{1, 3} {
		for _, m := range natsMappings() {
			b.Run(fmt.Sprintf("nodes=%d/%s", nodes, m.name), func(b *testing.B) {
				proc, urls := startNATSProc(b, nodes)
				res := runMapping(b, proc, urls, nodes, m, b.Loop)
				b.ReportMetric(float64(res.envs)/res.wall.Seconds(), "env/s")
				b.ReportMetric(float64(res.cpu.Microseconds())/float64(res.envs), "nats-cpu-us/env")
				b.ReportMetric(float64(res.p99.Microseconds())/1000, "pub-p99-ms")
				b.ReportMetric(float64(res.msgs), "msgs")
			})
		}
	}
}

// TestNATSMappingSmall runs every mapping of [BenchmarkNATSMapping]
// briefly on one NATS node: each message is acknowledged once, and
// removed by its ack or its delete.
func TestNATSMappingSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS process")
	}
	proc, urls := startNATSProc(t, 1)
	for _, m := range natsMappings() {
		t.Run(m.name, func(t *testing.T) {
			const envs = 1000
			n := 0
			res := runMapping(t, proc, urls, 1, m, func() bool { n++; return n <= envs })
			if want := (envs + m.per - 1) / m.per; res.envs != envs || res.msgs != want {
				t.Errorf("%d envelopes in %d messages, want %d in %d", res.envs, res.msgs, envs, want)
			}
		})
	}
}

// mappingResult is what a run of one mapping measured.
type mappingResult struct {
	envs, msgs int           // envelopes and stream messages published
	wall, cpu  time.Duration // the run's time, and NATS's CPU time over it
	p99        time.Duration // of the PubAcks
}

// runMapping publishes envelopes in mapping m while next says so, on
// the NATS child proc at urls (replicas as given), and waits until every
// message published is acknowledged or deleted. It makes the stream
// afresh.
func runMapping(tb testing.TB, proc *relayProc, urls []string, replicas int, m natsMapping, next func() bool) mappingResult {
	tb.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	r := newMappingRun(m)
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(mapTimeout),
		jetstream.WithPublishAsyncMaxPending(2*cap(r.window)), jetstream.WithPublishAsyncTimeout(mapTimeout),
		jetstream.WithPublishAsyncAckHandler(r.pubAck), jetstream.WithPublishAsyncErrHandler(r.pubErr))
	if err != nil {
		tb.Fatal(err)
	}
	r.setup(tb, js, replicas)
	body := make([]byte, m.per*(mapEnvSize+mapEnvFrame))
	if m.per == 1 {
		body = body[:mapEnvSize]
	}
	for i := range body {
		body[i] = byte(i * 7) // content does not matter: NATS does not compress
	}
	r.warmUp(tb, js, body)
	cpu0, t0 := proc.cpu(tb), time.Now()
	res := mappingResult{}
	for next() {
		res.envs++
		switch {
		case m.per == 1:
			owner := res.envs % mapOwners
			r.publish(js, fmt.Sprintf("mbox.%d.%d", owner%mapPartitions, owner), body, res.msgs)
			res.msgs++
		case res.envs%m.per == 0:
			r.publish(js, "mbox."+strconv.Itoa(res.msgs%mapPartitions), body, res.msgs)
			res.msgs++
		}
	}
	if rest := res.envs % m.per; rest != 0 {
		r.publish(js, "mbox."+strconv.Itoa(res.msgs%mapPartitions), body[:rest*(mapEnvSize+mapEnvFrame)], res.msgs)
		res.msgs++
	}
	r.published(res.msgs)
	r.wait(tb)
	res.wall, res.cpu = time.Since(t0), proc.cpu(tb)-cpu0
	res.p99 = r.p99(tb, res.msgs)
	r.mu.Lock()
	for e, n := range r.consumeErrs {
		tb.Logf("consumers reported (warm-up included) %d times: %s", n, e)
	}
	r.mu.Unlock()
	return res
}

// warmUp publishes one message per partition and waits until each is
// removed: every partition is served once it returns.
//
// Why: a consumer just made in a cluster may have its first pull refused
// (no responders, before every node knows its leader) and pull again only
// once it misses a heartbeat, half a minute later. That would be
// counted in the run.
func (r *mappingRun) warmUp(tb testing.TB, js jetstream.JetStream, body []byte) {
	tb.Helper()
	for p := range mapPartitions {
		subject := "mbox." + strconv.Itoa(p)
		if r.m.per == 1 {
			subject += "." + strconv.Itoa(p) // owner p is in partition p
		}
		r.publish(js, subject, body, -1-p)
	}
	r.published(mapPartitions)
	r.wait(tb)
	r.again(tb)
}
