package transport

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"ratchat/keys"
)

func BenchmarkFrame(b *testing.B) {
	for _, n := range []int{1 << 10, 64 << 10} {
		body := make([]byte, n)
		b.Run(fmt.Sprintf("encode/%dKB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(n))
			buf := make([]byte, 0, n+frameHeaderSize)
			for b.Loop() {
				buf, _ = AppendFrame(buf[:0], body)
			}
		})
		b.Run(fmt.Sprintf("decode/%dKB", n>>10), func(b *testing.B) {
			frame, _ := AppendFrame(nil, body)
			r := bytes.NewReader(frame)
			b.SetBytes(int64(n))
			for b.Loop() {
				r.Reset(frame)
				if _, err := ReadFrame(r, MaxFrameSize); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMessage(b *testing.B) {
	alice, bob := testIdentity(b, 1), testIdentity(b, 2)
	d := &Deposit{Recipient: alice.Public, Envelope: testEnvelope(b, bob, alice.Public, string(make([]byte, 1000)))}
	b.Run("marshal/Deposit1KB", func(b *testing.B) {
		for b.Loop() {
			MarshalMessage(1, d)
		}
	})
	body, _ := MarshalMessage(1, d)
	b.Run("parse/Deposit1KB", func(b *testing.B) {
		for b.Loop() {
			ParseMessage(body)
		}
	})
}

// BenchmarkSeal times sealing and opening a 1 KB message, and, as the
// floor to compare with, the X25519 operations each one needs (sealing:
// a key generation and two agreements; opening: two agreements).
func BenchmarkSeal(b *testing.B) {
	alice, bob := testIdentity(b, 1), testIdentity(b, 2)
	msg := make([]byte, 1024)
	rng := testRand(3)
	b.Run("seal/1KB", func(b *testing.B) {
		for b.Loop() {
			if _, err := SealEnvelope(rng, alice, bob.Public, TypeSignal, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	env, _ := SealEnvelope(rng, alice, bob.Public, TypeSignal, msg)
	b.Run("open/1KB", func(b *testing.B) {
		for b.Loop() {
			if _, err := OpenEnvelope(bob, env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor/X25519", func(b *testing.B) {
		for b.Loop() {
			bob.Agree(alice.Public)
		}
	})
	b.Run("floor/keygen", func(b *testing.B) {
		for b.Loop() {
			keys.GenerateKeyPair(rng)
		}
	})
}

// BenchmarkDepositDeliver times one envelope from Deposit to its arrival
// at the connected owner, over loopback, through a peer-mode home with a
// real SQLite database (each deposit is fsynced before the depositor is
// told). p50 and p99 are reported.
func BenchmarkDepositDeliver(b *testing.B) {
	alice, bob := testIdentity(b, 1), testIdentity(b, 2)
	home := peerHome(b, alice, noAddrLimits(Limits{RequestRate: 1e9}))
	owner := dialOwner(b, home, alice)
	owner.Fetch(ctxT(b))
	dep := dialAnon(b, home)
	env := testEnvelope(b, bob, alice.Public, string(make([]byte, 1000)))
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := dep.Deposit(context.Background(), alice.Public, testToken, uniq(env)); err != nil {
			b.Fatal(err)
		}
		d := <-owner.Deliveries()
		lat = append(lat, time.Since(t0))
		owner.Ack(context.Background(), d.ID)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
