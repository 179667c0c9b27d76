package chat

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"ratchat/store"
)

// BenchmarkArchiveAppend measures, in one run, the store's own message
// insert (archive off) and what archiving adds per message: the trigger's
// queued copy (the insert's extra time with the archive on) plus the
// drain (open the copy, JSON, seal, append, fsync, delete the row and
// record the head), drained every batch messages. It reports each in
// ns/msg and ratio = (trigger + drain) / insert.
func BenchmarkArchiveAppend(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			p := newProfile(b, "desk", "")
			bob := addArchiveContact(b, p)
			n := 0
			insert := func() {
				n++
				var id store.MessageID
				binary.BigEndian.PutUint64(id[:], uint64(n))
				now := time.Now()
				m := store.Message{Conversation: bob, ID: id, Direction: store.Incoming,
					Body: []byte("a message of an ordinary length, some sixty bytes of text."),
					Sent: now, Received: now, Status: store.StatusDelivered, StatusAt: now}
				if _, _, err := p.st.InsertMessage(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				insert()
			}
			plain := time.Since(start)
			b.StopTimer()
			if err := p.m.EnableArchive(ctx, 0, "bench"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			var inserts, drains time.Duration
			for i := range b.N {
				t0 := time.Now()
				insert()
				t1 := time.Now()
				inserts += t1.Sub(t0)
				if (i+1)%batch == 0 || i == b.N-1 {
					if _, err := p.m.DrainArchive(ctx); err != nil {
						b.Fatal(err)
					}
					drains += time.Since(t1)
				}
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
			archiving := per(inserts) - per(plain) + per(drains)
			b.ReportMetric(per(plain), "insert-ns/msg")
			b.ReportMetric(per(inserts)-per(plain), "trigger-ns/msg")
			b.ReportMetric(per(drains), "drain-ns/msg")
			b.ReportMetric(archiving/per(plain), "ratio")
		})
	}
}
