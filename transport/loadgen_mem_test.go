package transport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ratchat/keys"
)

// relayMem is the memory of a relay's processes.
type relayMem struct {
	NATS   memSample // the NATS child (zero without NATS)
	Fronts memSample // the relay front ends, summed
}

// Mailbox creation in [runMailboxes].
const (
	// memConcurrency bounds the connections creating mailboxes at once.
	// Why 256: each creation is four round trips, three of them a commit
	// (SQLite's group commit, or a JetStream write): at 64 at a time the
	// 2-core machine idled between commits (SQLite 330-610 mailboxes/s,
	// against 1,230 at 256).
	memConcurrency = 256

	// memOpTimeout bounds each request of one mailbox's creation.
	memOpTimeout = 60 * time.Second

	// memMessage is what each mailbox's one envelope seals: a short text
	// (every message up to 251 bytes gives an envelope of the same size).
	memMessage = "a message waiting for its owner"
)

// mailboxesResult is what runMailboxes measured.
type mailboxesResult struct {
	Create   time.Duration // creating every mailbox, and every visit after
	RelayCPU time.Duration // CPU time the relay's processes used meanwhile (NATS included)
	NATSCPU  time.Duration // of that, NATS's (0 without NATS)
	LoadCPU  time.Duration // CPU time this process used meanwhile
	Mem      relayMem      // with the idle owners connected
}

