package mailbox

import (
	"syscall"
	"testing"
	"time"

	"ratchat/keys"
)

// BenchmarkDepositAck times the writer's work for one envelope of a busy
// relay: deposits of 1 KB envelopes to 1,000 mailboxes, 256 at a time,
// each acknowledged (and so deleted) once stored. It reports the CPU
// time the process spent per envelope besides the wall time.
func BenchmarkDepositAck(b *testing.B) {
	s := open(b, b.TempDir(), Options{})
	owners := make([]keys.PublicKey, 1000)
	for i := range owners {
		owners[i] = owner(b)
		if _, err := s.Register(owners[i], t0); err != nil {
			b.Fatal(err)
		}
	}
	body := make([]byte, 1121) // a sealed 1,000-byte message
	slots := make(chan struct{}, 256)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		slots <- struct{}{}
		o := owners[i%len(owners)]
		s.DepositAsync(o, body, t0, func(r DepositResult) {
			go func() {
				if r.Err != nil {
					b.Error(r.Err)
				} else if _, err := s.Ack(o, []uint64{r.ID}); err != nil {
					b.Error(err)
				}
				<-slots
			}()
		})
	}
	for range cap(slots) {
		slots <- struct{}{}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/env")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
