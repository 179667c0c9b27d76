package spqr

import "fmt"

// Chain limits. libsignal 0.103 sets them in rust/protocol/src/ratchet.rs
// (spqr_chain_params) from its consts.rs: MAX_FORWARD_JUMPS = 25,000 and
// MAX_MESSAGE_KEYS = 2,000, the same values as the SPQR crate's own
// defaults, so libsignal stores them as zero ("default"). For a session with
// oneself libsignal lifts the jump limit to 2^32-1.
const (
	// DefaultMaxJump is how far ahead of a receive chain's counter a key may
	// be requested.
	DefaultMaxJump = 25_000
	// DefaultMaxOOOKeys is how far behind a receive chain's counter a key
	// may still be requested (out of order).
	DefaultMaxOOOKeys = 2_000
	// MaxOOOKeysLimit bounds [ChainParams.MaxOOOKeys]: it bounds the keys a
	// state keeps, and so the size of every state [UnmarshalState] accepts.
	MaxOOOKeysLimit = 1 << 16
	// epochsKeptBeforeSend is how many epochs before the current send epoch
	// keep their receive chains, for messages the peer sent before it saw
	// our newer epoch. Older epochs are dropped when our send epoch moves.
	epochsKeptBeforeSend = 1
)

// ChainParams are the limits of the symmetric chain. A zero field means the
// default ([DefaultMaxJump], [DefaultMaxOOOKeys]), as in the reference, so a
// future change of default reaches stored states too.
type ChainParams struct {
	// MaxJump refuses a receive key more than this far ahead of the
	// counter: a forged index must not make us derive billions of keys.
	MaxJump uint32
	// MaxOOOKeys keeps the keys back to counter-MaxOOOKeys for late
	// messages; older ones are deleted (forward secrecy) and refused with
	// [ErrKeyTrimmed].
	MaxOOOKeys uint32
}

// DefaultChainParams returns the limits libsignal uses for a session with
// another account: 25,000 and 2,000.
func DefaultChainParams() ChainParams {
	return ChainParams{MaxJump: DefaultMaxJump, MaxOOOKeys: DefaultMaxOOOKeys}
}

// maxJump returns MaxJump with the default applied.
func (p ChainParams) maxJump() uint32 {
	if p.MaxJump == 0 {
		return DefaultMaxJump
	}
	return p.MaxJump
}

// maxOOO returns MaxOOOKeys with the default applied.
func (p ChainParams) maxOOO() uint32 {
	if p.MaxOOOKeys == 0 {
		return DefaultMaxOOOKeys
	}
	return p.MaxOOOKeys
}

// check refuses limits this package will not keep state for.
func (p ChainParams) check() error {
	if p.MaxOOOKeys > MaxOOOKeysLimit {
		return fmt.Errorf("%w: max out-of-order keys %d, at most %d", ErrInvalidParams, p.MaxOOOKeys, MaxOOOKeysLimit)
	}
	return nil
}
