package interop

import (
	"fmt"
	"testing"
)

// benchMsgSize is the plaintext size of every benchmark message.
const benchMsgSize = 1024

// BenchmarkLibsignal measures go.mau.fi/libsignal, the baseline of ratchat's
// performance targets, with live in-memory session records (the fastest way
// the library can run: no record is serialized). BenchmarkRatchat has the
// same sub-benchmarks.
//
//   - EncryptDecrypt1KB: an established chain, one direction; one op is
//     encrypting a 1 KB message and decrypting it.
//   - PingPong1KB: direction alternates every message, so every message
//     turns the DH ratchet (a new ratchet key pair and two X25519 on receipt).
//   - SessionStartX3DH: one op is bundle -> session -> first 1 KB message ->
//     the responder decrypts it. Long-term keys (identities, the signed
//     prekey, one fresh one-time prekey per op) are generated before the
//     timer starts, as they are in life long before a session. Timed: the
//     signature check, the base and first ratchet key pairs, X3DH on both
//     sides, and the responder's first DH ratchet step.
func BenchmarkLibsignal(b *testing.B) {
	benchmarkLibsignal(b, false)
}

// BenchmarkLibsignalStored is BenchmarkLibsignal with every session record
// serialized between calls (the library's JSON record format), as an
// application that persists its sessions must: for reference only.
func BenchmarkLibsignalStored(b *testing.B) {
	benchmarkLibsignal(b, true)
}

func benchmarkLibsignal(b *testing.B, copyRecords bool) {
	pt := make([]byte, benchMsgSize)
	b.Run("EncryptDecrypt1KB", func(b *testing.B) {
		alice, bob := newEstablishedLibsignalPair(b, copyRecords)
		b.ReportAllocs()
		b.SetBytes(benchMsgSize)
		for b.Loop() {
			libsignalSend(b, alice, "bob", bob, "alice", pt)
		}
	})
	b.Run("PingPong1KB", func(b *testing.B) {
		alice, bob := newEstablishedLibsignalPair(b, copyRecords)
		b.ReportAllocs()
		b.SetBytes(benchMsgSize)
		i := 0
		for b.Loop() {
			if i%2 == 0 {
				libsignalSend(b, alice, "bob", bob, "alice", pt)
			} else {
				libsignalSend(b, bob, "alice", alice, "bob", pt)
			}
			i++
		}
	})
	b.Run("SessionStartX3DH", func(b *testing.B) {
		alice, err := newLibsignalPeer(copyRecords)
		if err != nil {
			b.Fatal(err)
		}
		bob, err := newLibsignalPeer(copyRecords)
		if err != nil {
			b.Fatal(err)
		}
		// One session per op, each under its own pair of names and on its
		// own one-time prekey.
		bundles := make([]rawBundle, b.N)
		bobNames, aliceNames := make([]string, b.N), make([]string, b.N)
		for i := range b.N {
			if err := bob.newOneTimePreKey(uint32(i + 1)); err != nil {
				b.Fatal(err)
			}
			bundles[i] = bob.bundle()
			bobNames[i], aliceNames[i] = fmt.Sprint("bob", i), fmt.Sprint("alice", i)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := alice.processBundle(bobNames[i], bundles[i]); err != nil {
				b.Fatal(err)
			}
			libsignalSend(b, alice, bobNames[i], bob, aliceNames[i], pt)
		}
	})
}

// newEstablishedLibsignalPair starts a session and sends one message each
// way, so both sides send plain SignalMessages from then on.
func newEstablishedLibsignalPair(b *testing.B, copyRecords bool) (alice, bob *libsignalPeer) {
	alice, bob = newLibsignalPair(b, copyRecords)
	libsignalSend(b, alice, "bob", bob, "alice", []byte("hello"))
	libsignalSend(b, bob, "alice", alice, "bob", []byte("hello"))
	return alice, bob
}

// libsignalSend encrypts pt at from (for its remote to) and decrypts it at
// recipient (from its remote back).
func libsignalSend(b *testing.B, from *libsignalPeer, to string, recipient *libsignalPeer, back string, pt []byte) {
	typ, msg, err := from.encrypt(to, pt)
	if err != nil {
		b.Fatal(err)
	}
	got, err := recipient.decrypt(back, typ, msg)
	if err != nil {
		b.Fatal(err)
	}
	if len(got) != len(pt) {
		b.Fatalf("decrypted %d bytes, want %d", len(got), len(pt))
	}
}
