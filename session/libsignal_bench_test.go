package session

import (
	"bytes"
	"testing"
	"time"
)

// libsignalBenchSize is the message size of the libsignal comparison, as in
// issue 10's baseline (about 0.41 ms per 1 KB encrypt + decrypt measured
// for libsignal-client before the triple ratchet work).
const libsignalBenchSize = 1024

// BenchmarkLibsignalClient1KB times one encrypt + decrypt of 1 KB on an
// established chain, twice in one run: ratchat's session package in process
// (sub-benchmark "ratchat", BenchmarkTripleRatchet's
// EncryptDecrypt1KB/triple), and
// @signalapp/libsignal-client between two parties inside the Node driver
// (sub-benchmark "libsignal-client": b.N messages timed by the driver's
// bench command, reported as ns/op, so the pipe to node is not counted).
// The second also reports "x-ratchat", how many times slower libsignal is.
// Like for like: both run the triple ratchet (SPQR on every message).
func BenchmarkLibsignalClient1KB(b *testing.B) {
	d := startLibsignal(b)
	pt := bytes.Repeat([]byte{'a'}, libsignalBenchSize)
	var ratchatNs float64
	b.Run("ratchat", func(b *testing.B) {
		alice, bob := newParty(b, 1), newParty(b, 2)
		startSession(b, alice, bob, bundleOptions{oneTime: true, kem: true})
		bob.mustReceive(alice.send("hello"))
		alice.mustReceive(bob.send("hello"))
		b.ReportAllocs()
		b.SetBytes(libsignalBenchSize)
		for b.Loop() {
			typ, body, err := alice.session.Encrypt(alice.rand, pt)
			if err != nil {
				b.Fatal(err)
			}
			got, err := bob.session.Decrypt(bob.rand, bob.local, bob.prekeys, typ, body)
			if err != nil {
				b.Fatal(err)
			}
			if len(got.Plaintext) != len(pt) {
				b.Fatalf("decrypted %d bytes, want %d", len(got.Plaintext), len(pt))
			}
		}
		ratchatNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("libsignal-client", func(b *testing.B) {
		r := libsignalBench(b, d, b.N)
		b.SetBytes(libsignalBenchSize)
		b.ReportMetric(r.NsPerMessage, "ns/op")
		if ratchatNs > 0 {
			b.ReportMetric(r.NsPerMessage/ratchatNs, "x-ratchat")
		}
	})
}

// libsignalBench runs the driver's bench command for n messages of
// libsignalBenchSize bytes and checks that it did what it was asked.
func libsignalBench(t testing.TB, d *libsignalDriver, n int) lsBench {
	t.Helper()
	var r lsBench
	d.call("bench", map[string]any{"n": n, "size": libsignalBenchSize}, &r)
	if r.N != n || r.Size != libsignalBenchSize || (n > 0 && r.NsPerMessage <= 0) {
		t.Fatalf("bench answered %+v for n=%d size=%d", r, n, libsignalBenchSize)
	}
	return r
}

// TestLibsignalBenchCommand runs the driver's bench command briefly (the
// benchmark above does not run in CI) and logs libsignal-client's time per
// 1 KB encrypt + decrypt on this machine.
func TestLibsignalBenchCommand(t *testing.T) {
	d := startLibsignal(t)
	const n = 200
	r := libsignalBench(t, d, n)
	if total := time.Duration(r.TotalNs); total <= 0 || r.NsPerMessage != r.TotalNs/n {
		t.Fatalf("bench: total %v, %v ns per message for %d messages", total, r.NsPerMessage, n)
	}
	t.Logf("libsignal-client: %.3f ms per %d-byte encrypt+decrypt (%d messages)", r.NsPerMessage/1e6, r.Size, r.N)
}
