package transport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// mappingRun is one run of BenchmarkNATSMapping: what was published,
// and what has been removed again.
type mappingRun struct {
	m           natsMapping
	window      chan struct{}      // a slot per stream message awaiting its PubAck
	acks        chan jetstream.Msg // delivered messages to acknowledge (work queue)
	del         chan uint64        // stored messages to delete (limits)
	stream      jetstream.Stream   // set before the first publish
	ctx         context.Context    // ends the workers
	stop        context.CancelFunc // ends ctx
	wg          sync.WaitGroup     // the workers
	mu          sync.Mutex         // guards what follows
	sentAt      map[*nats.Msg]time.Time
	consumeErrs map[string]int  // what the consumers reported, counted
	lat         []time.Duration // PubAck latency per stream message
	gone        int             // messages acknowledged or deleted
	want        int             // messages published; -1 while publishing
	err         error           // the first failure
	ended       bool            // done is closed
	done        chan struct{}   // closed when want messages are gone, or on a failure
}

func newMappingRun(m natsMapping) *mappingRun {
	r := &mappingRun{m: m, window: make(chan struct{}, max(1, mapWindow/m.per)),
		acks: make(chan jetstream.Msg, 1<<16), del: make(chan uint64, 1<<16),
		sentAt: make(map[*nats.Msg]time.Time), consumeErrs: make(map[string]int), want: -1, done: make(chan struct{})}
	r.ctx, r.stop = context.WithCancel(context.Background())
	return r
}

// fail records the run's first failure and ends it.
func (r *mappingRun) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.endLocked()
	r.mu.Unlock()
}

// removed counts one message acknowledged or deleted.
func (r *mappingRun) removed() {
	r.mu.Lock()
	r.gone++
	r.checkLocked()
	r.mu.Unlock()
}

// published says how many messages were published in all.
func (r *mappingRun) published(n int) {
	r.mu.Lock()
	r.want = n
	r.checkLocked()
	r.mu.Unlock()
}

func (r *mappingRun) checkLocked() {
	if r.want >= 0 && r.gone >= r.want {
		r.endLocked()
	}
}

// endLocked ends the run, or its warm-up round (r.mu held).
func (r *mappingRun) endLocked() {
	if !r.ended {
		r.ended = true
		close(r.done)
	}
}

// again starts the run proper after its warm-up round, which must have
// ended without a failure.
func (r *mappingRun) again(tb testing.TB) {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		tb.Fatal(r.err)
	}
	r.gone, r.want, r.lat, r.ended, r.done = 0, -1, nil, false, make(chan struct{})
}

// endedCh returns the channel closed when the run (or round) ends.
func (r *mappingRun) endedCh() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// pubAck is the publisher's ack handler: it takes the latency, frees a
// slot of the window and, on a limits stream, has the message deleted.
func (r *mappingRun) pubAck(_ jetstream.JetStream, m *nats.Msg, pa *jetstream.PubAck) {
	r.mu.Lock()
	r.lat = append(r.lat, time.Since(r.sentAt[m]))
	delete(r.sentAt, m)
	r.mu.Unlock()
	<-r.window
	if pa.Duplicate {
		r.fail(fmt.Errorf("transport: message %d stored as a duplicate", pa.Sequence))
		return
	}
	if r.m.limits {
		r.del <- pa.Sequence
	}
}

// pubErr is the publisher's error handler.
func (r *mappingRun) pubErr(_ jetstream.JetStream, m *nats.Msg, err error) {
	<-r.window
	r.fail(fmt.Errorf("transport: publishing on %s: %w", m.Subject, err))
}

// publish publishes one stream message once the window has room, and
// notes when it went out; once the run failed, it does nothing.
func (r *mappingRun) publish(js jetstream.JetStream, subject string, body []byte, id int) {
	select {
	case r.window <- struct{}{}:
	case <-r.endedCh():
		return
	}
	m := &nats.Msg{Subject: subject, Data: body, Header: nats.Header{}}
	r.mu.Lock()
	r.sentAt[m] = time.Now()
	r.mu.Unlock()
	// Why retries: a stream just made in a cluster answers once it has
	// elected its leader; until then a publish has no responders.
	_, err := js.PublishMsgAsync(m, jetstream.WithMsgID(strconv.Itoa(id)),
		jetstream.WithExpectStream(mapStream), jetstream.WithStallWait(mapTimeout),
		jetstream.WithRetryAttempts(100), jetstream.WithRetryWait(100*time.Millisecond))
	if err != nil {
		<-r.window
		r.fail(fmt.Errorf("transport: publishing on %s: %w", subject, err))
	}
}

// work runs n workers of do, each taking from its channel until the run
// ends.
func work[T any](r *mappingRun, n int, in <-chan T, do func(context.Context, T) error) {
	for range n {
		r.wg.Go(func() {
			for {
				select {
				case <-r.ctx.Done():
					return
				case v := <-in:
					ctx, cancel := context.WithTimeout(r.ctx, mapTimeout)
					err := do(ctx, v)
					cancel()
					if err != nil {
						r.fail(err)
						continue
					}
					r.removed()
				}
			}
		})
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

// wait waits until the run is over, and fails the test if it failed.
func (r *mappingRun) wait(tb testing.TB) {
	tb.Helper()
	select {
	case <-r.endedCh():
	case <-time.After(mapTimeout):
		r.fail(fmt.Errorf("transport: not every message removed within %v", mapTimeout))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		tb.Fatalf("%v (%d of %d messages removed)", r.err, r.gone, r.want)
	}
}

// p99 returns the 99th percentile of the PubAck latencies, after
// checking there was one for each of msgs messages.
func (r *mappingRun) p99(tb testing.TB, msgs int) time.Duration {
	tb.Helper()
	r.mu.Lock()
	lat := slices.Clone(r.lat)
	r.mu.Unlock()
	if len(lat) != msgs || msgs == 0 {
		tb.Fatalf("%d PubAcks for %d messages", len(lat), msgs)
	}
	slices.Sort(lat)
	return lat[min(len(lat)-1, len(lat)*99/100)]
}
