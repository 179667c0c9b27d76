// Package hkdf256 is HKDF-SHA256 (RFC 5869) and HMAC-SHA256 for the
// ratchets' per-message key derivations. It computes exactly the bytes of
// crypto/hkdf.Key and crypto/hmac with sha256.New, out of crypto/hmac and
// crypto/sha256 alone, and adds no primitive of its own. What it saves is
// allocations: it writes into the caller's buffer, and a pool keeps its
// scratch space, the SHA-256 digests that crypto/hmac runs on and an HMAC
// keyed for HKDF-Extract's default salt, so a derivation costs a handful
// of allocations instead of some twenty.
package hkdf256

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// Size is the size of an HMAC-SHA256 output and of a pseudorandom key.
const Size = sha256.Size

// maxOut is the longest output HKDF-SHA256 can give: 255 blocks.
const maxOut = 255 * Size

// digestsPerCall is how many digests one call hands to crypto/hmac: two
// per HMAC, and Key makes two HMACs (extract and expand).
const digestsPerCall = 4

// scratch is one call's working space, taken from the pool for the call.
type scratch struct {
	// zero is HMAC-SHA256 keyed with no key, which is the same key as
	// HashLen zero bytes (RFC 2104 pads a short key with zeros), and so
	// HKDF-Extract's default salt (RFC 5869 section 2.2). It is reset
	// after every use, so that no secret-dependent state waits in the pool.
	zero hash.Hash
	// digests are fresh SHA-256 states that newHash hands to hmac.New in
	// turn; used counts those handed out in this call.
	digests [digestsPerCall]hash.Hash
	used    int
	// newHash is the method value s.digest, made once: a method value
	// made at each call would be an allocation.
	newHash func() hash.Hash
	prk     [Size]byte
	t       [Size]byte
	ctr     [1]byte
	// buf carries every input to the hash, and key every HMAC key (it
	// grows past a block only for a longer key): hash.Hash is an
	// interface, so a slice written to it directly escapes, and the
	// caller's keys and stack arrays would all be moved to the heap.
	buf [4 * 64]byte
	key []byte
}

var pool = sync.Pool{New: func() any {
	s := &scratch{zero: hmac.New(sha256.New, nil), key: make([]byte, 0, sha256.BlockSize)}
	for i := range s.digests {
		s.digests[i] = sha256.New()
	}
	s.newHash = s.digest
	return s
}}

// get takes a scratch from the pool.
func get() *scratch {
	return pool.Get().(*scratch)
}

// put wipes s and returns it to the pool. The HMACs made on its digests
// must no longer be in use.
func put(s *scratch) {
	for _, d := range s.digests[:s.used] {
		d.Reset()
	}
	s.used = 0
	clear(s.prk[:])
	clear(s.t[:])
	clear(s.buf[:])
	clear(s.key[:cap(s.key)])
	s.key = s.key[:0]
	pool.Put(s)
}

// write writes p to h through s.buf, so that p does not escape.
func (s *scratch) write(h hash.Hash, p []byte) {
	for len(p) > 0 {
		n := copy(s.buf[:], p)
		h.Write(s.buf[:n])
		p = p[n:]
	}
}

// newHMAC returns HMAC-SHA256 keyed with a copy of key, on s's digests.
func (s *scratch) newHMAC(key []byte) hash.Hash {
	s.key = append(s.key[:0], key...)
	return hmac.New(s.newHash, s.key)
}

// digest hands out the next unused digest, reset. Asking for more than a
// call's share is a broken invariant.
func (s *scratch) digest() hash.Hash {
	if s.used == len(s.digests) {
		panic("hkdf256: out of digests")
	}
	d := s.digests[s.used]
	s.used++
	d.Reset()
	return d
}

// Key fills out with HKDF-SHA256(salt, secret, info) where info is the
// concatenation of the info parts. A nil or empty salt is RFC 5869's
// default salt, HashLen zero bytes, as is a salt of 32 zero bytes.
// Asking for more than 255·32 bytes is a broken invariant and panics.
func Key(out, secret, salt []byte, info ...[]byte) {
	if len(out) > maxOut {
		panic("hkdf256: output too long")
	}
	s := get()
	defer put(s)

	// HKDF-Extract: PRK = HMAC-SHA256(salt, secret).
	if len(salt) > 0 {
		ext := s.newHMAC(salt)
		s.write(ext, secret)
		ext.Sum(s.prk[:0])
	} else {
		s.write(s.zero, secret)
		s.zero.Sum(s.prk[:0])
		s.zero.Reset()
	}

	// HKDF-Expand: T(i) = HMAC-SHA256(PRK, T(i-1) || info || i).
	exp := hmac.New(s.newHash, s.prk[:])
	for i := 1; len(out) > 0; i++ {
		if i > 1 {
			exp.Reset()
			exp.Write(s.t[:])
		}
		for _, p := range info {
			s.write(exp, p)
		}
		s.ctr[0] = byte(i)
		exp.Write(s.ctr[:])
		exp.Sum(s.t[:0])
		out = out[copy(out, s.t[:]):]
	}
}

// Sum sets out to HMAC-SHA256(key, parts[0] || parts[1] || ...).
func Sum(out *[Size]byte, key []byte, parts ...[]byte) {
	s := get()
	defer put(s)
	mac := s.newHMAC(key)
	for _, p := range parts {
		s.write(mac, p)
	}
	mac.Sum(s.t[:0])
	*out = s.t
}

// SumEach sets *outs[i] to HMAC-SHA256(key, msgs[i]) for every i, with one
// keyed HMAC: the key schedule is computed once. outs and msgs must have
// the same length.
func SumEach(key []byte, msgs [][]byte, outs []*[Size]byte) {
	if len(msgs) != len(outs) {
		panic("hkdf256: SumEach of different lengths")
	}
	s := get()
	defer put(s)
	mac := s.newHMAC(key)
	for i, m := range msgs {
		if i > 0 {
			mac.Reset()
		}
		s.write(mac, m)
		mac.Sum(s.t[:0])
		*outs[i] = s.t
	}
}
