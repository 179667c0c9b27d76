package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/transport"
)

// benchRelay starts a relay on loopback whose per-address and
// per-connection rates do not bind: 101 profiles connect from 127.0.0.1,
// and the business's one connection deposits faster than the public
// defaults allow a client (500 requests/s); see docs/API.md.
func benchRelay(b *testing.B) string {
	b.Helper()
	const many = 1 << 20
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: b.TempDir(), Limits: transport.Limits{
		MaxConns: 16384, MaxConnsPerAddr: 16384, RegisterBurst: many, DepositBurst: many, BundleBurst: many,
		RequestRate: many, RequestBurst: many,
	}})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// benchProfile creates a profile homed at relay.
func benchProfile(b *testing.B, relay, name string) *chat.Messenger {
	b.Helper()
	dir := filepath.Join(b.TempDir(), name)
	m, err := chat.Create(context.Background(), chat.Profile{Dir: dir, Relay: relay, Store: []store.Option{cheapKDF}},
		name, []byte("correct horse"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

// benchBusiness makes a business on a loopback relay with n customers who
// wrote to it first (requests it accepted) and got a first message back,
// so that the business holds each one's deposit token; then the
// customers go offline (their mailboxes keep taking deposits), leaving
// the machine's cores to the business alone.
func benchBusiness(b *testing.B, n int) (*chat.Messenger, []store.ContactID) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	relay := benchRelay(b)
	biz := benchProfile(b, relay, "biz")
	if err := biz.Ready(ctx); err != nil {
		b.Fatal(err)
	}
	inv, err := biz.Invite()
	if err != nil {
		b.Fatal(err)
	}
	customers := make([]*chat.Messenger, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for i := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c := benchProfile(b, relay, fmt.Sprintf("c%d", i))
			customers[i] = c
			if _, err := c.AddContact(ctx, inv, "biz"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	var reqs []chat.Summary
	for after := int64(0); len(reqs) < n; {
		if err := biz.WaitEvents(ctx, after); err != nil {
			b.Fatalf("%d of %d requests arrived: %v", len(reqs), n, err)
		}
		if after, err = biz.LastEventSeq(ctx); err != nil {
			b.Fatal(err)
		}
		if reqs, err = biz.Requests(ctx); err != nil {
			b.Fatal(err)
		}
	}
	ids := make([]store.ContactID, 0, n)
	for _, r := range reqs {
		if err := biz.Accept(ctx, r.Contact.ID); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, r.Contact.ID)
	}
	for _, id := range ids {
		msg, err := biz.Send(ctx, id, "welcome")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := biz.WaitSent(ctx, id, msg.ID); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range customers {
		c.Close()
	}
	return biz, ids
}

// BenchmarkHTTPSend100 sends b.N messages through POST /rpc ("send",
// not waiting) to 100 contacts on a loopback relay, from 16 clients with
// keep-alive connections and an admin token, and reports the messages
// sent per second, counted until the last has left for the relay
// (msgs/s), the calls answered per second (calls/s), the process's CPU
// time per message (cpu-ms/msg: business, relay and clients, all in this
// process), and the send call's p50 and p99 (ms). Run with -benchtime 5000x or more:
//
//	go test ./api -run '^$' -bench BenchmarkHTTPSend100 -benchtime 5000x
func BenchmarkHTTPSend100(b *testing.B) {
	if testing.Short() {
		b.Skip("skipped under -short: 101 profiles on a relay")
	}
	biz, ids := benchBusiness(b, 100)
	srv := NewServer(biz, Config{})
	b.Cleanup(func() { srv.Close() })
	text, _, err := biz.CreateAPIToken(context.Background(), chat.TokenSpec{Role: store.TokenAdmin, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	hs, err := srv.ListenHTTP("127.0.0.1:0", srv.Handler(http.NewServeMux()), HTTPConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { hs.Close() })
	const clients = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	url := "http://" + hs.Addr() + PathRPC
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Value
	if path := os.Getenv("RATCHAT_BENCH_CPUPROFILE"); path != "" { // the timed part alone, without the setup
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if path := os.Getenv("RATCHAT_BENCH_BLOCKPROFILE"); path != "" {
		runtime.SetBlockProfileRate(int(time.Microsecond))
		defer func() {
			runtime.SetBlockProfileRate(0)
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			pprof.Lookup("block").WriteTo(f, 0)
		}()
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"send","params":{"contact":"%d","text":"message %d"}}`, i, ids[i%int64(len(ids))], i)
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+text)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					var out response
					err = decodeJSON(resp, &out)
					if err == nil && out.Error != nil {
						err = out.Error
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	called := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if !biz.Flush(ctx) {
		b.Fatal("the outbox did not drain")
	}
	sent := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/sent.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/called.Seconds(), "calls/s")
	// What a message costs the process (business, relay and HTTP clients
	// alike), which the machine's load does not change: the rate two
	// dedicated cores would sustain is 2 s / cpu-ms-per-msg.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/msg")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// cpuTime returns the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// decodeJSON reads and closes a response's JSON body.
func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
