package session

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"ratchat/keys"
)

// Encrypt encrypts plaintext with the record's newest state, which must be
// our own ([NewSenderKey]), as libsignal's group_encrypt does: the chain's
// next message key, AES-256-CBC, the SenderKeyMessage signed with the
// chain's signing key. It returns the message's bytes and moves the chain
// on; on an error the record is unchanged. It returns [ErrNoSenderKey] for
// a record without a key of our own. The caller keeps plaintext small
// enough for the message to fit [MaxMessageSize], or members refuse it.
func (r *SenderKeyRecord) Encrypt(rand io.Reader, plaintext []byte) ([]byte, error) {
	if len(r.states) == 0 || r.states[0].private == nil {
		return nil, fmt.Errorf("%w: no sender key of our own", ErrNoSenderKey)
	}
	st := r.states[0]
	if st.chain.index == math.MaxUint32 {
		return nil, fmt.Errorf("%w: chain %d is exhausted, start a new one", ErrNoSenderKey, st.chainID)
	}
	seed, next := st.chain.key.step()
	mk := newSenderMessageKeys(&seed)
	clear(seed[:])
	raw := sealSenderKeyMessage(r.id, st.chainID, st.chain.index, &mk, plaintext)
	clear(mk.cipher[:])
	sig, err := keys.Sign(rand, *st.private, raw)
	if err != nil {
		return nil, fmt.Errorf("session: signing sender key message: %w", err)
	}
	st.chain.key = next
	st.chain.index++
	return append(raw, sig[:]...), nil
}

// Decrypt decrypts a SenderKeyMessage from the record's member, as
// libsignal's group_decrypt does: it finds the state of the message's
// chain ([ErrNoSenderKey] if the record has none, or is of another
// distribution), verifies the signature ([ErrBadMAC], wrapping
// [keys.ErrBadSignature]), finds the iteration's key ([ErrDuplicate],
// [ErrTooOld], [ErrTooFarAhead]) and decrypts ([ErrBadPadding]). The
// record changes only after all of these passed: any error leaves it
// exactly as it was.
func (r *SenderKeyRecord) Decrypt(msg []byte) ([]byte, error) {
	// Why copy: the ciphertext is read after the signature verified, and a
	// private copy cannot change in between.
	m, err := parseSenderKeyMessage(bytes.Clone(msg))
	if err != nil {
		return nil, err
	}
	if len(r.states) == 0 || m.distribution != r.id {
		return nil, fmt.Errorf("%w: distribution %x", ErrNoSenderKey, m.distribution)
	}
	st := r.state(m.chainID)
	if st == nil {
		return nil, fmt.Errorf("%w: distribution %x, chain %d", ErrNoSenderKey, m.distribution, m.chainID)
	}
	// Why verify first: the signature is the message's only
	// authentication, and checking it before walking the chain keeps a
	// forger from making us spend up to MaxForwardJump HMACs.
	content, sig := m.signed()
	if err := keys.Verify(st.signing, content, sig); err != nil {
		return nil, fmt.Errorf("%w: sender key message: %w", ErrBadMAC, err)
	}
	seed, commit, err := st.chain.senderKeySeed(m.iteration)
	if err != nil {
		return nil, err
	}
	mk := newSenderMessageKeys(&seed)
	clear(seed[:])
	plaintext, err := decryptCBC(&mk, m.ciphertext)
	clear(mk.cipher[:])
	if err != nil {
		return nil, err
	}
	commit()
	return plaintext, nil
}
