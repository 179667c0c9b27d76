// Package spqr is SPQR V1, Signal's sparse post-quantum ratchet, as
// libsignal 0.103 speaks it (the SparsePostQuantumRatchet crate, v1.5): the
// ML-KEM braid of package braid, its symmetric chain, and the version
// negotiation between the two. It is pure: no I/O, no clock, randomness
// passed in as an [io.Reader], and every step returns a new state without
// changing the one it was given.
//
// # The chain
//
// The chain turns the braid's epoch secrets into one message key per
// message. It starts from the authentication key of the key agreement
// (PQXDH's third 32 bytes): HKDF-SHA256 with a zero salt and info
// "Signal PQ Ratchet V1 Chain  Start" (two spaces, as the reference) gives
// 96 bytes: the next root, the A2B chain and the B2A chain of epoch 0. Each
// epoch secret is mixed in with HKDF-SHA256(salt = root, ikm = secret, info
// "Signal PQ Ratchet V1 Chain Add Epoch"), split the same way. Each step of
// a chain is HKDF-SHA256(zero salt, chain, BE32(counter) || "Signal PQ
// Ratchet V1 Chain Next"): 32 bytes of new chain, 32 bytes of message key.
// Counters start at 1 in every epoch.
//
// A receive chain may jump ahead at most [ChainParams.MaxJump] keys and
// keeps skipped keys back to [ChainParams.MaxOOOKeys] behind its counter
// (libsignal: 25,000 and 2,000); a key is handed out once. When our send
// epoch moves on, the epoch before it keeps its receive chain for late
// messages and older epochs are deleted.
package spqr
