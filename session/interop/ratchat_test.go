package interop

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"ratchat/keys"
	"ratchat/session"
)

var (
	// errStateChanged flags a failed decryption that changed the session.
	errStateChanged = errors.New("interop: the session changed on a failed decryption")
)

// ratchatPeer is one party running ratchat's session package: its identity,
// its signed prekey 1, and its one-time prekeys. It is the session.PreKeys
// the engine looks prekeys up in.
type ratchatPeer struct {
	local   session.Local
	signed  keys.SignedPreKey
	oneTime map[uint32]keys.OneTimePreKey
	kem     map[uint32]keys.KEMPreKey // only the PQXDH benchmark fills it
	offer   uint32                    // the one-time prekey the bundle offers; 0 = none
}

var _ session.PreKeys = (*ratchatPeer)(nil)

func newRatchatPeer(t testing.TB) *ratchatPeer {
	t.Helper()
	id, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spk, err := keys.NewSignedPreKey(rand.Reader, id.Private, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &ratchatPeer{
		local:   session.Local{Identity: id, RegistrationID: 1 + mrand.Uint32N(16380)},
		signed:  spk,
		oneTime: make(map[uint32]keys.OneTimePreKey),
		kem:     make(map[uint32]keys.KEMPreKey),
	}
}

// addOneTimePreKey generates one-time prekey id and offers it in the bundle.
func (p *ratchatPeer) addOneTimePreKey(t testing.TB, id uint32) {
	t.Helper()
	otks, err := keys.NewOneTimePreKeys(rand.Reader, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	p.oneTime[id], p.offer = otks[0], id
}

// bundle returns the peer's X3DH bundle: no KEM prekey, so version 3.
func (p *ratchatPeer) bundle() keys.Bundle {
	var otk *keys.OneTimePreKey
	if k, ok := p.oneTime[p.offer]; ok {
		otk = &k
	}
	return keys.NewBundle(p.local.RegistrationID, p.local.Identity.Public, p.signed, otk, nil)
}

func (p *ratchatPeer) SignedPreKey(id uint32) (keys.SignedPreKey, error) {
	if id != p.signed.ID {
		return keys.SignedPreKey{}, fmt.Errorf("%w: signed prekey %d", session.ErrNoSuchPreKey, id)
	}
	return p.signed, nil
}

func (p *ratchatPeer) OneTimePreKey(id uint32) (keys.OneTimePreKey, error) {
	k, ok := p.oneTime[id]
	if !ok {
		return keys.OneTimePreKey{}, fmt.Errorf("%w: one-time prekey %d", session.ErrNoSuchPreKey, id)
	}
	return k, nil
}

func (p *ratchatPeer) KEMPreKey(id uint32) (keys.KEMPreKey, error) {
	k, ok := p.kem[id]
	if !ok {
		return keys.KEMPreKey{}, fmt.Errorf("%w: KEM prekey %d", session.ErrNoSuchPreKey, id)
	}
	return k, nil
}

// ratchatEndpoint is a ratchatPeer's session with one remote. It stores the
// session the way the messenger does, serialized after every change, and
// checks on every failed decryption that the session did not change.
type ratchatEndpoint struct {
	p      *ratchatPeer
	remote keys.PublicKey // the identity key the remote must have
	state  []byte         // the serialized session; nil before the first message
	// remoteRegistrationID is read from the PreKeySignalMessage that
	// started the session, when the remote initiated.
	remoteRegistrationID uint32
}

func (e *ratchatEndpoint) load() (*session.Session, error) {
	s := new(session.Session)
	if e.state == nil {
		return s, nil
	}
	return s, s.UnmarshalBinary(e.state)
}

func (e *ratchatEndpoint) save(s *session.Session) error {
	b, err := s.MarshalBinary()
	e.state = b
	return err
}

func (e *ratchatEndpoint) encrypt(pt []byte) (uint8, []byte, error) {
	s, err := e.load()
	if err != nil {
		return 0, nil, err
	}
	typ, msg, err := s.Encrypt(rand.Reader, pt)
	if err != nil {
		return 0, nil, err
	}
	return uint8(typ), msg, e.save(s)
}

func (e *ratchatEndpoint) decrypt(typ uint8, msg []byte) ([]byte, error) {
	s, err := e.load()
	if err != nil {
		return nil, err
	}
	d, err := s.Decrypt(rand.Reader, e.p.local, e.p, session.MessageType(typ), msg)
	if err != nil {
		if after, merr := s.MarshalBinary(); merr != nil || (e.state != nil && !bytes.Equal(after, e.state)) {
			return nil, fmt.Errorf("%w: %w (marshal: %v)", errStateChanged, err, merr)
		}
		return nil, err
	}
	if d.RemoteIdentity != e.remote {
		return nil, fmt.Errorf("interop: message under identity %x, want %x", d.RemoteIdentity, e.remote)
	}
	if d.UsedOneTimePreKey {
		delete(e.p.oneTime, d.OneTimePreKeyID)
	}
	if d.NewSession {
		m, err := session.ParsePreKeySignalMessage(msg)
		if err != nil {
			return nil, err
		}
		e.remoteRegistrationID = m.RegistrationID
	}
	return d.Plaintext, e.save(s)
}

// isReplayError: ratchat rejects a replay as a duplicate on a chain it keeps,
// as too old on a chain it dropped but still remembers the ratchet key of
// (MaxRetiredChains more), and beyond that, like libsignal, as a new chain
// whose MAC fails.
func (*ratchatEndpoint) isReplayError(err error, chainsAgo int) bool {
	switch {
	case errors.Is(err, errStateChanged):
		return false
	case chainsAgo < session.MaxReceiverChains+session.MaxRetiredChains:
		return errors.Is(err, session.ErrDuplicate) || errors.Is(err, session.ErrTooOld)
	}
	return errors.Is(err, session.ErrBadMAC)
}

// ratchatBundle turns a libsignal peer's raw bundle into a keys.Bundle.
func ratchatBundle(rb rawBundle) *keys.Bundle {
	b := &keys.Bundle{
		RegistrationID:        rb.RegistrationID,
		Identity:              keys.PublicKey(rb.Identity),
		SignedPreKeyID:        rb.SignedPreKeyID,
		SignedPreKey:          keys.PublicKey(rb.SignedPreKey),
		SignedPreKeySignature: rb.SignedPreKeySignature,
	}
	if rb.OneTimePreKey != nil {
		k := keys.PublicKey(*rb.OneTimePreKey)
		b.OneTimePreKeyID, b.OneTimePreKey = rb.OneTimePreKeyID, &k
	}
	return b
}

// libsignalBundle turns a ratchat bundle into raw values for libsignal.
func libsignalBundle(b keys.Bundle) rawBundle {
	rb := rawBundle{
		RegistrationID:        b.RegistrationID,
		Identity:              b.Identity,
		SignedPreKeyID:        b.SignedPreKeyID,
		SignedPreKey:          b.SignedPreKey,
		SignedPreKeySignature: b.SignedPreKeySignature,
	}
	if b.OneTimePreKey != nil {
		k := [32]byte(*b.OneTimePreKey)
		rb.OneTimePreKeyID, rb.OneTimePreKey = b.OneTimePreKeyID, &k
	}
	return rb
}
