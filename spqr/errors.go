package spqr

import "errors"

// Errors returned by this package. Each is wrapped with context (the epoch,
// the index, the limit) and is meant to be checked with [errors.Is]. Errors
// from the braid (package braid) are wrapped unchanged, so a caller can still
// tell a forged braid message from a chain that is out of range.
var (
	// ErrStateDecode is returned by [UnmarshalState] (and so by anything
	// handed an encoded state) when the bytes are not a state this package
	// wrote: unknown format, out-of-range count, trailing bytes, broken
	// invariant. It means our own storage is damaged, never the peer.
	ErrStateDecode = errors.New("spqr: state decode failed")
	// ErrMessageDecode is returned by [Recv] when a version 1 message cannot
	// be parsed.
	ErrMessageDecode = errors.New("spqr: message decode failed")
	// ErrVersionMismatch is returned by [Recv] when the peer's message has a
	// lower version than ours and negotiation is already over.
	ErrVersionMismatch = errors.New("spqr: version mismatch after negotiation")
	// ErrMinimumVersion is returned by [Recv] when the peer's message has a
	// version below the minimum our [Params] allowed. libsignal refuses
	// messages without SPQR this way ("post-quantum ratchet error: Minimum
	// version").
	ErrMinimumVersion = errors.New("spqr: minimum version")
	// ErrInvalidParams is returned by [InitialState] and [NewChain] for
	// parameters out of range.
	ErrInvalidParams = errors.New("spqr: invalid params")
	// ErrChainNotAvailable is returned when a state has neither a chain nor
	// the negotiation record that a chain is built from.
	ErrChainNotAvailable = errors.New("spqr: chain not available")

	// ErrEpochOutOfRange is returned for a key requested in an epoch the
	// chain has not reached yet or has already dropped.
	ErrEpochOutOfRange = errors.New("spqr: epoch out of range")
	// ErrEpochSkipped is returned when an epoch secret is not for the epoch
	// right after the chain's current one.
	ErrEpochSkipped = errors.New("spqr: epoch secret is not for the next epoch")
	// ErrSendEpochDecreased is returned when a send key is requested in an
	// epoch older than the one already sent in.
	ErrSendEpochDecreased = errors.New("spqr: send key epoch decreased")
	// ErrKeyJump is returned for a receive key further ahead of the chain
	// than [ChainParams.MaxJump] allows.
	ErrKeyJump = errors.New("spqr: key jump too far")
	// ErrKeyTrimmed is returned for a receive key more than
	// [ChainParams.MaxOOOKeys] behind the chain: it was deleted.
	ErrKeyTrimmed = errors.New("spqr: key trimmed")
	// ErrKeyAlreadyUsed is returned for a receive key that was already
	// handed out once (a replayed or duplicated message).
	ErrKeyAlreadyUsed = errors.New("spqr: key already requested")
	// ErrChainExhausted is returned when a chain's counter would pass
	// 2^32-1 in one epoch.
	ErrChainExhausted = errors.New("spqr: chain counter exhausted")
)
