package session

import (
	"bytes"
	"testing"
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
// The two are timed one after the other, so on a loaded machine their ratio
// drifts; BenchmarkTripleRatchetThreeWays interleaves them in rounds and is
// the one docs/BENCHMARKS.md reports.
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

// TestLibsignalBenchCommand runs the driver's bench commands briefly (the
// benchmarks do not run in CI), checks that each did what it was asked,
// and logs libsignal-client's time per message (per start) on this
// machine. A kept pair is asked twice.
func TestLibsignalBenchCommand(t *testing.T) {
	d := startLibsignal(t)
	for _, tc := range []struct {
		name string
		cmd  string
		args map[string]any
	}{
		{"chain", "bench", map[string]any{"n": 200}},
		{"chain settled", "bench", map[string]any{"n": 20, "settle": 10}},
		{"chain kept", "bench", map[string]any{"n": 20, "settle": 10, "pair": "test-chain"}},
		{"chain kept again", "bench", map[string]any{"n": 20, "settle": 10, "pair": "test-chain"}},
		{"ping-pong kept", "benchPingPong", map[string]any{"n": 20, "settle": 10, "pair": "test-pong"}},
		{"ping-pong kept again", "benchPingPong", map[string]any{"n": 21, "settle": 10, "pair": "test-pong"}},
		{"session start", "benchSessionStart", map[string]any{"n": 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.args["size"] = libsignalBenchSize
			n := tc.args["n"].(int)
			var r lsBench
			d.call(tc.cmd, tc.args, &r)
			if r.N != n || r.Size != libsignalBenchSize || r.TotalNs <= 0 || r.NsPerMessage != r.TotalNs/float64(n) {
				t.Fatalf("%s answered %+v for n=%d size=%d", tc.cmd, r, n, libsignalBenchSize)
			}
			t.Logf("libsignal-client %s: %.3f ms per %d-byte item (%d)", tc.cmd, r.NsPerMessage/1e6, r.Size, r.N)
		})
	}
}
