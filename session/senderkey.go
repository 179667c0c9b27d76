package session

import (
	"errors"
	"io"

	"ratchat/keys"
)

// MaxSenderKeyStates is how many chains a [SenderKeyRecord] keeps, newest
// first (libsignal's MAX_SENDER_KEY_STATES): a member who rotated its
// sender key can still be read on its previous chains for a while.
const MaxSenderKeyStates = 5

// DistributionID names a sender key distribution: the 16 bytes of a UUID,
// libsignal's distribution_uuid.
type DistributionID [16]byte

// SenderKeyDistributionMessage hands a member's sender key to another
// member, over a pairwise session: libsignal's SenderKeyDistributionMessage.
type SenderKeyDistributionMessage struct {
	// DistributionID names the distribution the key belongs to.
	DistributionID DistributionID
	// ChainID names the chain within the distribution (31 random bits).
	ChainID uint32
	// Iteration is the index of the message ChainKey encrypts next.
	Iteration uint32
	// ChainKey is the chain key at Iteration.
	ChainKey [32]byte
	// SigningKey verifies the chain's messages.
	SigningKey keys.PublicKey
}

// SenderKeyRecord holds the sender key states of one distribution of one
// member: our own (with the signing private key) or another member's. It
// keeps up to [MaxSenderKeyStates] states, newest first. The zero value is
// empty and usable. A SenderKeyRecord is not safe for concurrent use.
type SenderKeyRecord struct {
	states []*senderKeyState
}

// errNotYet is returned by the API skeleton until the code lands.
var errNotYet = errors.New("session: sender keys: not implemented yet")

// NewSenderKey starts a sender key for distribution id: a new chain with a
// random chain id, chain key and signing key. It returns our record and
// the distribution message to send every member.
func NewSenderKey(rand io.Reader, id DistributionID) (*SenderKeyRecord, *SenderKeyDistributionMessage, error) {
	return nil, nil, errNotYet
}

// Distribution returns the distribution message of the record's newest
// state at its current iteration, to send a member who joined later or
// lost our key.
func (r *SenderKeyRecord) Distribution() (*SenderKeyDistributionMessage, error) {
	return nil, errNotYet
}

// Encrypt encrypts plaintext with the record's newest state, which must be
// our own, and returns the SenderKeyMessage's bytes.
func (r *SenderKeyRecord) Encrypt(rand io.Reader, plaintext []byte) ([]byte, error) {
	return nil, errNotYet
}

// Process adds a member's distribution message to the record.
func (r *SenderKeyRecord) Process(m *SenderKeyDistributionMessage) error {
	return errNotYet
}

// Decrypt decrypts a SenderKeyMessage from the record's member.
func (r *SenderKeyRecord) Decrypt(msg []byte) ([]byte, error) {
	return nil, errNotYet
}

// SenderKeyMessageDistribution reads the distribution id and chain id of a
// SenderKeyMessage without checking its signature.
func SenderKeyMessageDistribution(msg []byte) (DistributionID, uint32, error) {
	return DistributionID{}, 0, errNotYet
}

// Marshal returns the message as libsignal serializes it.
func (m *SenderKeyDistributionMessage) Marshal() []byte { return nil }

// ParseSenderKeyDistributionMessage parses libsignal's serialization.
func ParseSenderKeyDistributionMessage(b []byte) (*SenderKeyDistributionMessage, error) {
	return nil, errNotYet
}

// MarshalBinary serializes the record in ratchat's own format.
func (r *SenderKeyRecord) MarshalBinary() ([]byte, error) { return nil, errNotYet }

// UnmarshalBinary replaces r with the record b holds.
func (r *SenderKeyRecord) UnmarshalBinary(b []byte) error { return errNotYet }

// senderKeyState is one chain of a sender key.
type senderKeyState struct{}
