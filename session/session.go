package session

import (
	"errors"
	"fmt"
	"io"
	"time"

	"ratchat/keys"
	"ratchat/spqr"
)

// MaxArchivedStates is how many earlier sessions with the same contact are
// kept, so that messages sent under a session the contact has since
// replaced still decrypt. libsignal keeps 40; ten bounds the work a
// message that matches none of them can cause.
const MaxArchivedStates = 10

// MessageType tells a PreKeySignalMessage from a SignalMessage. It travels
// beside the message (libsignal's CiphertextMessageType), not inside it.
type MessageType uint8

// The message types, with libsignal's numbers.
const (
	TypeSignal MessageType = 2
	TypePreKey MessageType = 3
)

// Local is what the engine needs to know about our own side.
type Local struct {
	Identity       keys.KeyPair
	RegistrationID uint32
	// Now is the clock that dates skipped message keys, which expire after
	// [MaxSkippedKeyAge]. Nil: keys are kept undated and never expire.
	Now func() time.Time
}

// now reads the caller's clock; the zero time when there is none.
func (l Local) now() time.Time {
	if l.Now == nil {
		return time.Time{}
	}
	return l.Now()
}

// PreKeys finds our own prekeys by id when a PreKeySignalMessage arrives.
// An implementation returns an error matching [ErrNoSuchPreKey] when it
// does not have the key (never had it, or it was used), which Decrypt
// reports as [ErrUnknownPreKey]. Any other error means the lookup itself
// failed; Decrypt returns it wrapped, matching none of this package's
// errors, so that the caller keeps the message to try again.
type PreKeys interface {
	SignedPreKey(id uint32) (keys.SignedPreKey, error)
	OneTimePreKey(id uint32) (keys.OneTimePreKey, error)
	KEMPreKey(id uint32) (keys.KEMPreKey, error)
}

// Decrypted is the result of [Session.Decrypt]: the plaintext, whose
// identity key it came under, and which prekeys it used. The caller stores
// the message and the session and deletes a used one-time prekey (and a
// used KEM prekey unless it is the last-resort one) in one transaction.
type Decrypted struct {
	Plaintext         []byte
	RemoteIdentity    keys.PublicKey
	NewSession        bool
	OneTimePreKeyID   uint32
	UsedOneTimePreKey bool
	KEMPreKeyID       uint32
	UsedKEMPreKey     bool
}

// Session is everything the engine keeps about one contact: the current
// ratchet state and a few archived ones. The zero value is an empty
// session, ready to receive a PreKeySignalMessage. It is not safe for
// concurrent use.
type Session struct {
	current  *state
	archived []*state // most recent first
}

// Established reports whether the session has a current state.
func (s *Session) Established() bool { return s.current != nil }

// RemoteIdentity returns the identity key of the current state's peer.
func (s *Session) RemoteIdentity() (keys.PublicKey, bool) {
	if s.current == nil {
		return keys.PublicKey{}, false
	}
	return s.current.remoteIdentity, true
}

// Version returns the current state's message version (3 or 4), 0 if none.
func (s *Session) Version() uint8 {
	if s.current == nil {
		return 0
	}
	return s.current.version
}

// Encrypt encrypts plaintext with the next message key of the current
// sending chain, salted with the next SPQR key in a session with SPQR
// (the triple ratchet). rand feeds SPQR's ML-KEM work; a session without
// SPQR draws nothing from it. On error the session is unchanged.
func (s *Session) Encrypt(rand io.Reader, plaintext []byte) (MessageType, []byte, error) {
	if s.current == nil {
		return 0, nil, ErrNoSession
	}
	return s.current.encrypt(rand, plaintext)
}

// SPQR reports whether the current state runs the triple ratchet (SPQR V1
// beside the Double Ratchet). A state without it (an X3DH session, or a
// PQXDH session stored before ratchat spoke SPQR) still decrypts what the
// peer sends on it, but libsignal will not talk to it: the caller starts a
// new session before sending, as libsignal's clients do for a session
// that is not "usable" (SessionUsabilityRequirements::Spqr), and
// [Session.Supersede] keeps the old one to read late messages.
func (s *Session) SPQR() bool {
	return s.current != nil && s.current.hasSPQR()
}

// hasSPQR reports whether the state runs SPQR V1.
func (st *state) hasSPQR() bool { return spqr.CurrentVersion(st.pq).Version >= spqr.V1 }

// SPQREpoch returns the current state's SPQR braid epoch: 1 when a session
// starts, one more for every ML-KEM exchange the two sides completed; 0
// without SPQR. It tells how far the post-quantum ratchet has turned.
func (s *Session) SPQREpoch() uint64 {
	if s.current == nil {
		return 0
	}
	return s.current.pq.Epoch()
}

// Decrypt decrypts a message of the given type. A PreKeySignalMessage may
// start a new session (the responder's side of X3DH/PQXDH), in which case
// the previous one is archived. On any error the session is unchanged.
// rand supplies the next ratchet key when the peer's ratchet turned.
func (s *Session) Decrypt(rand io.Reader, local Local, prekeys PreKeys, typ MessageType, msg []byte) (*Decrypted, error) {
	switch typ {
	case TypeSignal:
		m, err := ParseSignalMessage(msg)
		if err != nil {
			return nil, err
		}
		return s.decryptSignal(rand, local.now(), m)
	case TypePreKey:
		m, err := ParsePreKeySignalMessage(msg)
		if err != nil {
			return nil, err
		}
		return s.decryptPreKey(rand, local, prekeys, m)
	default:
		return nil, fmt.Errorf("%w: message type %d", ErrMalformed, typ)
	}
}

