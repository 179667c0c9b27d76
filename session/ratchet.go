package session

import (
	"fmt"
	"io"
	"slices"
	"time"

	"ratchat/keys"
	"ratchat/spqr"
)

// Message versions: 3 is a session started with X3DH, 4 with PQXDH.
const (
	VersionX3DH  = 3
	VersionPQXDH = 4
)

// state is one Double Ratchet session with one peer (Double Ratchet
// specification section 3.2, with libsignal's choices).
type state struct {
	version              uint8
	localIdentity        keys.PublicKey
	remoteIdentity       keys.PublicKey
	localRegistrationID  uint32
	remoteRegistrationID uint32
	// baseKey is the initiator's X3DH ephemeral key: both sides use it to
	// recognise the session that a PreKeySignalMessage belongs to.
	baseKey         keys.PublicKey
	root            rootKey
	sender          senderChain
	receivers       []receiverChain  // oldest first, at most MaxReceiverChains
	retired         []keys.PublicKey // dropped receiving chains, oldest first
	previousCounter uint32
	// pending is set on the initiator until the first reply arrives: until
	// then every message goes out as a PreKeySignalMessage, so that
	// whichever arrives first can start the session.
	pending *pendingPreKey
	// pqRatchetAuthKey is the SPQR authentication key PQXDH derived (the
	// third 32 bytes of its HKDF output), kept for the triple ratchet. Nil
	// for X3DH sessions, and for PQXDH sessions stored before ratchat kept
	// it (session state formats 1 and 2).
	pqRatchetAuthKey *pqAuthKey
	// pq is the SPQR state of the triple ratchet: V1 for every PQXDH
	// session ratchat starts or accepts, V0 (the zero value) for X3DH
	// sessions and for PQXDH sessions stored before ratchat spoke SPQR,
	// which send no field 5 and mix no SPQR key into their message keys.
	pq spqr.State
}

// pendingPreKey is what the initiator repeats in each PreKeySignalMessage.
type pendingPreKey struct {
	preKeyID       uint32
	hasPreKeyID    bool
	signedPreKeyID uint32
	kemPreKeyID    uint32
	kemCiphertext  []byte // nil for version 3
}

// encrypt is RatchetEncrypt (Double Ratchet section 3.4) of the triple
// ratchet: SPQR's send step gives the SPQR message and key, the next
// message key seed of the sending chain is expanded with that key as salt
// and encrypts plaintext, and both chains move on, so that key can never
// be derived again from the state. rand feeds SPQR's ML-KEM work. On error
// the state is unchanged.
func (st *state) encrypt(rand io.Reader, plaintext []byte) (MessageType, []byte, error) {
	if st.sender.index == ^uint32(0) {
		return 0, nil, fmt.Errorf("session: sending chain exhausted")
	}
	pq, pqMsg, pqKey, err := spqr.Send(st.pq, rand)
	if err != nil {
		return 0, nil, fmt.Errorf("session: %w", err)
	}
	seed, next := st.sender.key.step()
	mk := newMessageKeys(&seed, pqKey)
	msg := sealSignalMessage(st.version, st.sender.ratchet.Public, st.sender.index,
		st.previousCounter, &mk, plaintext, pqMsg, st.localIdentity, st.remoteIdentity)
	st.sender.key = next
	st.sender.index++
	st.pq = pq
	if st.pending == nil {
		return TypeSignal, msg.Bytes(), nil
	}
	p := st.pending
	pre := &PreKeySignalMessage{
		Version:        st.version,
		RegistrationID: st.localRegistrationID,
		PreKeyID:       p.preKeyID,
		HasPreKeyID:    p.hasPreKeyID,
		SignedPreKeyID: p.signedPreKeyID,
		BaseKey:        st.baseKey,
		Identity:       st.localIdentity,
		KEMPreKeyID:    p.kemPreKeyID,
		KEMCiphertext:  p.kemCiphertext,
		Message:        msg,
	}
	return TypePreKey, pre.Bytes(), nil
}

// decrypt is RatchetDecrypt (Double Ratchet section 3.5) done on the side:
// it finds or derives the message key, verifies the MAC, decrypts, and
// only then returns commit, which applies the state changes and prunes the
// skipped keys expired at now (see [state.pruneSkipped]). On any error
// nothing has changed.
func (st *state) decrypt(rand io.Reader, now time.Time, m *SignalMessage) (plaintext []byte, commit func(), err error) {
	plaintext, apply, err := st.decryptAt(rand, now, m)
	if err != nil {
		return nil, nil, err
	}
	return plaintext, func() {
		apply()
		st.pruneSkipped(now)
	}, nil
}

// decryptAt is decrypt without the pruning.
func (st *state) decryptAt(rand io.Reader, now time.Time, m *SignalMessage) (plaintext []byte, commit func(), err error) {
	if m.Version != st.version {
		return nil, nil, fmt.Errorf("%w: message version %d in a version %d session", ErrVersion, m.Version, st.version)
	}
	i := st.findReceiver(m.RatchetKey)
	if i < 0 && slices.Contains(st.retired, m.RatchetKey) {
		return nil, nil, fmt.Errorf("%w: the sending chain was dropped", ErrTooOld)
	}
	if i < 0 {
		return st.decryptNewChain(rand, m)
	}
	rc := &st.receivers[i]
	if m.Counter < rc.index {
		return st.decryptSkipped(rc, now, m)
	}
	if m.Counter-rc.index > MaxForwardJump {
		return nil, nil, fmt.Errorf("%w: counter %d, chain at %d", ErrTooFarAhead, m.Counter, rc.index)
	}
	seed, next, skipped := advance(rc.key, rc.index, m.Counter)
	plaintext, pq, err := st.open(&seed, m)
	if err != nil {
		return nil, nil, err
	}
	return plaintext, func() {
		rc.moveTo(next, m.Counter, skipped)
		st.pending = nil
		st.pq = pq
	}, nil
}

