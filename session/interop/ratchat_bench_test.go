package interop

import (
	"crypto/rand"
	"testing"

	"ratchat/keys"
	"ratchat/session"
)

// BenchmarkRatchat is BenchmarkLibsignal's counterpart, run on ratchat's
// session package with the same sub-benchmarks, message size and timing
// boundaries (see BenchmarkLibsignal), and live in-memory sessions.
func BenchmarkRatchat(b *testing.B) {
	benchmarkRatchat(b, false)
}

// BenchmarkRatchatStored is BenchmarkRatchat with every session serialized
// and parsed again after each change, as the messenger stores it: the
// counterpart of BenchmarkLibsignalStored.
func BenchmarkRatchatStored(b *testing.B) {
	benchmarkRatchat(b, true)
}

// ratchatBenchSide is one side of a ratchat benchmark session.
type ratchatBenchSide struct {
	p      *ratchatPeer
	s      *session.Session
	stored bool
}

// reload round-trips the session through its serialization when stored.
func (r *ratchatBenchSide) reload(b *testing.B) {
	if !r.stored {
		return
	}
	buf, err := r.s.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	r.s = new(session.Session)
	if err := r.s.UnmarshalBinary(buf); err != nil {
		b.Fatal(err)
	}
}

// ratchatSend encrypts pt at from and decrypts it at to.
func ratchatSend(b *testing.B, from, to *ratchatBenchSide, pt []byte) {
	typ, msg, err := from.s.Encrypt(rand.Reader, pt)
	if err != nil {
		b.Fatal(err)
	}
	from.reload(b)
	d, err := to.s.Decrypt(rand.Reader, to.p.local, to.p, typ, msg)
	if err != nil {
		b.Fatal(err)
	}
	if d.UsedOneTimePreKey {
		delete(to.p.oneTime, d.OneTimePreKeyID)
	}
	to.reload(b)
	if len(d.Plaintext) != len(pt) {
		b.Fatalf("decrypted %d bytes, want %d", len(d.Plaintext), len(pt))
	}
}

// newEstablishedRatchatPair starts an X3DH session (one-time prekey 1) and
// sends one message each way.
func newEstablishedRatchatPair(b *testing.B, stored bool) (alice, bob *ratchatBenchSide) {
	alice = &ratchatBenchSide{p: newRatchatPeer(b), stored: stored}
	bob = &ratchatBenchSide{p: newRatchatPeer(b), s: new(session.Session), stored: stored}
	bob.p.addOneTimePreKey(b, 1)
	bundle := bob.p.bundle()
	s, err := session.Initiate(rand.Reader, alice.p.local, &bundle)
	if err != nil {
		b.Fatal(err)
	}
	alice.s = s
	ratchatSend(b, alice, bob, []byte("hello"))
	ratchatSend(b, bob, alice, []byte("hello"))
	return alice, bob
}

func benchmarkRatchat(b *testing.B, stored bool) {
	pt := make([]byte, benchMsgSize)
	b.Run("EncryptDecrypt1KB", func(b *testing.B) {
		alice, bob := newEstablishedRatchatPair(b, stored)
		b.ReportAllocs()
		b.SetBytes(benchMsgSize)
		for b.Loop() {
			ratchatSend(b, alice, bob, pt)
		}
	})
	b.Run("PingPong1KB", func(b *testing.B) {
		alice, bob := newEstablishedRatchatPair(b, stored)
		b.ReportAllocs()
		b.SetBytes(benchMsgSize)
		i := 0
		for b.Loop() {
			if i%2 == 0 {
				ratchatSend(b, alice, bob, pt)
			} else {
				ratchatSend(b, bob, alice, pt)
			}
			i++
		}
	})
	b.Run("SessionStartX3DH", func(b *testing.B) { benchmarkSessionStart(b, stored, pt, x3dhBundles) })
	b.Run("SessionStartPQXDH", func(b *testing.B) { benchmarkSessionStart(b, stored, pt, pqxdhBundles) })
}

// benchmarkSessionStart times bundle → first message decrypted by the
// responder, with a fresh bundle (made outside the timer) per iteration.
func benchmarkSessionStart(b *testing.B, stored bool, pt []byte, bundlesOf func(*testing.B, *ratchatPeer, int) []keys.Bundle) {
	alice := &ratchatBenchSide{p: newRatchatPeer(b), stored: stored}
	bobPeer := newRatchatPeer(b)
	bundles := bundlesOf(b, bobPeer, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s, err := session.Initiate(rand.Reader, alice.p.local, &bundles[i])
		if err != nil {
			b.Fatal(err)
		}
		alice.s = s
		bob := &ratchatBenchSide{p: bobPeer, s: new(session.Session), stored: stored}
		ratchatSend(b, alice, bob, pt)
	}
}

// x3dhBundles makes n X3DH bundles of p's (no KEM prekey), each with its
// own one-time prekey, outside the benchmark's timer.
func x3dhBundles(b *testing.B, p *ratchatPeer, n int) []keys.Bundle {
	otks, err := keys.NewOneTimePreKeys(rand.Reader, 1, n)
	if err != nil {
		b.Fatal(err)
	}
	bundles := make([]keys.Bundle, n)
	for i, k := range otks {
		p.oneTime[k.ID] = k
		bundles[i] = keys.NewBundle(p.local.RegistrationID, p.local.Identity.Public, p.signed, &k, nil)
	}
	return bundles
}

// pqxdhBundles makes n PQXDH bundles of p's, each with its own one-time
// prekey and one-time KEM prekey, outside the benchmark's timer.
func pqxdhBundles(b *testing.B, p *ratchatPeer, n int) []keys.Bundle {
	otks, err := keys.NewOneTimePreKeys(rand.Reader, 1, n)
	if err != nil {
		b.Fatal(err)
	}
	bundles := make([]keys.Bundle, n)
	for i, k := range otks {
		kem, err := keys.NewKEMPreKey(rand.Reader, p.local.Identity.Private, uint32(i+1), false)
		if err != nil {
			b.Fatal(err)
		}
		p.oneTime[k.ID], p.kem[kem.ID] = k, kem
		bundles[i] = keys.NewBundle(p.local.RegistrationID, p.local.Identity.Public, p.signed, &k, &kem)
	}
	return bundles
}
