package session

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/cloudflare/circl/kem/kyber/kyber1024"

	"ratchat/keys"
	"ratchat/spqr"
	"ratchat/spqr/braid"
)

// Messages (or session starts) per block of BenchmarkTripleRatchetThreeWays:
// each round times one block of each of the three, so a block must be long
// enough for the driver's timer and short enough that the three see the
// same machine.
const (
	threeWaysChainBlock = 50
	threeWaysPongBlock  = 30
	threeWaysStartBlock = 4
	// threeWaysSettle is how many messages, alternating, settle a session
	// before it is timed (newBenchPair's 40, and the driver's settle).
	threeWaysSettle = 40
	// threeWaysCalibration is the length of the conversation over which
	// the braid's epochs per message are counted for the floor.
	threeWaysCalibration = 2000
)

// BenchmarkTripleRatchetThreeWays times three cases of issue 10 three ways
// in one run, in rounds: every iteration of the benchmark loop is one round
// that times a block of ratchat's session package, then the same block of
// its floor, then the same block in @signalapp/libsignal-client (the
// driver's benchmark commands, timed inside node, so the pipe is not
// counted). The cases:
//
//   - EstablishedChain1KB: encrypt + decrypt of 1 KB, one direction, on a
//     settled session;
//   - PingPong1KB: the same with the direction alternating, so every
//     message turns the Double Ratchet and the braid's ML-KEM exchanges
//     complete;
//   - SessionStart1KB: bundle (keys made outside the timer) → first 1 KB
//     message → the responder decrypts → a 1 KB reply → decrypted.
//
// The floor is the cryptographic work the specifications demand, done
// directly with the primitives (see floorChainMessage, floorPongMessage
// and floorSessionStart). SPQR's share of the floor is its chain's two
// HKDFs a message plus its ML-KEM-768 epoch work (key generation,
// encapsulation, decapsulation and the epoch's KDFs and MACs) amortised
// by the epochs per message counted over a long conversation of the
// same pattern; the erasure code, not a cryptographic primitive, is left
// out, and timed in the package instead: "spqr-ns/msg" is spqr.Send and
// spqr.Recv alone on the same pattern, in the same round.
//
// Reported, as medians over the rounds: ns per message of each
// ("ratchat-ns/msg", "floor-ns/msg", "libsignal-ns/msg"; per session start
// for SessionStart1KB), and the per-round ratios "x-floor" (ratchat ÷
// floor) and "x-libsignal" (libsignal ÷ ratchat). Run it with a fixed
// number of rounds (-benchtime 40x) and -count for ranges. For the two
// chains it also reports "epochs/kmsg", the braid's epochs per 1,000
// messages that the floor amortises. It needs node
// and the npm package (see requireLibsignal).
func BenchmarkTripleRatchetThreeWays(b *testing.B) {
	d := startLibsignal(b)
	pt := bytes.Repeat([]byte{'a'}, libsignalBenchSize)
	b.Run("EstablishedChain1KB", func(b *testing.B) {
		benchThreeWaysChain(b, d, pt, false)
	})
	// The driver keeps one conversation per chain case across rounds (its
	// bench commands' pair argument), as ratchat's side does.
	b.Run("PingPong1KB", func(b *testing.B) {
		benchThreeWaysChain(b, d, pt, true)
	})
	b.Run("SessionStart1KB", func(b *testing.B) {
		benchThreeWaysStart(b, d, pt)
	})
}

// threeWaysRounds collects one figure per round and kind, in ns per
// message.
type threeWaysRounds struct {
	ratchat, floor, libsignal, spqr []float64
}

