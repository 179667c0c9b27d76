package jetstream

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestRenewKeepsLease is a lease renewal's outcomes: a renewal left
// unanswered keeps the lease until it ends (under load, every partition of
// a front end was dropped when its renewals outlasted a lease round), and
// one refused because the lease changed keeps it only if the lease still
// names this front end.
func TestRenewKeepsLease(t *testing.T) {
	srv := runServer(t)
	// A long lease, so that the lease loop's next round (a third of it)
	// comes after the test: each case renews by hand.
	s, err := Open(t.Context(), Config{URLs: []string{srv.url()}, Name: "a", Partitions: 8,
		LeaseTTL: time.Minute, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	waitAllHeld(t, s)
	parts := s.heldParts()
	slices.SortFunc(parts, func(a, b *part) int { return a.n - b.n })

	live := func(t *testing.T, _ *part) context.Context { return t.Context() }
	// writeLease writes the partition's lease behind its holder's back,
	// naming holder: the holder's revision is then stale.
	writeLease := func(holder string) func(*testing.T, *part) context.Context {
		return func(t *testing.T, p *part) context.Context {
			if _, err := s.leases.Update(t.Context(), partitionKey(p.n), []byte(holder), p.leaseRev()); err != nil {
				t.Fatal(err)
			}
			return t.Context()
		}
	}
	cases := []struct {
		name     string
		prepare  func(*testing.T, *part) context.Context
		wantKept bool
		wantErr  bool
	}{
		{"answered", live, true, false},
		{"unanswered before its end", func(*testing.T, *part) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, true, true},
		{"unanswered at its end", func(t *testing.T, p *part) context.Context {
			p.leaseMu.Lock()
			p.leaseEnd = time.Now()
			p.leaseMu.Unlock()
			return t.Context()
		}, false, true},
		{"stored, its answer lost", writeLease("a" + readySuffix), true, false},
		{"taken by another front end", writeLease("b"), false, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parts[i]
			ctx := c.prepare(t, p)
			before := time.Now()
			kept, err := p.renew(ctx)
			if kept != c.wantKept || (err != nil) != c.wantErr {
				t.Fatalf("renew: kept %v, err %v; want kept %v, an error %v", kept, err, c.wantKept, c.wantErr)
			}
			if !kept || err != nil {
				return
			}
			e, err := s.leases.Get(t.Context(), partitionKey(p.n))
			if err != nil {
				t.Fatal(err)
			}
			if e.Revision() != p.leaseRev() || holderName(string(e.Value())) != "a" {
				t.Errorf("lease at revision %d naming %q; the holder has revision %d", e.Revision(), e.Value(), p.leaseRev())
			}
			p.leaseMu.Lock()
			end := p.leaseEnd
			p.leaseMu.Unlock()
			if end.Before(before.Add(s.cfg.LeaseTTL)) {
				t.Errorf("lease ends %v after the renewal began; want the TTL, %v", end.Sub(before), s.cfg.LeaseTTL)
			}
		})
	}
}

// TestGiveUpAnswersQueued checks that requests queued at a front end when
// it gives a partition up are answered (not the holder: the asker asks
// again at once), not dropped to wait out their timeout (two lease TTLs;
// the load benchmark's owners, registering while the second front end
// took its share, gave up after 10 s).
func TestGiveUpAnswersQueued(t *testing.T) {
	srv := runServer(t)
	a, b := openStore(t, srv, "a", testLimits), openStore(t, srv, "b", testLimits)
	waitHeld(t, 4, a, b)
	owner, _ := ownerOn(t, a)
	n := partition(owner, a.cfg.Partitions)
	p := a.readyPart(n)
	req := (&request{op: opUsage, owner: owner}).marshal()
	const asks = 500
	errs := make(chan error, asks)
	var sent sync.WaitGroup
	for range asks {
		sent.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), a.cfg.LeaseTTL)
			defer cancel()
			msg, err := b.nc.RequestWithContext(ctx, rpcPrefix+strconv.Itoa(n), req)
			if err == nil {
				_, err = parseReply(msg.Data)
			}
			errs <- err
		})
	}
	a.dropPartition(p, true)
	sent.Wait()
	unanswered := 0
	for range asks {
		switch err := <-errs; {
		case err == nil, errors.Is(err, errNotHolder), errors.Is(err, nats.ErrNoResponders):
		case errors.Is(err, context.DeadlineExceeded):
			unanswered++
		default:
			t.Errorf("ask: %v", err)
		}
	}
	if unanswered > 0 {
		t.Errorf("%d of %d requests unanswered after the partition was given up", unanswered, asks)
	}
}
