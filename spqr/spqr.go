package spqr

import (
	"fmt"

	"ratchat/spqr/braid"
)

// Version is an SPQR protocol version; it is the first byte of every
// non-empty SPQR message.
type Version uint8

const (
	// V0 is SPQR disabled: empty messages, no message keys.
	V0 Version = 0
	// V1 is the ML-KEM braid over ML-KEM-768 with the symmetric chain.
	V1 Version = 1
	// MaxVersion is the highest version this package speaks.
	MaxVersion = V1
)

// Direction is which of the session's two chains a party sends on: the
// braid's own type, so that the two never disagree.
type Direction = braid.Direction

const (
	// A2B is the initiator's direction (libsignal's Alice).
	A2B = braid.A2B
	// B2A is the responder's direction (libsignal's Bob).
	B2A = braid.B2A
)

// Params start a session's SPQR state. libsignal 0.103 starts every
// session with Version V1, MinVersion V1 (it refuses peers without SPQR),
// the PQXDH authentication key and [DefaultChainParams] (or MaxJump
// 2^32-1 for a session with oneself).
type Params struct {
	// Direction is A2B for the session's initiator, B2A for the responder.
	Direction Direction
	// Version is the highest version we speak; V0 disables SPQR.
	Version Version
	// MinVersion is the lowest version we let the peer negotiate us down to.
	MinVersion Version
	// AuthKey is the 32-byte SPQR authentication key from PQXDH.
	AuthKey []byte
	// ChainParams are the chain's limits.
	ChainParams ChainParams
}

// VersionStatus tells where version negotiation stands.
type VersionStatus struct {
	// Version is the version the state speaks now.
	Version Version
	// MinVersion is the lowest version still allowed; it is meaningful only
	// while Negotiating.
	MinVersion Version
	// Negotiating is set until the first message from the peer is received.
	Negotiating bool
}

// negotiation is what a state remembers until its first receive, to build
// the chain (and, negotiating down, the lower version's state) from. It is
// never changed once made.
type negotiation struct {
	authKey    []byte
	direction  Direction
	minVersion Version
	params     ChainParams
}

// State is one party's SPQR state. The zero State is SPQR disabled (V0), as
// is the state an empty encoding decodes to. A State is a value: [Send] and
// [Recv] return a new one and never change the one they are given, so a
// caller can keep the old state until the message it decrypts has been
// authenticated.
type State struct {
	version Version
	braid   braid.States
	// chain is nil until it is needed; it is shared between states and
	// never changed in place (Send and Recv change a clone).
	chain *chain
	// neg is nil once negotiation is over.
	neg *negotiation
}

// InitialState returns the state a new session starts with.
func InitialState(p Params) (State, error) {
	switch {
	case p.Version > MaxVersion, p.MinVersion > p.Version:
		return State{}, fmt.Errorf("%w: version %d, minimum %d", ErrInvalidParams, p.Version, p.MinVersion)
	case p.Direction != A2B && p.Direction != B2A:
		return State{}, fmt.Errorf("%w: direction %d", ErrInvalidParams, p.Direction)
	case p.Version == V0:
		return State{}, nil
	case len(p.AuthKey) != KeySize:
		return State{}, fmt.Errorf("%w: authentication key of %d bytes", ErrInvalidParams, len(p.AuthKey))
	}
	if err := p.ChainParams.check(); err != nil {
		return State{}, err
	}
	neg := &negotiation{
		authKey:    append([]byte(nil), p.AuthKey...),
		direction:  p.Direction,
		minVersion: p.MinVersion,
		params:     p.ChainParams,
	}
	return State{version: V1, braid: initBraid(neg), neg: neg}, nil
}

// initBraid starts the braid for the negotiated direction.
func initBraid(n *negotiation) braid.States {
	if n.direction == A2B {
		return braid.InitA(n.authKey)
	}
	return braid.InitB(n.authKey)
}

// CurrentVersion reports the state's version and whether negotiation is
// still open.
func CurrentVersion(s State) VersionStatus {
	if s.neg == nil {
		return VersionStatus{Version: s.version}
	}
	return VersionStatus{Version: s.version, MinVersion: s.neg.minVersion, Negotiating: true}
}

// Epoch returns the braid's current epoch (0 when SPQR is disabled). It
// starts at 1 and grows as ML-KEM exchanges complete.
func (s State) Epoch() uint64 {
	if s.version == V0 {
		return 0
	}
	return s.braid.Epoch()
}

// chainFor returns a chain that can be changed without changing s: a clone
// of s's chain, or a new one from the negotiation record.
func (s State) chainFor() (*chain, error) {
	switch {
	case s.chain != nil:
		return s.chain.clone(), nil
	case s.neg != nil:
		return newChain(s.neg.authKey, s.neg.direction == A2B, s.neg.params)
	default:
		return nil, ErrChainNotAvailable
	}
}

// String describes the state without any of its secrets: version, epoch and
// negotiation.
func (s State) String() string {
	v := CurrentVersion(s)
	return fmt.Sprintf("spqr.State{version %d, epoch %d, negotiating %v}", v.Version, s.Epoch(), v.Negotiating)
}

// GoString is [State.String], so that %#v prints no secrets either.
func (s State) GoString() string { return s.String() }
