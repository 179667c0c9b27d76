package spqr

import (
	"encoding/binary"

	"ratchat/internal/hkdf256"
)

// HKDF-SHA256 info labels of the symmetric chain, byte for byte as
// SparsePostQuantumRatchet v1.5 spells them. Note the two spaces in
// [labelChainStart]: it is what the reference derives with, so it is what we
// must derive with.
const (
	// labelChainStart derives the first root and the epoch-0 chains from
	// the authentication key that PQXDH produced.
	labelChainStart = "Signal PQ Ratchet V1 Chain  Start"
	// labelAddEpoch mixes an epoch secret from the braid into the root.
	labelAddEpoch = "Signal PQ Ratchet V1 Chain Add Epoch"
	// labelChainNext steps one direction's chain; the info is the new
	// counter as 4 big-endian bytes followed by this label.
	labelChainNext = "Signal PQ Ratchet V1 Chain Next"
)

// Sizes of the chain's secrets.
const (
	// KeySize is the size of a message key and of every chain secret.
	KeySize = 32
	// rootOutputSize is root || A2B chain || B2A chain.
	rootOutputSize = 3 * KeySize
	// nextOutputSize is next chain || message key.
	nextOutputSize = 2 * KeySize
)

// zeroSalt is the salt of the start and next derivations: HashLen zero
// bytes, as the reference passes explicitly (RFC 5869 treats a missing salt
// the same way).
var zeroSalt [KeySize]byte

// deriveRoot expands ikm under salt into the next root and the two epoch
// chains: HKDF-SHA256(salt, ikm, label) of 96 bytes, split
// root [0,32) || A2B [32,64) || B2A [64,96).
func deriveRoot(salt, ikm []byte, label string) (root, a2b, b2a [KeySize]byte) {
	var out [rootOutputSize]byte
	hkdf256.Key(out[:], ikm, salt, []byte(label))
	copy(root[:], out[:KeySize])
	copy(a2b[:], out[KeySize:2*KeySize])
	copy(b2a[:], out[2*KeySize:])
	clear(out[:])
	return root, a2b, b2a
}

// deriveNext steps a chain to counter ctr: HKDF-SHA256(zero salt, next,
// BE32(ctr) || labelChainNext) of 64 bytes, split next || message key.
//
// The zero salt is passed as none: RFC 5869 defines the missing salt as
// HashLen zero bytes, so the bytes are the same and the extract step can
// use a prepared HMAC.
func deriveNext(next [KeySize]byte, ctr uint32) (newNext, key [KeySize]byte) {
	var out [nextOutputSize]byte
	var ctrBE [4]byte
	binary.BigEndian.PutUint32(ctrBE[:], ctr)
	hkdf256.Key(out[:], next[:], nil, ctrBE[:], labelChainNextBytes)
	copy(newNext[:], out[:KeySize])
	copy(key[:], out[KeySize:])
	clear(out[:])
	return newNext, key
}

// labelChainNextBytes is [labelChainNext] as the bytes written to the HMAC.
var labelChainNextBytes = []byte(labelChainNext)