// decryptSignal tries the current state, then the archived ones; a state
// that succeeds becomes current.
func (s *Session) decryptSignal(rand io.Reader, now time.Time, m *SignalMessage) (*Decrypted, error) {
	if s.current == nil {
		return nil, ErrNoSession
	}
	plaintext, commit, firstErr := s.current.decrypt(rand, now, m)
	if firstErr == nil {
		commit()
		return &Decrypted{Plaintext: plaintext, RemoteIdentity: s.current.remoteIdentity}, nil
	}
	for i, st := range s.archived {
		plaintext, commit, err := st.decrypt(rand, now, m)
		if err != nil {
			continue
		}
		commit()
		s.promote(i)
		return &Decrypted{Plaintext: plaintext, RemoteIdentity: st.remoteIdentity}, nil
	}
	return nil, firstErr
}

// decryptPreKey decrypts a PreKeySignalMessage: with the state it belongs
// to when we already have it (the initiator repeats it until we answer),
// else with a new state from the key agreement.
func (s *Session) decryptPreKey(rand io.Reader, local Local, prekeys PreKeys, m *PreKeySignalMessage) (*Decrypted, error) {
	if i, st := s.findBaseKey(m.Version, m.BaseKey); st != nil {
		if st.remoteIdentity != m.Identity {
			return nil, fmt.Errorf("%w: identity differs from the session's", ErrUntrustedIdentity)
		}
		plaintext, commit, err := st.decrypt(rand, local.now(), m.Message)
		if err != nil {
			return nil, err
		}
		commit()
		if i >= 0 {
			s.promote(i)
		}
		return &Decrypted{Plaintext: plaintext, RemoteIdentity: st.remoteIdentity}, nil
	}
	if err := s.checkOfferedKeys(m); err != nil {
		return nil, err
	}
	st, result, err := respond(local, prekeys, m)
	if err != nil {
		return nil, err
	}
	plaintext, commit, err := st.decrypt(rand, local.now(), m.Message)
	if err != nil {
		return nil, err
	}
	commit()
	s.archiveCurrent()
	s.current = st
	result.Plaintext = plaintext
	return result, nil
}

// checkOfferedKeys checks the keys a PreKeySignalMessage offers for a new
// session, before any key agreement (as libsignal's pqxdh_accept does for
// the base key): the base key and the identity key must be canonical and
// torsion-free ([keys.PublicKey.CheckPrimeOrder]).
//
// A base key that is not torsion-free but whose prime-order part is the
// base key of a state we keep is that state's first message replayed with
// a small-order point added to its base key. Every key agreement is the
// same under the tampered key (clamped scalars erase the small-order
// part), so it would otherwise start a second session with the first
// one's keys. It is refused as [ErrDuplicate]: a copy of a message of a
// session we have, which ratchat never decrypts a second time (a copy the
// session had not yet seen, sent again untampered, still decrypts). Any
// other refused key is [ErrMalformed]. Both leave the session unchanged.
func (s *Session) checkOfferedKeys(m *PreKeySignalMessage) error {
	if err := m.BaseKey.CheckPrimeOrder(); err != nil {
		if errors.Is(err, keys.ErrTorsionKey) {
			if part, perr := m.BaseKey.PrimeOrderPart(); perr == nil {
				if _, st := s.findBaseKey(m.Version, part); st != nil {
					return fmt.Errorf("%w: a session's first message again, with a small-order point added to its base key: %w", ErrDuplicate, err)
				}
			}
		}
		return fmt.Errorf("%w: prekey message: base key: %w", ErrMalformed, err)
	}
	if err := m.Identity.CheckPrimeOrder(); err != nil {
		return fmt.Errorf("%w: prekey message: identity key: %w", ErrMalformed, err)
	}
	return nil
}

// findBaseKey returns the state started by the initiator's base key: the
// current one (position -1) or an archived one. Stored base keys are
// canonical and torsion-free (our own, or checked by checkOfferedKeys
// before the state was made), so a key matches its own bytes only, and
// the prime-order part of a tampered key matches the key it was made
// from.
func (s *Session) findBaseKey(version uint8, base keys.PublicKey) (int, *state) {
	if s.current != nil && s.current.version == version && s.current.baseKey == base {
		return -1, s.current
	}
	for i, st := range s.archived {
		if st.version == version && st.baseKey == base {
			return i, st
		}
	}
	return -1, nil
}

// promote makes archived state i current, archiving the current one, as
// libsignal does for a state that decrypted a message, with one exception:
// a state without SPQR never displaces a current one with it. Why: a peer
// that still sends on its old session (a message in flight when we started
// the new one) would otherwise move us back to a session libsignal and we
// refuse to send on, and every message after it would start yet another
// session. It stays archived and keeps decrypting.
func (s *Session) promote(i int) {
	st := s.archived[i]
	if s.current != nil && s.current.hasSPQR() && !st.hasSPQR() {
		return
	}
	s.archived = append(s.archived[:i], s.archived[i+1:]...)
	s.archiveCurrent()
	s.current = st
}

// archiveCurrent moves the current state to the front of the archive and
// drops archived states beyond [MaxArchivedStates].
func (s *Session) archiveCurrent() {
	if s.current == nil {
		return
	}
	s.archived = append([]*state{s.current}, s.archived...)
	s.current = nil
	if len(s.archived) > MaxArchivedStates {
		s.archived = s.archived[:MaxArchivedStates]
	}
}

// Supersede makes the state that next started (a session [Initiate] just
// made) the current one of s, archiving the current one, so that messages
// the peer still sends on the old state decrypt: two people who add each
// other at the same time cross two new sessions, and each side must read
// the other's. It is what Decrypt does for a new session the peer started.
func (s *Session) Supersede(next *Session) {
	if next == nil || next.current == nil {
		return
	}
	s.archiveCurrent()
	s.current = next.current
}
