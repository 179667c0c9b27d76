package webhook

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"ratchat/chat"
)

// BenchmarkDeliveryLatency measures a webhook delivery on loopback, from
// the event's commit to the receiver's handler: each iteration sends a
// message, whose message.sent event is committed at the end of Send (what
// follows the commit there is an in-memory notification), and waits until
// the receiver's handler has that event. It reports the p50 and p99 in
// milliseconds from Send's return (commit → handler), and the p99 with
// Send's own work (encryption, sealing, the commit) counted in.
//
//	go test ./webhook -run XXX -bench DeliveryLatency -benchtime 2000x
func BenchmarkDeliveryLatency(b *testing.B) {
	ctx := context.Background()
	alice, _, bobID, _ := pair(b)
	r := newReceiver(b, "bench secret 0123456789")
	if _, err := alice.AddWebhook(ctx, r.srv.URL, r.secret); err != nil {
		b.Fatal(err)
	}
	runDispatcher(b, Config{Messenger: alice})
	lat, withSend := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := fmt.Sprintf("bench %d", i)
		start := time.Now()
		if _, err := alice.Send(ctx, bobID, text); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		for d := range r.got {
			if d.Type == chat.EventSent && d.Text == text {
				break
			}
		}
		lat = append(lat, time.Since(committed))
		withSend = append(withSend, time.Since(start))
	}
	b.StopTimer()
	ms := func(l []time.Duration, q float64) float64 {
		slices.Sort(l)
		return float64(l[min(len(l)-1, int(q*float64(len(l))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(lat, 0.50), "p50-ms")
	b.ReportMetric(ms(lat, 0.99), "p99-ms")
	b.ReportMetric(ms(withSend, 0.99), "p99-with-send-ms")
	if _, _, bad := r.snapshot(); len(bad) > 0 {
		b.Fatalf("failed checks: %q", bad)
	}
}
