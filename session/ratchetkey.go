package session

import "ratchat/keys"

// SenderRatchetKey returns the ratchet public key the current state sends
// under, false without one. A [DecryptionErrorMessage] that names this key
// reports that the current session is broken on the peer's side; one that
// names an older key refers to a session already replaced.
func (s *Session) SenderRatchetKey() (keys.PublicKey, bool) {
	if s.current == nil {
		return keys.PublicKey{}, false
	}
	return s.current.sender.ratchet.Public, true
}
