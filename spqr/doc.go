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
// message. Every derivation is HKDF-SHA256 with one of these infos (the
// first has two spaces, as the reference spells it):
//
//	"Signal PQ Ratchet V1 Chain  Start"     salt 32 zero bytes, ikm the authentication key
//	"Signal PQ Ratchet V1 Chain Add Epoch"  salt the root, ikm the braid's epoch secret
//	BE32(counter) || "Signal PQ Ratchet V1 Chain Next"  salt 32 zero bytes, ikm the chain
//
// The first two give 96 bytes, split next root || A2B chain || B2A chain of
// the epoch (epoch 0 from the authentication key, PQXDH's third 32 bytes);
// the third gives 64 bytes, split new chain || message key. Counters start
// at 1 in every epoch.
//
// A receive chain may jump ahead at most [ChainParams.MaxJump] keys and
// keeps skipped keys back to [ChainParams.MaxOOOKeys] behind its counter
// (libsignal: 25,000 and 2,000); a key is handed out once. When our send
// epoch moves on, the epoch before it keeps its receive chain for late
// messages and older epochs are deleted.
//
// # Sending and receiving
//
// [InitialState] starts a party from [Params] (libsignal: V1, minimum V1,
// the PQXDH authentication key, [DefaultChainParams]). [Send] returns the
// SPQR message for SignalMessage field 5 and the key that becomes the HKDF
// salt of that message's keys; [Recv] takes field 5 of a received message
// and returns the same key. Braid epoch e (from 1) uses chain epoch e-1.
// A message at braid epoch 1 with index 0 carries no key: a peer that still
// allowed V0 sends those before it has heard from us.
//
// # Version negotiation
//
// An empty message is V0; a message whose first byte is above
// [MaxVersion] is ignored (state unchanged, no key). A message of our
// version or higher is processed. A lower version moves us down while
// negotiation is open and MinVersion allows it, and fails with
// [ErrMinimumVersion] or, once negotiation is over, [ErrVersionMismatch].
// Receiving any message ends negotiation; [CurrentVersion] reports it.
//
// # State
//
// [State.MarshalBinary] and [UnmarshalState] are this package's own
// versioned, bounded encoding of the negotiation record, the chain and the
// braid; V0 encodes as no bytes, so a session saved without SPQR loads as
// V0. A State is a value: a failed [Recv] leaves nothing changed, and the
// caller commits the new state only after the message authenticated.
package spqr
