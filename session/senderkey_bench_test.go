package session

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
	"time"

	"ratchat/keys"
)

// senderKeyBlock is how many messages each of the three encrypts per round
// of BenchmarkSenderKeyThreeWays.
const senderKeyBlock = 100

// BenchmarkSenderKeyThreeWays times a sender-key encrypt of 1 KB three
// ways in one run, in rounds like BenchmarkTripleRatchetThreeWays: every
// iteration of the loop times a block of [SenderKeyRecord.Encrypt], then
// the same block of its floor (senderKeyFloor), then the same block of
// libsignal-client's groupEncrypt in the driver (timed inside node, so the
// pipe is not counted; its sender key is kept across rounds). Reported,
// as medians over the rounds: "ratchat-ns/msg", "floor-ns/msg",
// "libsignal-ns/msg", and the per-round ratios "x-floor" (ratchat ÷
// floor) and "x-libsignal" (libsignal ÷ ratchat). Run it with a fixed
// number of rounds (-benchtime 40x). It needs node and the npm package.
func BenchmarkSenderKeyThreeWays(b *testing.B) {
	d := startLibsignal(b)
	pt := bytes.Repeat([]byte{'a'}, libsignalBenchSize)
	rec, dist, err := NewSenderKey(seededRand(60), testDistribution)
	if err != nil {
		b.Fatal(err)
	}
	floor := newSenderKeyFloor(dist, rec)
	rnd := seededRand(61)
	var r threeWaysRounds
	for b.Loop() {
		start := time.Now()
		for range senderKeyBlock {
			if _, err := rec.Encrypt(rnd, pt); err != nil {
				b.Fatal(err)
			}
		}
		r.ratchat = append(r.ratchat, perItem(time.Since(start), senderKeyBlock))

		start = time.Now()
		for range senderKeyBlock {
			floor.encrypt(b, pt)
		}
		r.floor = append(r.floor, perItem(time.Since(start), senderKeyBlock))

		var ls lsBench
		d.call("benchGroupEncrypt", map[string]any{"n": senderKeyBlock, "size": len(pt), "pair": "threeways"}, &ls)
		if ls.N != senderKeyBlock || ls.NsPerMessage <= 0 {
			b.Fatalf("benchGroupEncrypt answered %+v for n=%d", ls, senderKeyBlock)
		}
		r.libsignal = append(r.libsignal, ls.NsPerMessage)
	}
	r.report(b)
}

// senderKeyFloor is the cryptographic work a sender-key message demands,
// done with the primitives and no encoding: the chain step (two
// HMAC-SHA256), the message key's HKDF-SHA256 (48 bytes), AES-256-CBC of
// the padded plaintext, and one XEdDSA signature over a buffer of the
// message's size.
type senderKeyFloor struct {
	ck      [32]byte
	signing keys.PrivateKey
	buf     []byte
}

// newSenderKeyFloor starts the floor on the chain and signing key of the
// record that dist announced.
func newSenderKeyFloor(dist *SenderKeyDistributionMessage, rec *SenderKeyRecord) *senderKeyFloor {
	return &senderKeyFloor{ck: dist.ChainKey, signing: *rec.states[0].private}
}

// encrypt is one message's floor.
func (f *senderKeyFloor) encrypt(b *testing.B, pt []byte) {
	m := hmac.New(sha256.New, f.ck[:])
	m.Write([]byte{1})
	seed := m.Sum(nil)
	m.Reset()
	m.Write([]byte{2})
	m.Sum(f.ck[:0])
	keyIV, err := hkdf.Key(sha256.New, seed, nil, labelSenderKey, 48)
	if err != nil {
		b.Fatal(err)
	}
	block, err := aes.NewCipher(keyIV[16:])
	if err != nil {
		b.Fatal(err)
	}
	n := len(pt) + aes.BlockSize - len(pt)%aes.BlockSize
	f.buf = append(f.buf[:0], pt...)
	for len(f.buf) < n {
		f.buf = append(f.buf, byte(n-len(pt)))
	}
	cipher.NewCBCEncrypter(block, keyIV[:16]).CryptBlocks(f.buf, f.buf)
	if _, err := keys.Sign(zeroReader{}, f.signing, f.buf); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSenderKeyEncrypt1KB times [SenderKeyRecord.Encrypt] of 1 KB
// alone, with its allocations.
func BenchmarkSenderKeyEncrypt1KB(b *testing.B) {
	pt := bytes.Repeat([]byte{'a'}, 1024)
	rec, _, err := NewSenderKey(seededRand(62), testDistribution)
	if err != nil {
		b.Fatal(err)
	}
	rnd := seededRand(63)
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := rec.Encrypt(rnd, pt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSenderKeyDecrypt1KB times [SenderKeyRecord.Decrypt] of 1 KB
// in order (the encryption outside the timer), with its allocations.
func BenchmarkSenderKeyDecrypt1KB(b *testing.B) {
	pt := bytes.Repeat([]byte{'a'}, 1024)
	p := newGroupPair(b, 64)
	rnd := seededRand(65)
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		b.StopTimer()
		m, err := p.sender.Encrypt(rnd, pt)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := p.receiver.Decrypt(m); err != nil {
			b.Fatal(err)
		}
	}
}
