package session

import "ratchat/keys"

// Limits on what one session keeps, libsignal's values.
const (
	// MaxSkippedKeys is how many message keys one receiving chain keeps for
	// messages that have not arrived yet; beyond it the oldest is dropped.
	MaxSkippedKeys = 2000
	// MaxForwardJump is how far ahead of its chain a message's counter may
	// be. It bounds the work and memory one message can make us spend.
	MaxForwardJump = 25000
	// MaxReceiverChains is how many receiving chains a session keeps, so
	// that late messages of the peer's previous ratchet keys still decrypt.
	MaxReceiverChains = 5
	// MaxRetiredChains is how many of the peer's dropped ratchet keys
	// (public keys only) a session remembers, so that a late message on one
	// of them is reported as too old instead of failing its MAC after a
	// pointless DH ratchet step.
	MaxRetiredChains = 20
)

// senderChain is our current sending chain: our ratchet key pair, its chain
// key, and the counter of the next message.
type senderChain struct {
	ratchet keys.KeyPair
	key     chainKey
	index   uint32
}

// receiverChain is one of the peer's sending chains as we see it: the
// peer's ratchet key, the chain key for message number index, and the
// keys of messages skipped on the way.
type receiverChain struct {
	ratchetKey keys.PublicKey
	key        chainKey
	index      uint32
	skipped    []skippedKey
	// evictedBelow is one more than the highest counter whose skipped key
	// was dropped, so that its message is reported as too old rather than
	// as a duplicate.
	evictedBelow uint32
}

// advance is the symmetric ratchet (Double Ratchet section 2.2) run forward
// from (ck, index) to the message numbered counter, without changing
// anything: it returns that message's key seed (expanded with the SPQR key
// once that is known), the chain key that follows it, and the seeds of the
// messages skipped on the way.
func advance(ck chainKey, index, counter uint32) ([keySize]byte, chainKey, []skippedKey) {
	var skipped []skippedKey
	if counter > index {
		skipped = make([]skippedKey, 0, min(counter-index, MaxSkippedKeys))
	}
	for ; index < counter; index++ {
		seed, next := ck.step()
		if counter-index <= MaxSkippedKeys {
			skipped = append(skipped, skippedKey{index: index, seed: seed})
		}
		ck = next
	}
	seed, next := ck.step()
	return seed, next, skipped
}
