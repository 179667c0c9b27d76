package spqr

import (
	"fmt"
	"io"

	"ratchat/spqr/braid"
)

// Send makes the SPQR message for our next Double Ratchet message and the
// key to mix into its message keys (libsignal: the HKDF salt of
// MessageKeys). The key is nil when SPQR is disabled, and while
// negotiation still allows V0 and nothing was received yet (the message
// then carries index 0). The message is empty when SPQR is disabled.
func Send(s State, rand io.Reader) (next State, msg, key []byte, err error) {
	if s.version == V0 {
		return State{}, nil, nil, nil
	}
	b, m, secret, err := s.braid.Send(rand)
	if err != nil {
		return s, nil, nil, fmt.Errorf("spqr: send: %w", err)
	}
	var c *chain
	switch {
	case s.chain != nil, s.neg == nil, s.neg.minVersion > V0:
		// A peer that must speak V1 gets keys from the first message on;
		// one that may still negotiate us down to V0 gets none until it
		// has shown us a V1 message.
		if c, err = s.chainFor(); err != nil {
			return s, nil, nil, err
		}
	}
	var index uint32
	if c == nil {
		if secret != nil {
			return s, nil, nil, fmt.Errorf("%w: epoch secret before the chain", ErrChainNotAvailable)
		}
	} else {
		if key, index, err = sendKey(c, m.Epoch, secret); err != nil {
			return s, nil, nil, err
		}
	}
	return State{version: V1, braid: b, chain: c, neg: s.neg}, m.Serialize(index), key, nil
}

// sendKey mixes in the braid's new epoch secret, if any, and steps the send
// chain of the epoch before the message's (braid epochs start at 1, chain
// epochs at 0).
func sendKey(c *chain, msgEpoch uint64, secret *braid.EpochSecret) ([]byte, uint32, error) {
	if secret != nil {
		if err := c.addEpoch(secret.Epoch, secret.Secret); err != nil {
			return nil, 0, err
		}
	}
	if msgEpoch == 0 {
		return nil, 0, fmt.Errorf("%w: braid message in epoch 0", ErrEpochOutOfRange)
	}
	index, k, err := c.sendKey(msgEpoch - 1)
	if err != nil {
		return nil, 0, err
	}
	return k[:], index, nil
}

// Recv takes the peer's SPQR message (SignalMessage field 5, empty if
// absent) and returns the new state and the key the peer mixed into that
// message's keys (nil for none). Negotiation, as in the reference:
//   - an empty message is V0; a first byte above [MaxVersion] is a version
//     we do not know yet, and the message is ignored: the state is
//     returned unchanged, with no key;
//   - a version equal to or above ours is processed with our state;
//   - a lower version negotiates us down if negotiation is still open and
//     MinVersion allows it ([ErrMinimumVersion] if not), and fails with
//     [ErrVersionMismatch] once negotiation is over;
//   - any message received closes negotiation.
//
// The message at epoch 1, index 0 (sent before a V0-tolerant peer had
// heard from us) carries no key.
func Recv(s State, msg []byte) (next State, key []byte, err error) {
	v := V0
	if len(msg) > 0 {
		if Version(msg[0]) > MaxVersion {
			return s, nil, nil
		}
		v = Version(msg[0])
	}
	st := s
	if v < s.version {
		if st, err = negotiateDown(s, v); err != nil {
			return s, nil, err
		}
	}
	if st.version == V0 {
		return State{}, nil, nil
	}
	m, index, err := braid.ParseMessage(msg)
	if err != nil {
		return s, nil, fmt.Errorf("%w: %w", ErrMessageDecode, err)
	}
	if m.Epoch == 0 {
		return s, nil, fmt.Errorf("%w: epoch 0", ErrMessageDecode)
	}
	b, secret, err := st.braid.Recv(m)
	if err != nil {
		return s, nil, fmt.Errorf("spqr: receive: %w", err)
	}
	c, err := st.chainFor()
	if err != nil {
		return s, nil, err
	}
	if secret != nil {
		if err := c.addEpoch(secret.Epoch, secret.Secret); err != nil {
			return s, nil, err
		}
	}
	if m.Epoch > 1 || index > 0 {
		k, err := c.recvKey(m.Epoch-1, index)
		if err != nil {
			return s, nil, err
		}
		key = k[:]
	}
	return State{version: V1, braid: b, chain: c}, key, nil
}

// negotiateDown moves s to the peer's lower version v, if still allowed,
// and closes negotiation.
func negotiateDown(s State, v Version) (State, error) {
	if s.neg == nil {
		return s, fmt.Errorf("%w: ours %d, theirs %d", ErrVersionMismatch, s.version, v)
	}
	if v < s.neg.minVersion {
		return s, fmt.Errorf("%w: theirs %d, minimum %d", ErrMinimumVersion, v, s.neg.minVersion)
	}
	// Below V1 there is no braid and no chain to keep.
	return State{version: v}, nil
}
