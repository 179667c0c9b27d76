// Package hkdf256 is HKDF-SHA256 (RFC 5869) for the ratchets' per-message
// key derivations. It computes exactly the bytes of crypto/hkdf.Key with
// sha256.New, out of crypto/hmac and crypto/sha256 alone, but writes into
// the caller's buffer and keeps its scratch space and the zero-salt
// extractor in a pool, so a derivation costs a handful of allocations
// instead of some twenty. It adds no primitive of its own.
package hkdf256

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// maxOut is the longest output HKDF-SHA256 can give: 255 blocks.
const maxOut = 255 * sha256.Size

// scratch is one derivation's working space. Its zero extractor is
// HMAC-SHA256 keyed with no key, which is the same key as HashLen zero
// bytes (RFC 2104 pads a short key with zeros), and so HKDF-Extract's
// default salt (RFC 5869 section 2.2); it is reset after every use.
type scratch struct {
	zero hash.Hash
	prk  [sha256.Size]byte
	t    [sha256.Size]byte
	ctr  [1]byte
}

var pool = sync.Pool{New: func() any {
	return &scratch{zero: hmac.New(sha256.New, nil)}
}}

// Key fills out with HKDF-SHA256(salt, secret, info) where info is the
// concatenation of the info parts. A nil or empty salt is RFC 5869's
// default salt, HashLen zero bytes, as is a salt of 32 zero bytes.
// Asking for more than 255·32 bytes is a broken invariant and panics.
func Key(out, secret, salt []byte, info ...[]byte) {
	if len(out) > maxOut {
		panic("hkdf256: output too long")
	}
	s := pool.Get().(*scratch)
	defer pool.Put(s)

	// HKDF-Extract: PRK = HMAC-SHA256(salt, secret).
	if len(salt) > 0 {
		ext := hmac.New(sha256.New, salt)
		ext.Write(secret)
		ext.Sum(s.prk[:0])
	} else {
		s.zero.Write(secret)
		s.zero.Sum(s.prk[:0])
		s.zero.Reset() // so that no secret-dependent state waits in the pool
	}

	// HKDF-Expand: T(i) = HMAC-SHA256(PRK, T(i-1) || info || i).
	exp := hmac.New(sha256.New, s.prk[:])
	for i := 1; len(out) > 0; i++ {
		if i > 1 {
			exp.Reset()
			exp.Write(s.t[:])
		}
		for _, p := range info {
			exp.Write(p)
		}
		s.ctr[0] = byte(i)
		exp.Write(s.ctr[:])
		exp.Sum(s.t[:0])
		out = out[copy(out, s.t[:]):]
	}
	clear(s.prk[:])
	clear(s.t[:])
}
