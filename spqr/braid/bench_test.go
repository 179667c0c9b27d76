package braid

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRoundTrip measures one message each way (Send, Serialize,
// ParseMessage, Recv on both sides), amortising the ML-KEM work of the
// epochs the run goes through.
func BenchmarkRoundTrip(b *testing.B) {
	key := []byte("the PQXDH authentication key....")
	sa, sb := InitA(key), InitB(key)
	ra, rb := rand.NewChaCha8([32]byte{1}), rand.NewChaCha8([32]byte{2})
	step := func(from, to *States, r *rand.ChaCha8) {
		next, msg, _, err := from.Send(r)
		if err != nil {
			b.Fatal(err)
		}
		*from = next
		m, _, err := ParseMessage(msg.Serialize(1))
		if err != nil {
			b.Fatal(err)
		}
		if *to, _, err = to.Recv(m); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		step(&sa, &sb, ra)
		step(&sb, &sa, rb)
	}
	b.ReportMetric(float64(sa.Epoch()), "epochs")
}
