package transport

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// This file keeps a run of [BenchmarkNATSMapping]: the publisher's
// window and latencies, the workers that acknowledge or delete, and when
// the run is over.

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

// newMappingRun returns a run of mapping m, its workers not started.
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

// checkLocked ends the run once every message published is gone
// (r.mu held).
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