// decryptSkipped opens a message that arrived after later ones, with the
// key kept for it when it was skipped, unless that key has expired.
func (st *state) decryptSkipped(rc *receiverChain, now time.Time, m *SignalMessage) ([]byte, func(), error) {
	j := rc.findSkipped(m.Counter)
	if j < 0 {
		if m.Counter < rc.evictedBelow {
			return nil, nil, fmt.Errorf("%w: counter %d", ErrTooOld, m.Counter)
		}
		return nil, nil, fmt.Errorf("%w: counter %d", ErrDuplicate, m.Counter)
	}
	if rc.skipped[j].expired(now) {
		return nil, nil, fmt.Errorf("%w: counter %d, its key kept longer than %v", ErrTooOld, m.Counter, MaxSkippedKeyAge)
	}
	plaintext, pq, err := st.open(&rc.skipped[j].seed, m)
	if err != nil {
		return nil, nil, err
	}
	return plaintext, func() {
		rc.removeSkipped(rc.findSkipped(m.Counter))
		st.pending = nil
		st.pq = pq
	}, nil
}

// decryptNewChain handles a message under a ratchet key we have not seen:
// the DH ratchet step (Double Ratchet section 3.5, DHRatchet). The new
// receiving chain is derived first and the MAC checked against it; only
// then is our next ratchet key generated and the sending chain derived.
func (st *state) decryptNewChain(rand io.Reader, m *SignalMessage) ([]byte, func(), error) {
	if m.Counter > MaxForwardJump {
		return nil, nil, fmt.Errorf("%w: counter %d on a new chain", ErrTooFarAhead, m.Counter)
	}
	dh, err := st.sender.ratchet.Agree(m.RatchetKey)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ratchet key: %w", ErrMalformed, err)
	}
	root, recvKey := st.root.step(&dh)
	seed, next, skipped := advance(recvKey, 0, m.Counter)
	plaintext, pq, err := st.open(&seed, m)
	if err != nil {
		return nil, nil, err
	}
	ratchet, err := keys.GenerateKeyPair(rand)
	if err != nil {
		return nil, nil, err
	}
	dh, err = ratchet.Agree(m.RatchetKey)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ratchet key: %w", ErrMalformed, err)
	}
	nextRoot, sendKey := root.step(&dh)
	return plaintext, func() {
		rc := receiverChain{ratchetKey: m.RatchetKey}
		rc.moveTo(next, m.Counter, skipped)
		st.addReceiver(rc)
		st.root = nextRoot
		// libsignal sends the index of the last message of the previous
		// sending chain (0 when none was sent).
		st.previousCounter = max(st.sender.index, 1) - 1
		st.sender = senderChain{ratchet: ratchet, key: sendKey}
		st.pending = nil
		st.pq = pq
	}, nil
}

// open is the triple ratchet's receive step for the message key seed the
// Double Ratchet found for m: SPQR's receive step on m's field 5 gives the
// SPQR key (as libsignal does, also for a message that arrives out of
// order: the seed is kept, the SPQR key is found at receipt), the seed is
// expanded with it as salt, the MAC is verified and m decrypted. It
// returns the SPQR state to commit with the rest; st is unchanged.
func (st *state) open(seed *[keySize]byte, m *SignalMessage) ([]byte, spqr.State, error) {
	pq, pqKey, err := spqr.Recv(st.pq, m.PQRatchet)
	if err != nil {
		return nil, st.pq, fmt.Errorf("%w: %w", ErrPQRatchet, err)
	}
	mk := newMessageKeys(seed, pqKey)
	if err := m.VerifyMAC(mk.mac[:], st.remoteIdentity, st.localIdentity); err != nil {
		return nil, st.pq, err
	}
	plaintext, err := decryptCBC(&mk, m.Ciphertext)
	if err != nil {
		return nil, st.pq, err
	}
	return plaintext, pq, nil
}

// moveTo records that the message numbered counter was received: the chain
// now stands at the key after it, with the newly skipped keys kept.
func (rc *receiverChain) moveTo(next chainKey, counter uint32, skipped []skippedKey) {
	if counter-rc.index > MaxSkippedKeys {
		rc.evictedBelow = max(rc.evictedBelow, counter-MaxSkippedKeys)
	}
	rc.addSkipped(skipped)
	rc.key = next
	rc.index = counter + 1
}

// findReceiver returns the position of the receiving chain for the peer's
// ratchet key, or -1.
func (st *state) findReceiver(ratchetKey keys.PublicKey) int {
	for i := len(st.receivers) - 1; i >= 0; i-- {
		if st.receivers[i].ratchetKey == ratchetKey {
			return i
		}
	}
	return -1
}

// addReceiver appends a receiving chain and drops the oldest beyond
// [MaxReceiverChains]; their keys are cleared.
func (st *state) addReceiver(rc receiverChain) {
	st.receivers = append(st.receivers, rc)
	if over := len(st.receivers) - MaxReceiverChains; over > 0 {
		for i := range over {
			st.retired = append(st.retired, st.receivers[i].ratchetKey)
			wipeReceiver(&st.receivers[i])
		}
		if n := len(st.retired) - MaxRetiredChains; n > 0 {
			st.retired = append(st.retired[:0], st.retired[n:]...)
		}
		st.receivers = append(st.receivers[:0], st.receivers[over:]...)
	}
}

// wipeReceiver clears the secrets of a chain being dropped.
func wipeReceiver(rc *receiverChain) {
	clear(rc.key[:])
	for i := range rc.skipped {
		clear(rc.skipped[i].seed[:])
	}
}
