package transport

import (
	"io"
	"sync"

	"ratchat/keys"
)

// maxSealerKeys bounds the agreements a [Sealer] remembers: more than a
// group has members (1,024), and 32 bytes each.
const maxSealerKeys = 4096

// Sealer seals envelopes from one sender, as [SealEnvelope] does, byte for
// byte the same format, but remembers the static agreement DH(IK_s, IK_r)
// with each recipient. A message to a group is sealed once per member,
// and of an envelope's three X25519 operations (the ephemeral key, DH(E,
// IK_r), DH(IK_s, IK_r)) the last one is the same for every envelope to
// that member: remembering it makes each envelope a third cheaper.
//
// Why this is safe: the agreement is a function of the two identity keys
// alone, so it is as secret as our identity key, which this process holds
// anyway; it stays in memory (never stored), and every envelope still
// gets a fresh ephemeral key, so no two envelopes share a key1 or a key2.
// A Sealer is safe for concurrent use.
type Sealer struct {
	sender *keys.KeyPair

	mu     sync.Mutex
	static map[keys.PublicKey][keys.KeySize]byte
}

// NewSealer returns a Sealer for envelopes from sender, which it keeps
// (and must not change).
func NewSealer(sender *keys.KeyPair) *Sealer {
	return &Sealer{sender: sender, static: map[keys.PublicKey][keys.KeySize]byte{}}
}

// Seal is [SealEnvelope] from the Sealer's sender to recipient.
func (s *Sealer) Seal(rand io.Reader, recipient keys.PublicKey, msgType uint8, message []byte) ([]byte, error) {
	return sealEnvelope(rand, s.sender.Public, recipient, func() ([keys.KeySize]byte, error) {
		return s.agreement(recipient)
	}, msgType, message)
}

// agreement returns DH(IK_s, recipient), computing and remembering it the
// first time. A key that gives no agreement (one of small order) is not
// remembered: it fails every time.
func (s *Sealer) agreement(recipient keys.PublicKey) ([keys.KeySize]byte, error) {
	s.mu.Lock()
	dh, ok := s.static[recipient]
	s.mu.Unlock()
	if ok {
		return dh, nil
	}
	s.mu.Lock() // Agree caches the key in crypto/ecdh's form: not concurrently
	dh, err := s.sender.Agree(recipient)
	if err == nil {
		if len(s.static) >= maxSealerKeys {
			clear(s.static)
		}
		s.static[recipient] = dh
	}
	s.mu.Unlock()
	return dh, err
}