// report reports the medians and the medians of the per-round ratios.
func (r *threeWaysRounds) report(b *testing.B) {
	if len(r.ratchat) == 0 {
		return
	}
	xFloor := make([]float64, len(r.ratchat))
	xLib := make([]float64, len(r.ratchat))
	for i := range r.ratchat {
		xFloor[i] = r.ratchat[i] / r.floor[i]
		xLib[i] = r.libsignal[i] / r.ratchat[i]
	}
	b.ReportMetric(median(r.ratchat), "ratchat-ns/msg")
	b.ReportMetric(median(r.floor), "floor-ns/msg")
	b.ReportMetric(median(r.libsignal), "libsignal-ns/msg")
	if len(r.spqr) > 0 {
		b.ReportMetric(median(r.spqr), "spqr-ns/msg")
	}
	b.ReportMetric(median(xFloor), "x-floor")
	b.ReportMetric(median(xLib), "x-libsignal")
}

// median returns the median of v (the mean of the middle two for an even
// count).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// benchThreeWaysChain is the established chain (pingPong false) or
// ping-pong, three ways plus SPQR alone, in rounds.
func benchThreeWaysChain(b *testing.B, d *libsignalDriver, pt []byte, pingPong bool) {
	block, cmd, kept := threeWaysChainBlock, "bench", "threeways-chain"
	if pingPong {
		block, cmd, kept = threeWaysPongBlock, "benchPingPong", "threeways-pong"
	}
	epochs := braidEpochsPerMessage(b, pingPong, threeWaysCalibration)
	floor := newChainFloor(b, epochs)
	pair := newBenchPair(b, true)
	alone := newBenchPair(b, true)
	pq := [2]spqr.State{alone[0].session.current.pq, alone[1].session.current.pq}
	var r threeWaysRounds
	for b.Loop() {
		start := time.Now()
		for i := range block {
			if pingPong && i%2 == 1 {
				benchMessage(b, [2]*party{pair[1], pair[0]}, pt)
			} else {
				benchMessage(b, pair, pt)
			}
		}
		r.ratchat = append(r.ratchat, perItem(time.Since(start), block))

		start = time.Now()
		for range block {
			floor.message(b, pt, pingPong)
		}
		r.floor = append(r.floor, perItem(time.Since(start), block))

		var ls lsBench
		d.call(cmd, map[string]any{"n": block, "size": len(pt), "settle": threeWaysSettle, "pair": kept}, &ls)
		if ls.N != block || ls.NsPerMessage <= 0 {
			b.Fatalf("%s answered %+v for n=%d", cmd, ls, block)
		}
		r.libsignal = append(r.libsignal, ls.NsPerMessage)

		start = time.Now()
		for i := range block {
			from := 0
			if pingPong {
				from = i % 2
			}
			st, msg, _, err := spqr.Send(pq[from], alone[from].rand)
			if err != nil {
				b.Fatal(err)
			}
			pq[from] = st
			if pq[1-from], _, err = spqr.Recv(pq[1-from], msg); err != nil {
				b.Fatal(err)
			}
		}
		r.spqr = append(r.spqr, perItem(time.Since(start), block))
	}
	r.report(b)
	b.ReportMetric(1000*epochs, "epochs/kmsg")
}

// benchThreeWaysStart is the session start three ways, in rounds.
func benchThreeWaysStart(b *testing.B, d *libsignalDriver, pt []byte) {
	block := threeWaysStartBlock
	alice, bob := newParty(b, 1), newParty(b, 2)
	floor := newStartFloor(b)
	var r threeWaysRounds
	for b.Loop() {
		var total time.Duration
		for range block {
			bundle := bob.bundle(bundleOptions{oneTime: true, kem: true}) // keys outside the timer
			start := time.Now()
			ratchatSessionStart(b, alice, bob, bundle, pt)
			total += time.Since(start)
		}
		r.ratchat = append(r.ratchat, perItem(total, block))

		start := time.Now()
		for range block {
			floor.start(b, pt)
		}
		r.floor = append(r.floor, perItem(time.Since(start), block))

		var ls lsBench
		d.call("benchSessionStart", map[string]any{"n": block, "size": len(pt)}, &ls)
		if ls.N != block || ls.NsPerMessage <= 0 {
			b.Fatalf("benchSessionStart answered %+v for n=%d", ls, block)
		}
		r.libsignal = append(r.libsignal, ls.NsPerMessage)
	}
	r.report(b)
}

