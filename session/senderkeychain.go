package session

import (
	"fmt"
	"math"

	"ratchat/internal/hkdf256"
)

// The sender key chain is libsignal's SenderChainKey: the chain key steps
// exactly as a Double Ratchet chain does ([chainKey.step]: message-key
// seed HMAC-SHA256(ck, 0x01), next chain key HMAC-SHA256(ck, 0x02)), and
// the seed expands into the message's AES key and IV with its own label.

// labelSenderKey is the HKDF info that expands a sender key message-key
// seed, as libsignal spells it.
const labelSenderKey = "WhisperGroup"

// labelSenderKeyBytes is [labelSenderKey] as bytes, made once.
var labelSenderKeyBytes = []byte(labelSenderKey)

// senderKeyBytes is how many bytes a seed expands to: IV || AES key.
const senderKeyBytes = ivSize + keySize

// newSenderMessageKeys expands a message-key seed: HKDF-SHA256 with no
// salt and info [labelSenderKey], 48 bytes split IV (16) || AES-256 key
// (32), libsignal's SenderMessageKey. Sender key messages have no MAC
// (the signature authenticates them), so mac stays zero.
func newSenderMessageKeys(seed *[keySize]byte) messageKeys {
	var out [senderKeyBytes]byte
	hkdf256.Key(out[:], seed[:], nil, labelSenderKeyBytes)
	var mk messageKeys
	copy(mk.iv[:], out[:ivSize])
	copy(mk.cipher[:], out[ivSize:])
	clear(out[:])
	return mk
}

// senderKeySeed finds the message-key seed of iteration in the chain
// without changing it, and returns the commit that records the iteration
// as used: the chain moved past it, or its skipped key deleted. It refuses
// an iteration already used ([ErrDuplicate]), one whose key was dropped
// or that predates the distribution ([ErrTooOld]), and one more than
// [MaxForwardJump] ahead ([ErrTooFarAhead]).
func (rc *receiverChain) senderKeySeed(iteration uint32) ([keySize]byte, func(), error) {
	if iteration < rc.index {
		j := rc.findSkipped(iteration)
		if j < 0 {
			if iteration < rc.evictedBelow {
				return [keySize]byte{}, nil, fmt.Errorf("%w: iteration %d", ErrTooOld, iteration)
			}
			return [keySize]byte{}, nil, fmt.Errorf("%w: iteration %d", ErrDuplicate, iteration)
		}
		return rc.skipped[j].seed, func() { rc.removeSkipped(rc.findSkipped(iteration)) }, nil
	}
	// Why refuse the last iteration: the chain key after it would be
	// iteration 2^32, which libsignal cannot represent either.
	if iteration-rc.index > MaxForwardJump || iteration == math.MaxUint32 {
		return [keySize]byte{}, nil, fmt.Errorf("%w: iteration %d, chain at %d", ErrTooFarAhead, iteration, rc.index)
	}
	seed, next, skipped := advance(rc.key, rc.index, iteration)
	return seed, func() { rc.moveTo(next, iteration, skipped) }, nil
}