// runMailboxes creates n mailboxes on relay through its wire protocol,
// memConcurrency connections at a time: owner i (see [loadIdentity])
// connects, authenticates (which registers its mailbox), hands out a
// token, deposits one envelope into its own mailbox with it, fetches and
// acknowledges it, and leaves: a mailbox that has carried a message and
// is empty, as most are. Each owner does that visits times in a row (the
// first creates its mailbox), so that the same traffic can cross few
// mailboxes or many. Then owners 0..idle-1 connect again and fetch,
// each finding nothing; with them connected and idle, it reads the memory
// of the relay's processes.
func runMailboxes(tb testing.TB, relay loadRelay, n, visits, idle int) mailboxesResult {
	tb.Helper()
	env := testEnvelope(tb, loadIdentity(tb, n), loadIdentity(tb, 0).Public, memMessage)
	cpu0, nats0, load0, t0 := relay.cpu(), natsCPU(relay), cpuTime(), time.Now()
	err := forEachOwner(n, func(i int) error {
		for range visits {
			if err := createMailbox(relay, i, env); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	r := mailboxesResult{Create: time.Since(t0), LoadCPU: cpuTime() - load0,
		RelayCPU: relay.cpu() - cpu0, NATSCPU: natsCPU(relay) - nats0}
	conns := make([]*Conn, idle)
	tb.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	err = forEachOwner(idle, func(i int) error {
		c, err := fetchOwnMailbox(relay, i)
		conns[i] = c
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	// What the relay keeps for a while after each deposit (NATS's
	// Nats-Msg-Id window, the holder's deposit ids and ack records: two
	// minutes) is not per mailbox; RATCHAT_TEST_MEM_SETTLE (a duration)
	// waits for it to go before measuring.
	if settle, err := time.ParseDuration(os.Getenv("RATCHAT_TEST_MEM_SETTLE")); err == nil {
		time.Sleep(settle)
	}
	r.Mem = relay.mem()
	return r
}

// natsCPU returns the CPU time relay's NATS has used, 0 without NATS.
func natsCPU(relay loadRelay) time.Duration {
	if relay.nats == nil {
		return 0
	}
	return relay.nats()
}

// forEachOwner calls fn for 0..n-1, memConcurrency at a time, and
// returns the first error (after which no more are started).
func forEachOwner(n int, fn func(i int) error) error {
	var next atomic.Int64
	var failed atomic.Bool
	errs := make(chan error, memConcurrency)
	var wg sync.WaitGroup
	for range min(n, memConcurrency) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && !failed.Load(); i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					failed.Store(true)
					errs <- fmt.Errorf("owner %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs // nil if none
}

// dialLoadOwner connects load owner i, whose identity is id, to its
// front end.
func dialLoadOwner(ctx context.Context, relay loadRelay, i int, id *keys.KeyPair, opts ClientOptions) (*Conn, error) {
	opts.HomeIdentity, opts.KeepAlive = &relay.home, -1
	return Dial(ctx, relay.addrs[i%len(relay.addrs)], id, opts)
}

// createMailbox creates owner i's mailbox with a token, and has one
// envelope (a copy of env, made unique) go through it.
func createMailbox(relay loadRelay, i int, env []byte) error {
	id, err := loadKeyPair(i)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), memOpTimeout)
	defer cancel()
	c, err := dialLoadOwner(ctx, relay, i, id, ClientOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.AddTokens(ctx, []TokenEntry{{TokenContact, testToken}}); err != nil {
		return err
	}
	sent, err := c.Deposit(ctx, id.Public, testToken, uniq(env))
	if err != nil {
		return err
	}
	// The owner takes it and acknowledges it: the mailbox stays, empty,
	// as most of a messenger's mailboxes are most of the time.
	if err := c.Fetch(ctx); err != nil {
		return err
	}
	for {
		select {
		case d, ok := <-c.Deliveries():
			if !ok {
				return c.Err()
			}
			if d.ID == sent {
				return c.Ack(ctx, sent)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// errNotEmpty is returned by fetchOwnMailbox when a mailbox still holds
// an envelope: createMailbox's was acknowledged.
var errNotEmpty = errors.New("transport: an envelope before the caught-up marker")

// fetchOwnMailbox connects owner i, fetches its mailbox and waits until
// the home says it is caught up, checking that no envelope came
// first. The connection stays open (and idle) for the caller to close.
func fetchOwnMailbox(relay loadRelay, i int) (*Conn, error) {
	id, err := loadKeyPair(i)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), memOpTimeout)
	defer cancel()
	c, err := dialLoadOwner(ctx, relay, i, id, ClientOptions{MarkCaughtUp: true})
	if err != nil {
		return nil, err
	}
	if err := c.Fetch(ctx); err != nil {
		return c, err
	}
	envelopes := 0
	for {
		select {
		case d, ok := <-c.Deliveries():
			if !ok {
				return c, c.Err()
			}
			if !d.IsCaughtUp() {
				envelopes++
				continue
			}
			if envelopes != 0 {
				return c, fmt.Errorf("%w: %d", errNotEmpty, envelopes)
			}
			return c, nil
		case <-ctx.Done():
			return c, ctx.Err()
		}
	}
}

// sqliteRelay is a relay child on SQLite, whatever
// RATCHAT_RELAY_BACKEND says.
func sqliteRelay(tb testing.TB) loadRelay {
	r := startRelayProcOn(tb, tb.TempDir(), nil, 1)
	return loadRelay{addrs: []string{r.addr}, home: r.home, cpu: func() time.Duration { return r.cpu(tb) },
		mem: func() relayMem { return relayMem{Fronts: r.mem(tb)} }}
}

// memBackends are the relays BenchmarkRelayMailboxes compares.
var memBackends = []struct {
	name  string
	relay func(testing.TB) loadRelay
}{
	{"sqlite", sqliteRelay},
	{"nats-1node", func(tb testing.TB) loadRelay { return natsRelay(tb, 1, 1, 1) }},
	{"nats-3node-R3", func(tb testing.TB) loadRelay { return natsRelay(tb, 3, 2, 3) }},
}

// mailboxesCases are BenchmarkRelayMailboxes's mailbox counts and
// visits: 1,000 and 100,000 mailboxes created, and 1,000 with the
// traffic of 100,000 (100 visits each), to tell what follows the
// mailboxes from what follows the traffic.
var mailboxesCases = []struct{ mailboxes, visits int }{
	{1000, 1},
	{1000, 100},
	{100000, 1},
}

// BenchmarkRelayMailboxes measures the relay's memory with 1,000 and
// 100,000 mailboxes, each of which has carried one envelope and is
// empty, and with 1,000 mailboxes that have carried 100 envelopes each
// (as many deposits, acknowledgements and connections as the 100,000
// mailboxes' creation), on SQLite, on one NATS
// node with one front end, and on three NATS nodes (R3) with two front
// ends; every process runs apart (see [TestRelayChild], [TestNATSChild]).
// It reports each process kind's resident set and Go heap in use, after
// a collection, with 1,000 owners connected and idle; front-* sums the
// front ends. What a mailbox costs is the difference between the
// 100,000 mailboxes and the 1,000 with the same traffic, divided by
// 99,000. create-s is the time the visits took, through the wire,
// memConcurrency owners at a time, and *-cpu-us/visit the CPU time each
// kind of process spent on each (relay-cpu: front ends and NATS;
// loadgen: the clients). The heap profiles behind the figures:
// RATCHAT_TEST_RELAY_MEMPROFILE=PATH.
func BenchmarkRelayMailboxes(b *testing.B) {
	for _, be := range memBackends {
		for _, c := range mailboxesCases {
			b.Run(fmt.Sprintf("backend=%s/mailboxes=%d/visits=%d", be.name, c.mailboxes, c.visits), func(b *testing.B) {
				r := runMailboxes(b, be.relay(b), c.mailboxes, c.visits, min(c.mailboxes, 1000))
				const mb = 1 << 20
				n := float64(c.mailboxes * c.visits)
				b.ReportMetric(r.Create.Seconds(), "create-s")
				b.ReportMetric(n/r.Create.Seconds(), "visits/s")
				b.ReportMetric(float64(r.RelayCPU.Microseconds())/n, "relay-cpu-us/visit")
				b.ReportMetric(float64(r.LoadCPU.Microseconds())/n, "loadgen-cpu-us/visit")
				if r.NATSCPU > 0 {
					b.ReportMetric(float64(r.NATSCPU.Microseconds())/n, "nats-cpu-us/visit")
				}
				b.ReportMetric(float64(r.Mem.Fronts.RSS)/mb, "front-rss-MB")
				b.ReportMetric(float64(r.Mem.Fronts.Heap)/mb, "front-heap-MB")
				if r.Mem.NATS.RSS > 0 {
					b.ReportMetric(float64(r.Mem.NATS.RSS)/mb, "nats-rss-MB")
					b.ReportMetric(float64(r.Mem.NATS.Heap)/mb, "nats-heap-MB")
				}
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// TestRelayMailboxesSmall runs [BenchmarkRelayMailboxes]'s harness on 100
// mailboxes visited twice each, 50 of them connected at the end, on
// SQLite and on one NATS node: every visit's envelope arrives, every
// mailbox is found empty at the end, and every process reports a
// resident set and a heap.
func TestRelayMailboxesSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts NATS and relay processes")
	}
	for _, be := range memBackends[:2] {
		t.Run(be.name, func(t *testing.T) {
			r := runMailboxes(t, be.relay(t), 100, 2, 50)
			procs := []memSample{r.Mem.Fronts}
			if be.name != "sqlite" {
				procs = append(procs, r.Mem.NATS)
			}
			for _, m := range procs {
				if m.RSS <= 0 || m.Heap <= 0 || m.Heap > m.RSS {
					t.Errorf("memory %+v", m)
				}
			}
			t.Logf("created in %v; %+v", r.Create, r.Mem)
		})
	}
}

func TestVmRSS(t *testing.T) {
	for _, c := range []struct {
		status string
		want   int64 // -1: an error
	}{
		{"Name:\tx\nVmRSS:\t    1234 kB\nVmSwap:\t0 kB\n", 1234 << 10},
		{"VmRSS: 0 kB", 0},
		{"VmHWM:\t 5 kB\n", -1},                // no VmRSS line
		{"VmRSS:\t-5 kB\n", -1},                // negative
		{"VmRSS:\t99999999999999999 kB\n", -1}, // past the bound
		{"VmRSS:\tlots kB\n", -1},              // not a number
		{"VmRSS:\t5 MB\n", -1},                 // not kB: skipped, then none
	} {
		got, err := vmRSS(c.status)
		if c.want < 0 {
			if err == nil {
				t.Errorf("%q: %d, want an error", c.status, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %d, %v; want %d", c.status, got, err, c.want)
		}
	}
}

func FuzzVmRSS(f *testing.F) {
	f.Add("VmRSS:\t    1234 kB\n")
	f.Add("VmRSS:\t-1 kB\n")
	f.Fuzz(func(t *testing.T, status string) {
		rss, err := vmRSS(status)
		if err == nil && (rss < 0 || rss > 1<<50 || rss%1024 != 0) {
			t.Fatalf("%q: %d", status, rss)
		}
	})
}
