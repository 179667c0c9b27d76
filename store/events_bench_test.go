package store

import (
	"testing"
	"time"
)

// BenchmarkEventLogCost inserts messages into two encrypted stores, one
// with the event log's triggers running and one with them paused,
// interleaved in one loop so that both see the same machine noise, and
// reports each cost per message and their ratio (what the log adds to an
// insert).
func BenchmarkEventLogCost(b *testing.B) {
	logged, unlogged := benchStore(b, true), benchStore(b, true)
	err := unlogged.write(bg, func(tx querier) error { return pauseEvents(bg, tx, true) })
	if err != nil {
		b.Fatal(err)
	}
	var tLogged, tUnlogged time.Duration
	n := 0
	for b.Loop() {
		m := benchMessage(n)
		n++
		t0 := time.Now()
		if _, _, err := logged.InsertMessage(bg, m); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, _, err := unlogged.InsertMessage(bg, m); err != nil {
			b.Fatal(err)
		}
		tLogged, tUnlogged = tLogged+t1.Sub(t0), tUnlogged+time.Since(t1)
	}
	if last, _ := unlogged.LastEventSeq(bg); last != 1 { // the contact's event, before the pause
		b.Fatalf("the paused log has %d events", last)
	}
	msgs := float64(n)
	b.ReportMetric(float64(tLogged.Nanoseconds())/msgs, "ns/msg-logged")
	b.ReportMetric(float64(tUnlogged.Nanoseconds())/msgs, "ns/msg-unlogged")
	b.ReportMetric(float64(tLogged)/float64(tUnlogged), "cost-ratio")
}
