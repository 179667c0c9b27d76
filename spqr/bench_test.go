package spqr

import (
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

// hmacBaseline times HMAC-SHA256 over 1 KB and stores its time per
// operation in ns, so that SPQR's cost is reported as a ratio that holds
// across machines.
func hmacBaseline(b *testing.B, ns *float64) {
	key, msg := make([]byte, 32), make([]byte, 1024)
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		m.Sum(nil)
	}
	*ns = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}

// BenchmarkSendRecv times one SPQR message (Send on one side, Recv on the
// other, alternating directions) on an established session, ML-KEM work of
// the braid amortised in, and reports it as a multiple of HMAC-SHA256 of
// 1 KB ("x-hmac1KB") timed in the same run.
func BenchmarkSendRecv(b *testing.B) {
	var base float64
	b.Run("baseline-hmac-sha256-1KB", func(b *testing.B) { hmacBaseline(b, &base) })
	b.Run("spqr", func(b *testing.B) { benchSendRecv(b, base) })
}

func benchSendRecv(b *testing.B, base float64) {
	r := seeded(9)
	p := [2]State{initial(b, A2B, V1, V1), initial(b, B2A, V1, V1)}
	for i := range 20 {
		st, m, _ := send(b, p[i%2], r)
		p[i%2] = st
		p[1-i%2], _ = recv(b, p[1-i%2], m)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		from := i % 2
		st, m, _, err := Send(p[from], r)
		if err != nil {
			b.Fatal(err)
		}
		p[from] = st
		if p[1-from], _, err = Recv(p[1-from], m); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-hmac1KB")
}

// BenchmarkChainStep times one send key and its receive key alone: the
// chain's share of a message.
func BenchmarkChainStep(b *testing.B) {
	a, r := mustChain(b, true, ChainParams{}), mustChain(b, false, ChainParams{})
	for b.Loop() {
		idx, _, err := a.sendKey(0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.recvKey(0, idx); err != nil {
			b.Fatal(err)
		}
	}
}
