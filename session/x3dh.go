package session

import (
	"errors"
	"fmt"
	"io"

	"ratchat/keys"
	"ratchat/spqr"
)

// discontinuity is the 32 0xFF bytes that open the master secret (X3DH
// section 2.2, PQXDH section 2.2): for X25519 they make the input never
// start like a valid scalar, keeping it apart from XEdDSA's uses of the key.
var discontinuity = [32]byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
}

// dhPair is one Diffie-Hellman of the key agreement: our private key with
// their public key.
type dhPair struct {
	ours   *keys.KeyPair
	theirs keys.PublicKey
}

// masterSecret builds F || DH1 || DH2 || DH3 [|| DH4] [|| SS], the input of
// the first KDF (X3DH section 3.3; PQXDH section 3.3 appends the KEM
// secret). Both sides call it with the same DHs in the same order, each
// from its own side; a low-order key anywhere fails the agreement.
func masterSecret(pairs []dhPair, kemSecret []byte) ([]byte, error) {
	out := make([]byte, 0, len(discontinuity)+len(pairs)*keys.KeySize+len(kemSecret))
	out = append(out, discontinuity[:]...)
	for _, p := range pairs {
		dh, err := p.ours.Agree(p.theirs)
		if err != nil {
			clear(out)
			return nil, fmt.Errorf("%w: key agreement: %w", ErrMalformed, err)
		}
		out = append(out, dh[:]...)
	}
	return append(out, kemSecret...), nil
}

// Initiate starts a session with the owner of bundle (the initiator's half
// of X3DH section 3.3, or PQXDH section 3.3 when the bundle carries a KEM
// prekey): it checks the bundle's identity key and signatures, agrees on a
// master secret, and turns the DH ratchet once so that the first message
// already has a fresh sending chain. Every message sent before the first
// reply is a PreKeySignalMessage.
//
// The identity key must be canonical and torsion-free
// ([keys.PublicKey.CheckPrimeOrder]): a contact is its identity key, and
// a copy with a small-order point added could pass the signature checks
// by chance (an XEdDSA check under A + T holds whenever the order of T
// divides the challenge). The signed prekey and the one-time prekey are
// not checked, which is also libsignal's choice: a tampered signed prekey
// fails its signature, only its owner could send a torsioned one, and a
// torsioned one-time prekey changes nothing, since our clamped base scalar
// erases the small-order part and only the prekey's id travels back. Each check costs about one X25519
// agreement (docs/BENCHMARKS.md), so it is spent where it protects.
func Initiate(rand io.Reader, local Local, bundle *keys.Bundle) (*Session, error) {
	if err := bundle.Identity.CheckPrimeOrder(); err != nil {
		return nil, fmt.Errorf("%w: identity key: %w", ErrBadBundle, err)
	}
	if err := bundle.Verify(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	base, err := keys.GenerateKeyPair(rand)
	if err != nil {
		return nil, err
	}
	pairs := []dhPair{
		{&local.Identity, bundle.SignedPreKey},
		{&base, bundle.Identity},
		{&base, bundle.SignedPreKey},
	}
	p := &pendingPreKey{signedPreKeyID: bundle.SignedPreKeyID}
	if bundle.OneTimePreKey != nil {
		pairs = append(pairs, dhPair{&base, *bundle.OneTimePreKey})
		p.preKeyID, p.hasPreKeyID = bundle.OneTimePreKeyID, true
	}
	version := uint8(VersionX3DH)
	var kemSecret []byte
	if bundle.KEMPreKey != nil {
		secret, ciphertext, err := bundle.KEMPreKey.Encapsulate()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
		}
		version, kemSecret = VersionPQXDH, secret[:]
		p.kemPreKeyID, p.kemCiphertext = bundle.KEMPreKeyID, ciphertext
	}
	secret, err := masterSecret(pairs, kemSecret)
	clear(kemSecret)
	if err != nil {
		return nil, err
	}
	root, theirChain, pqAuth := deriveInitialKeys(version == VersionPQXDH, secret)
	clear(secret)

	// The responder's first ratchet key is its signed prekey: its first
	// sending chain is theirChain, and ours comes from one DH ratchet step.
	ratchet, err := keys.GenerateKeyPair(rand)
	if err != nil {
		return nil, err
	}
	dh, err := ratchet.Agree(bundle.SignedPreKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBundle, err)
	}
	nextRoot, ourChain := root.step(&dh)
	pq, err := initialPQ(spqr.A2B, pqAuth, local.Identity.Public == bundle.Identity)
	if err != nil {
		return nil, err
	}
	st := &state{
		version:              version,
		localIdentity:        local.Identity.Public,
		remoteIdentity:       bundle.Identity,
		localRegistrationID:  local.RegistrationID,
		remoteRegistrationID: bundle.RegistrationID,
		baseKey:              base.Public,
		root:                 nextRoot,
		sender:               senderChain{ratchet: ratchet, key: ourChain},
		receivers:            []receiverChain{{ratchetKey: bundle.SignedPreKey, key: theirChain}},
		pending:              p,
		pqRatchetAuthKey:     pqAuth,
		pq:                   pq,
	}
	return &Session{current: st}, nil
}

