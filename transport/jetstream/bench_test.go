package jetstream

import (
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// BenchmarkDepositDeliver stores 1 KB envelopes for 100 owners, each
// subscribed, with 256 deposits in flight, and acknowledges each as it is
// offered (in batches): the relay's busy path, through the SQLite store
// and through the JetStream backend (one front end, one embedded node,
// file storage) in one run, so that their ratio holds on this machine.
func BenchmarkDepositDeliver(b *testing.B) {
	lim := mailbox.Options{MaxEnvelopes: 1 << 20, MaxBytes: 1 << 40, MaxContactEnvelopes: 1 << 20,
		MaxContactBytes: 1 << 40, MaxTotalBytes: -1, MaxMailboxes: -1}
	b.Run("backend=sqlite", func(b *testing.B) {
		s, err := mailbox.Open(b.TempDir(), lim)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchDepositDeliver(b, s)
	})
	b.Run("backend=jetstream", func(b *testing.B) {
		srv := runServer(b)
		s := openStore(b, srv, "a", lim)
		waitAllHeld(b, s)
		benchDepositDeliver(b, s)
	})
}

func benchDepositDeliver(b *testing.B, be mailbox.Backend) {
	const owners, inFlight, ackBatch = 100, 256, 32
	type box struct {
		owner keys.PublicKey
		token mailbox.TokenHash
	}
	boxes := make([]box, owners)
	for i := range boxes {
		boxes[i].owner = newOwner(b)
		rand.Read(boxes[i].token[:])
		if _, err := be.Register(boxes[i].owner, t0); err != nil {
			b.Fatal(err)
		}
		if err := be.AddTokens(boxes[i].owner, []mailbox.Token{{Hash: boxes[i].token, Kind: mailbox.TokenContact}}); err != nil {
			b.Fatal(err)
		}
	}
	offered := make(chan struct {
		owner keys.PublicKey
		id    uint64
	}, b.N+owners)
	for _, x := range boxes {
		defer be.Subscribe(x.owner, func(e mailbox.Envelope) {
			offered <- struct {
				owner keys.PublicKey
				id    uint64
			}{x.owner, e.ID}
		})()
	}
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = make([]byte, 1024)
	}
	acked := make(chan struct{})
	go func() { // acknowledges in batches per owner, as pushers' owners do
		defer close(acked)
		pending := map[keys.PublicKey][]uint64{}
		for n := 0; n < b.N; n++ {
			o := <-offered
			pending[o.owner] = append(pending[o.owner], o.id)
			if ids := pending[o.owner]; len(ids) >= ackBatch || n == b.N-1 || len(offered) == 0 {
				if _, err := be.Ack(o.owner, ids); err != nil {
					b.Error(err)
				}
				pending[o.owner] = ids[:0]
			}
		}
		for owner, ids := range pending {
			if len(ids) > 0 {
				be.Ack(owner, ids)
			}
		}
	}()
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	b.SetBytes(1024)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		x := boxes[i%owners]
		body := bodies[i%len(bodies)]
		rand.Read(body[:16]) // every deposit differs
		body = append([]byte(nil), body...)
		sem <- struct{}{}
		wg.Add(1)
		be.DepositTokenAsync(x.owner, x.token, body, t0, 0, func(r mailbox.DepositResult) {
			if r.Err != nil {
				b.Error(r.Err)
			}
			<-sem
			wg.Done()
		})
	}
	wg.Wait()
	<-acked
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "envelopes/s")
}