// ratchatSessionStart is one session start through the public API: alice
// initiates with bundle and sends pt, bob (a fresh session) decrypts and
// answers pt, alice decrypts the answer.
func ratchatSessionStart(b *testing.B, alice, bob *party, bundle *keys.Bundle, pt []byte) {
	s, err := Initiate(alice.rand, alice.local, bundle)
	if err != nil {
		b.Fatal(err)
	}
	typ, body, err := s.Encrypt(alice.rand, pt)
	if err != nil || typ != TypePreKey {
		b.Fatalf("first message: type %v, %v", typ, err)
	}
	var bs Session
	got, err := bs.Decrypt(bob.rand, bob.local, bob.prekeys, typ, body)
	if err != nil || len(got.Plaintext) != len(pt) {
		b.Fatalf("responder decrypt: %v", err)
	}
	typ, body, err = bs.Encrypt(bob.rand, pt)
	if err != nil {
		b.Fatal(err)
	}
	got, err = s.Decrypt(alice.rand, alice.local, alice.prekeys, typ, body)
	if err != nil || len(got.Plaintext) != len(pt) {
		b.Fatalf("reply decrypt: %v", err)
	}
}

func perItem(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) }

// braidEpochsPerMessage counts, over a conversation of n messages of the
// pattern (after the settling newBenchPair does), how many SPQR epochs
// the braid completes per message, read off the epoch of field 5.
func braidEpochsPerMessage(b *testing.B, pingPong bool, n int) float64 {
	p := newBenchPair(b, true)
	epoch := func(body []byte) uint64 {
		m, err := ParseSignalMessage(body)
		if err != nil {
			b.Fatal(err)
		}
		bm, _, err := braid.ParseMessage(m.PQRatchet)
		if err != nil {
			b.Fatal(err)
		}
		return bm.Epoch
	}
	var first, last uint64
	for i := range n {
		from, to := p[0], p[1]
		if pingPong && i%2 == 1 {
			from, to = p[1], p[0]
		}
		typ, body, err := from.session.Encrypt(from.rand, []byte("calibrate"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := to.session.Decrypt(to.rand, to.local, to.prekeys, typ, body); err != nil {
			b.Fatal(err)
		}
		e := epoch(body)
		if i == 0 {
			first = e
		}
		last = max(last, e)
	}
	return float64(last-first) / float64(n)
}

// chainFloor is the floor of a message on an established chain or in
// ping-pong.
type chainFloor struct {
	ck, salt, root, spqrChain [32]byte
	ours, theirs              *ecdh.PrivateKey
	epochsPerMessage, owed    float64
	ctr                       uint32
}

func newChainFloor(b *testing.B, epochsPerMessage float64) *chainFloor {
	return &chainFloor{ours: floorX25519Key(b), theirs: floorX25519Key(b), epochsPerMessage: epochsPerMessage}
}

// message is one message's floor: the Double Ratchet's symmetric work
// (floorSymmetricMessage), in ping-pong the receiver's DH ratchet step
// (two X25519 agreements, one key generation, two KDF_RK, as
// session/interop's BenchmarkFloor/PingPong1KB), and SPQR's share: the
// chain's HKDF on each side, and whole epochs of ML-KEM-768 work as the
// counted epochs per message add up.
func (f *chainFloor) message(b *testing.B, pt []byte, pingPong bool) {
	f.ck = floorSymmetricMessage(b, f.ck, f.salt[:], pt)
	if pingPong {
		f.root = floorKDFRK(b, f.root, floorX25519(b, f.ours, f.theirs.PublicKey()))
		f.ours = floorX25519Key(b)
		f.root = floorKDFRK(b, f.root, floorX25519(b, f.ours, f.theirs.PublicKey()))
		f.ours, f.theirs = f.theirs, f.ours
	}
	f.ctr++
	f.spqrChain, f.salt = floorSPQRChainStep(b, f.spqrChain, f.ctr)
	floorSPQRChainStep(b, f.spqrChain, f.ctr) // the receiver's
	f.owed += f.epochsPerMessage
	for f.owed >= 1 {
		f.owed--
		floorSPQREpoch(b, uint64(f.ctr))
	}
}

// floorSPQRChainStep is one step of SPQR's symmetric chain: HKDF-SHA256
// of 64 bytes, info the counter and the label.
func floorSPQRChainStep(b *testing.B, next [32]byte, ctr uint32) (newNext, key [32]byte) {
	info := binary.BigEndian.AppendUint32(nil, ctr)
	info = append(info, "Signal PQ Ratchet V1 Chain Next"...)
	var zero [32]byte
	out, err := hkdf.Key(sha256.New, next[:], zero[:], string(info), 64)
	if err != nil {
		b.Fatal(err)
	}
	return [32]byte(out[:32]), [32]byte(out[32:])
}

// floorSPQREpoch is one epoch of the braid's cryptographic work, both
// sides: an ML-KEM-768 key generation, an encapsulation to the received
// key (parsed from its bytes), a decapsulation; on each side the epoch
// secret's HKDF, the authenticator's update HKDF and the chain's
// add-epoch HKDF; the header's and the ciphertext's MACs, made and
// checked.
func floorSPQREpoch(b *testing.B, epoch uint64) {
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		b.Fatal(err)
	}
	ek, err := mlkem.NewEncapsulationKey768(dk.EncapsulationKey().Bytes())
	if err != nil {
		b.Fatal(err)
	}
	ss, ct := ek.Encapsulate()
	ss2, err := dk.Decapsulate(ct)
	if err != nil || !bytes.Equal(ss, ss2) {
		b.Fatalf("ML-KEM-768 secrets differ: %v", err)
	}
	var zero [32]byte
	info := binary.BigEndian.AppendUint64([]byte("epoch"), epoch)
	for range 2 {
		for _, n := range []int{32, 64, 96} {
			if _, err := hkdf.Key(sha256.New, ss, zero[:], string(info), n); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, covered := range [][]byte{ek.Bytes()[:64], ct} {
		tag := floorHMAC(ss, covered)
		if !hmac.Equal(tag, floorHMAC(ss, covered)) {
			b.Fatal("MAC mismatch")
		}
	}
}

func floorHMAC(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// startFloor is the floor of a session start.
type startFloor struct {
	identity keys.KeyPair
	spk      keys.SignedPreKey
	kem      keys.KEMPreKey
	dk       *kyber1024.PrivateKey
	long     *ecdh.PrivateKey
}

func newStartFloor(b *testing.B) *startFloor {
	identity, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	spk, err := keys.NewSignedPreKey(rand.Reader, identity.Private, 1)
	if err != nil {
		b.Fatal(err)
	}
	kem, err := keys.NewKEMPreKey(rand.Reader, identity.Private, 1, false)
	if err != nil {
		b.Fatal(err)
	}
	if kem.Pair.Public.Type != keys.TypeKyber1024 {
		b.Fatalf("KEM prekey of type %v, want Kyber-1024", kem.Pair.Public.Type)
	}
	_, dk := kyber1024.NewKeyFromSeed(kem.Pair.Seed[:])
	// long stands for every long-lived key: cached, as ratchat's are.
	return &startFloor{identity: identity, spk: spk, kem: kem, dk: dk, long: floorX25519Key(b)}
}

// start is one session start's floor: session/interop's floorPQXDH (two
// XEdDSA verifications, three key generations, eleven X25519 agreements
// with a one-time prekey, one Kyber-1024 encapsulation to the bundle's
// key and one decapsulation), the 96-byte PQXDH HKDF on each side, the
// KDF_RKs of both sides' first ratchet steps, the first message's and
// the reply's symmetric work, alice's DH ratchet step on the reply (two
// agreements, one key generation, two KDF_RK), and SPQR's start: its
// chain's start HKDF on each side, one ML-KEM-768 key generation (alice
// samples the first epoch's keys) and a chain step per message and side.
func (f *startFloor) start(b *testing.B, pt []byte) {
	kemBytes, spkBytes := f.kem.Pair.Public.Bytes(), f.spk.Pair.Public.Bytes()
	if keys.Verify(f.identity.Public, spkBytes, f.spk.Signature[:]) != nil ||
		keys.Verify(f.identity.Public, kemBytes, f.kem.Signature[:]) != nil {
		b.Fatal("bad signature")
	}
	base, ratchetA, ratchetB := floorX25519Key(b), floorX25519Key(b), floorX25519Key(b)
	var secretA, secretB []byte
	for range 4 {
		secretA = append(secretA, floorX25519(b, base, f.long.PublicKey())...)
		secretB = append(secretB, floorX25519(b, f.long, base.PublicKey())...)
	}
	var ek kyber1024.PublicKey
	ek.Unpack(kemBytes[1:])
	var ss, ss2 [kyber1024.SharedKeySize]byte
	ct := make([]byte, kyber1024.CiphertextSize)
	ek.EncapsulateTo(ct, ss[:], nil)
	f.dk.DecapsulateTo(ss2[:], ct)
	if ss != ss2 {
		b.Fatal("KEM secrets differ")
	}
	var zero [32]byte
	for _, secret := range [][]byte{append(secretA, ss[:]...), append(secretB, ss2[:]...)} {
		okm, err := hkdf.Key(sha256.New, secret, zero[:], "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", 96)
		if err != nil {
			b.Fatal(err)
		}
		// SPQR's chain starts from the third 32 bytes.
		if _, err := hkdf.Key(sha256.New, okm[64:], zero[:], "Signal PQ Ratchet V1 Chain  Start", 96); err != nil {
			b.Fatal(err)
		}
	}
	var root [32]byte
	root = floorKDFRK(b, root, floorX25519(b, ratchetA, f.long.PublicKey()))   // alice's sending chain
	root = floorKDFRK(b, root, floorX25519(b, f.long, ratchetA.PublicKey()))   // bob's receiving chain
	root = floorKDFRK(b, root, floorX25519(b, ratchetB, ratchetA.PublicKey())) // bob's sending chain
	if _, err := mlkem.GenerateKey768(); err != nil {                          // alice's first SPQR epoch
		b.Fatal(err)
	}
	var ck, chain [32]byte
	var salt [32]byte
	for i := range uint32(2) { // the first message and the reply
		chain, salt = floorSPQRChainStep(b, chain, i+1)
		floorSPQRChainStep(b, chain, i+1)
		ck = floorSymmetricMessage(b, ck, salt[:], pt)
	}
	// alice's DH ratchet step on the reply
	root = floorKDFRK(b, root, floorX25519(b, ratchetA, ratchetB.PublicKey()))
	floorKDFRK(b, root, floorX25519(b, floorX25519Key(b), ratchetB.PublicKey()))
}

// floorKDFRK is KDF_RK: HKDF-SHA256 of 64 bytes salted with the root key.
func floorKDFRK(b *testing.B, root [32]byte, dh []byte) [32]byte {
	out, err := hkdf.Key(sha256.New, dh, root[:], "WhisperRatchet", 64)
	if err != nil {
		b.Fatal(err)
	}
	return [32]byte(out[:32])
}

// floorX25519Key generates an X25519 key from 32 random bytes (one
// base-point multiplication), as keys.GenerateKeyPair does.
func floorX25519Key(b *testing.B) *ecdh.PrivateKey {
	var seed [32]byte
	rand.Read(seed[:])
	k, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// floorX25519 is one agreement with a public key parsed from its bytes,
// as a received key is.
func floorX25519(b *testing.B, priv *ecdh.PrivateKey, pub *ecdh.PublicKey) []byte {
	peer, err := ecdh.X25519().NewPublicKey(pub.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	out, err := priv.ECDH(peer)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
