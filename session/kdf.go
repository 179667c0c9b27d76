package session

import (
	"crypto/sha256"

	"ratchat/internal/hkdf256"
)

// HKDF info labels, exactly as libsignal spells them.
const (
	// labelX3DH derives the first root and chain keys of a version 3
	// session (X3DH, section 3.3 of the X3DH specification).
	labelX3DH = "WhisperText"
	// labelPQXDH derives them, and the SPQR authentication key, for a
	// version 4 session (PQXDH, section 3.3). It names round-3 Kyber-1024,
	// libsignal's KEM; sessions over an ML-KEM-1024 prekey use the same
	// bytes, as libsignal did when it spoke ML-KEM.
	labelPQXDH = "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024"
	// labelRatchet is the info of KDF_RK, the DH ratchet step.
	labelRatchet = "WhisperRatchet"
	// labelMessageKeys is the info that expands a message-key seed.
	labelMessageKeys = "WhisperMessageKeys"
)

// Chain-key HMAC inputs (libsignal's ChainKey: MESSAGE_KEY_SEED and
// CHAIN_KEY_SEED). Distinct constants separate the two outputs.
var (
	messageKeySeedInput = []byte{0x01}
	chainKeySeedInput   = []byte{0x02}
)

// Sizes of the derived secrets.
const (
	keySize          = 32
	ivSize           = 16
	messageKeysBytes = keySize + keySize + ivSize // cipher || MAC || IV
)

// rootKey is the Double Ratchet root key.
type rootKey [keySize]byte

// chainKey is a sending or receiving chain key.
type chainKey [keySize]byte

// messageKeys are the one-use keys of one message.
type messageKeys struct {
	cipher [keySize]byte
	mac    [keySize]byte
	iv     [ivSize]byte
}

// pqAuthKey is the SPQR authentication key that PQXDH derives beside the
// first root and chain keys: the triple ratchet's ML-KEM braid
// authenticates its epochs with it (libsignal's pqr_key, the auth_key of
// SPQR's initial state).
type pqAuthKey [keySize]byte

// deriveInitialKeys turns the X3DH/PQXDH master secret into the first root
// key and chain key: HKDF-SHA256 with no salt and info [labelX3DH] (64
// bytes, root || chain; pq is nil) or [labelPQXDH] (96 bytes, root ||
// chain || SPQR authentication key), as libsignal derives them. The first
// 64 bytes of the 96 are the 64 that PQXDH derived before SPQR, since
// HKDF-Expand's output for a longer length starts with the shorter one.
func deriveInitialKeys(isPQ bool, masterSecret []byte) (root rootKey, chain chainKey, pq *pqAuthKey) {
	label, n := labelX3DH, 2*keySize
	if isPQ {
		label, n = labelPQXDH, 3*keySize
	}
	out := mustHKDF(masterSecret, nil, label, n)
	copy(root[:], out[:keySize])
	copy(chain[:], out[keySize:2*keySize])
	if isPQ {
		pq = new(pqAuthKey)
		copy(pq[:], out[2*keySize:])
	}
	clear(out)
	return root, chain, pq
}

// step is KDF_RK (Double Ratchet section 3.3 / 5.2): HKDF-SHA256 with the
// root key as salt and the DH output as input key material, info
// [labelRatchet], 64 bytes split into the next root key and a chain key.
func (rk *rootKey) step(dh *[keySize]byte) (rootKey, chainKey) {
	out := mustHKDF(dh[:], rk[:], labelRatchet, 2*keySize)
	var next rootKey
	var ck chainKey
	copy(next[:], out[:keySize])
	copy(ck[:], out[keySize:])
	clear(out)
	return next, ck
}

// step is KDF_CK (Double Ratchet section 5.2): the message-key seed
// HMAC-SHA256(ck, 0x01) and the next chain key HMAC-SHA256(ck, 0x02). One
// keyed HMAC serves both, so the key schedule is computed once.
func (ck *chainKey) step() (seed [keySize]byte, next chainKey) {
	hkdf256.SumEach(ck[:], [][]byte{messageKeySeedInput, chainKeySeedInput},
		[]*[keySize]byte{&seed, (*[keySize]byte)(&next)})
	return seed, next
}

// newMessageKeys expands a message-key seed: HKDF-SHA256 with the SPQR
// message key as salt (nil: none, as in a session without SPQR), info
// [labelMessageKeys], 80 bytes split cipher key || MAC key || IV. This is
// libsignal's MessageKeys::derive_keys: the triple ratchet's message keys
// depend on both the Double Ratchet's chain and SPQR's, so breaking one
// ratchet alone reveals no message.
func newMessageKeys(seed *[keySize]byte, pqKey []byte) messageKeys {
	var out [messageKeysBytes]byte
	hkdf256.Key(out[:], seed[:], pqKey, labelMessageKeysBytes)
	var mk messageKeys
	copy(mk.cipher[:], out[:keySize])
	copy(mk.mac[:], out[keySize:2*keySize])
	copy(mk.iv[:], out[2*keySize:])
	clear(out[:])
	return mk
}

// labelMessageKeysBytes is [labelMessageKeys] as the bytes written to the
// HMAC, made once: it is derived with for every message.
var labelMessageKeysBytes = []byte(labelMessageKeys)

// mustHKDF runs HKDF-SHA256 into a new slice. Lengths over 255·32 bytes,
// which no caller asks for, are a broken invariant and panic.
func mustHKDF(secret, salt []byte, info string, length int) []byte {
	out := make([]byte, length)
	hkdf256.Key(out, secret, salt, []byte(info))
	return out
}

// hmacSHA256 returns HMAC-SHA256(key, parts[0] || parts[1] || ...).
func hmacSHA256(key []byte, parts ...[]byte) [sha256.Size]byte {
	var out [sha256.Size]byte
	hkdf256.Sum(&out, key, parts...)
	return out
}
