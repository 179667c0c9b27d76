package session

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"ratchat/keys"
)

// MaxSenderKeyStates is how many chains a [SenderKeyRecord] keeps, newest
// first (libsignal's MAX_SENDER_KEY_STATES): after a member rotates its
// sender key, its messages on the previous chains still decrypt.
const MaxSenderKeyStates = 5

// DistributionID names a sender key distribution: the 16 bytes of a UUID,
// libsignal's distribution_uuid.
type DistributionID [16]byte

// SenderKeyDistributionMessage hands a member's sender key to another
// member, over a pairwise session: libsignal's SenderKeyDistributionMessage.
// [SenderKeyDistributionMessage.Marshal] and
// [ParseSenderKeyDistributionMessage] read and write libsignal's bytes.
type SenderKeyDistributionMessage struct {
	// DistributionID names the distribution the key belongs to.
	DistributionID DistributionID
	// ChainID names the chain within the distribution (31 random bits,
	// as libsignal draws them).
	ChainID uint32
	// Iteration is the index of the message ChainKey encrypts next.
	Iteration uint32
	// ChainKey is the chain key at Iteration.
	ChainKey [32]byte
	// SigningKey verifies the chain's messages.
	SigningKey keys.PublicKey
}

// SenderKeyRecord holds the sender key of one distribution of one member:
// our own (whose newest state holds the signing private key) or another
// member's, received through [SenderKeyRecord.Process]. It keeps up to
// [MaxSenderKeyStates] states, newest first. The zero value is empty and
// usable. A SenderKeyRecord is not safe for concurrent use.
type SenderKeyRecord struct {
	// id is the distribution of every state; meaningless while states is
	// empty.
	id     DistributionID
	states []*senderKeyState
}

// senderKeyState is one chain of a sender key: libsignal's
// SenderKeyStateStructure.
type senderKeyState struct {
	chainID uint32
	signing keys.PublicKey
	// private is the signing private key of our own chain, nil for a
	// member's.
	private *keys.PrivateKey
	// chain is the chain key at the next iteration, the keys of skipped
	// iterations and the eviction mark. Its ratchetKey is unused (zero): a
	// sender key chain is named by chainID.
	chain receiverChain
}

// NewSenderKey starts a sender key for distribution id: a new chain with
// a random 31-bit chain id (libsignal-protocol-java's chain ids are
// 31-bit), a random chain key at iteration 0 and a new signing key pair.
// It returns our record and the distribution message to send every
// member. Rotating is calling it again with the same id: members keep the
// previous chains ([MaxSenderKeyStates]).
func NewSenderKey(rand io.Reader, id DistributionID) (*SenderKeyRecord, *SenderKeyDistributionMessage, error) {
	var seed [4 + keySize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, nil, fmt.Errorf("session: reading randomness: %w", err)
	}
	signing, err := keys.GenerateKeyPair(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("session: sender key: %w", err)
	}
	st := &senderKeyState{
		chainID: binary.BigEndian.Uint32(seed[:4]) >> 1,
		signing: signing.Public,
		private: &signing.Private,
	}
	copy(st.chain.key[:], seed[4:])
	clear(seed[:])
	r := &SenderKeyRecord{id: id, states: []*senderKeyState{st}}
	m, err := r.Distribution()
	if err != nil {
		return nil, nil, err
	}
	return r, m, nil
}

// Distribution returns the distribution message of the record's newest
// state at its current iteration: what a member needs to read our
// messages from now on (one who joined later, or lost our key). It
// returns [ErrNoSenderKey] for an empty record.
func (r *SenderKeyRecord) Distribution() (*SenderKeyDistributionMessage, error) {
	if len(r.states) == 0 {
		return nil, fmt.Errorf("%w: empty sender key record", ErrNoSenderKey)
	}
	st := r.states[0]
	return &SenderKeyDistributionMessage{
		DistributionID: r.id,
		ChainID:        st.chainID,
		Iteration:      st.chain.index,
		ChainKey:       st.chain.key,
		SigningKey:     st.signing,
	}, nil
}

// DistributionID returns the distribution of the record's states, and
// false for an empty record.
func (r *SenderKeyRecord) DistributionID() (DistributionID, bool) {
	return r.id, len(r.states) > 0
}

// Process adds a member's distribution message to the record, as
// libsignal's process_sender_key_distribution_message does: the state
// becomes the newest, the oldest beyond [MaxSenderKeyStates] is dropped,
// and a state of the same chain id with another signing key is replaced.
// It returns [ErrWrongDistribution] for a message of another distribution
// than the record's states, and wraps [ErrMalformed] for an invalid
// signing key.
func (r *SenderKeyRecord) Process(m *SenderKeyDistributionMessage) error {
	if _, err := keys.NewPublicKey(m.SigningKey[:]); err != nil {
		return fmt.Errorf("%w: sender key distribution: signing key: %w", ErrMalformed, err)
	}
	if len(r.states) > 0 && r.id != m.DistributionID {
		return fmt.Errorf("%w: %x, the record holds %x", ErrWrongDistribution, m.DistributionID, r.id)
	}
	// Why keep a known chain as it is: a replayed (or merely repeated)
	// distribution message must not move the chain back, or the messages
	// already read would decrypt again.
	st := r.take(func(s *senderKeyState) bool { return s.chainID == m.ChainID && s.signing.Equal(m.SigningKey) })
	r.take(func(s *senderKeyState) bool { return s.chainID == m.ChainID })
	if st == nil {
		st = &senderKeyState{chainID: m.ChainID, signing: m.SigningKey}
		st.chain.key = m.ChainKey
		st.chain.index = m.Iteration
		// Earlier iterations were never ours to read: report them as too
		// old rather than as duplicates.
		st.chain.evictedBelow = m.Iteration
	}
	r.id = m.DistributionID
	r.push(st)
	return nil
}

// take removes and returns the first state that match accepts, or nil.
func (r *SenderKeyRecord) take(match func(*senderKeyState) bool) *senderKeyState {
	i := slices.IndexFunc(r.states, match)
	if i < 0 {
		return nil
	}
	st := r.states[i]
	r.states = slices.Delete(r.states, i, i+1)
	return st
}

// push makes st the newest state, dropping the oldest beyond
// [MaxSenderKeyStates].
func (r *SenderKeyRecord) push(st *senderKeyState) {
	if len(r.states) >= MaxSenderKeyStates {
		for _, old := range r.states[MaxSenderKeyStates-1:] {
			old.wipe()
		}
		r.states = r.states[:MaxSenderKeyStates-1]
	}
	r.states = slices.Insert(r.states, 0, st)
}

// state returns the state of chain id, or nil.
func (r *SenderKeyRecord) state(chainID uint32) *senderKeyState {
	for _, st := range r.states {
		if st.chainID == chainID {
			return st
		}
	}
	return nil
}

// wipe clears the secrets of a dropped state.
func (st *senderKeyState) wipe() {
	clear(st.chain.key[:])
	for i := range st.chain.skipped {
		clear(st.chain.skipped[i].seed[:])
	}
	if st.private != nil {
		clear(st.private[:])
	}
}