// respond is the responder's half of the key agreement for a
// PreKeySignalMessage that starts a new session. It looks the named prekeys
// up, agrees on the master secret, and returns a state whose sending chain
// uses the signed prekey as the first ratchet key. It changes nothing: the
// caller commits the state only once the message inside has decrypted.
func respond(local Local, prekeys PreKeys, m *PreKeySignalMessage) (*state, *Decrypted, error) {
	spk, err := prekeys.SignedPreKey(m.SignedPreKeyID)
	if err != nil {
		return nil, nil, preKeyError("signed prekey", m.SignedPreKeyID, err)
	}
	pairs := []dhPair{
		{&spk.Pair, m.Identity},
		{&local.Identity, m.BaseKey},
		{&spk.Pair, m.BaseKey},
	}
	used := &Decrypted{RemoteIdentity: m.Identity, NewSession: true}
	if m.HasPreKeyID {
		otk, err := prekeys.OneTimePreKey(m.PreKeyID)
		if err != nil {
			return nil, nil, preKeyError("one-time prekey", m.PreKeyID, err)
		}
		pairs = append(pairs, dhPair{&otk.Pair, m.BaseKey})
		used.OneTimePreKeyID, used.UsedOneTimePreKey = m.PreKeyID, true
	}
	var kemSecret []byte
	if m.Version == VersionPQXDH {
		kem, err := prekeys.KEMPreKey(m.KEMPreKeyID)
		if err != nil {
			return nil, nil, preKeyError("KEM prekey", m.KEMPreKeyID, err)
		}
		secret, err := kem.Pair.Decapsulate(m.KEMCiphertext)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: KEM ciphertext: %w", ErrMalformed, err)
		}
		kemSecret = secret[:]
		used.KEMPreKeyID, used.UsedKEMPreKey = m.KEMPreKeyID, true
	}
	secret, err := masterSecret(pairs, kemSecret)
	clear(kemSecret)
	if err != nil {
		return nil, nil, err
	}
	root, ourChain, pqAuth := deriveInitialKeys(m.Version == VersionPQXDH, secret)
	clear(secret)
	pq, err := initialPQ(spqr.B2A, pqAuth, local.Identity.Public == m.Identity)
	if err != nil {
		return nil, nil, err
	}
	st := &state{
		version:              m.Version,
		localIdentity:        local.Identity.Public,
		remoteIdentity:       m.Identity,
		localRegistrationID:  local.RegistrationID,
		remoteRegistrationID: m.RegistrationID,
		baseKey:              m.BaseKey,
		root:                 root,
		sender:               senderChain{ratchet: spk.Pair, key: ourChain},
		pqRatchetAuthKey:     pqAuth,
		pq:                   pq,
	}
	return st, used, nil
}

// preKeyError says why looking prekey id up failed. Only a prekey the
// store does not have ([ErrNoSuchPreKey]) is [ErrUnknownPreKey], the
// peer's message naming a key we lack. Any other failure is local (a disk,
// a closed store, a cancelled context): it keeps its cause and matches
// none of this package's errors, so that the caller retries the message
// instead of discarding it.
func preKeyError(what string, id uint32, err error) error {
	if errors.Is(err, ErrNoSuchPreKey) {
		return fmt.Errorf("%w: %s %d: %w", ErrUnknownPreKey, what, id, err)
	}
	return fmt.Errorf("session: reading %s %d: %w", what, id, err)
}

// initialPQ starts the SPQR state of a new session, as libsignal 0.103
// does (ratchet.rs, initialize_alice_session and initialize_bob_session):
// version V1, minimum version V1 (a peer without SPQR is refused), the
// PQXDH authentication key, direction A2B for the initiator and B2A for
// the responder, and the chain limits of [spqr.DefaultChainParams], whose
// jump limit is lifted to 2^32-1 for a session with oneself (self). An
// X3DH session (auth nil) has no SPQR: the zero state, V0.
func initialPQ(dir spqr.Direction, auth *pqAuthKey, self bool) (spqr.State, error) {
	if auth == nil {
		return spqr.State{}, nil
	}
	params := spqr.DefaultChainParams()
	if self {
		params.MaxJump = ^uint32(0)
	}
	pq, err := spqr.InitialState(spqr.Params{
		Direction:   dir,
		Version:     spqr.V1,
		MinVersion:  spqr.V1,
		AuthKey:     auth[:],
		ChainParams: params,
	})
	if err != nil {
		return spqr.State{}, fmt.Errorf("session: %w", err)
	}
	return pq, nil
}
