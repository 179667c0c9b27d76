package interop

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/logger"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/serialize"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/state/record"
	"go.mau.fi/libsignal/util/optional"
)

// Message types on the wire, as libsignal numbers them (protocol.WHISPER_TYPE
// and protocol.PREKEY_TYPE); ratchat's session.TypeSignal and TypePreKey.
const (
	typeSignal uint8 = 2
	typePreKey uint8 = 3
)

// deviceID is the one device each peer has. The library addresses sessions by
// (name, device id); a bundle's device id is never checked against anything.
const deviceID = 1

// rawBundle is a prekey bundle as plain values: the common ground between
// go.mau.fi/libsignal and ratchat's keys.Bundle. Keys are the raw 32-byte
// X25519 values, without libsignal's 0x05 type byte.
type rawBundle struct {
	RegistrationID        uint32
	Identity              [32]byte
	SignedPreKeyID        uint32
	SignedPreKey          [32]byte
	SignedPreKeySignature [64]byte // XEdDSA by Identity over 0x05 || SignedPreKey
	OneTimePreKeyID       uint32
	OneTimePreKey         *[32]byte // nil: no one-time prekey
}

// libsignalPeer is one party speaking the Signal protocol through
// go.mau.fi/libsignal. It keeps its state in a memoryStore and one builder
// per remote name.
//
// Quirk: the library takes no randomness source. Identity, prekey, base and
// ratchet keys and signature nonces all come from crypto/rand inside it, so a
// libsignal peer's keys and ciphertexts can never be made deterministic.
type libsignalPeer struct {
	store      *memoryStore
	serializer *serialize.Serializer
	signedID   uint32 // the signed prekey the bundle offers
	oneTimeID  uint32 // the last one-time prekey generated; 0 = none
	builders   map[string]*session.Builder
	ciphers    map[string]*session.Cipher
}

var quietOnce sync.Once

// quietLogger throws every line away.
//
// Quirk: the library logs through a package-global logger.Logger. Its default
// logger prints Warning and Error lines to stdout whatever its namespace
// settings say (its shouldLog result is ignored), and a failed decryption logs
// at both levels. Debug lines carry secrets (message keys, "Using cipherKey:")
// and are formatted with fmt.Sprint and runtime.Caller on every call even
// though the default logger then drops them: that cost is part of every
// encrypt and decrypt and cannot be switched off. logger.Setup takes a pointer
// to the interface.
type quietLogger struct{}

func (quietLogger) Debug(string, string)   {}
func (quietLogger) Info(string, string)    {}
func (quietLogger) Warning(string, string) {}
func (quietLogger) Error(string, string)   {}
func (quietLogger) Configure(string)       {}

func silenceLibsignal() {
	quietOnce.Do(func() {
		var l logger.Loggable = quietLogger{}
		logger.Setup(&l)
	})
}

// newLibsignalPeer makes a peer with a fresh identity key, a registration id,
// and signed prekey 1. copyRecords chooses how its sessions are stored (see
// memoryStore): true for tests, false for the fastest possible baseline.
//
// Quirk: keyhelper.GenerateRegistrationID returns any 32-bit value although
// the store interface documents 1..16380 (libsignal proper uses 14 bits); the
// library never checks it. We pick one in 1..16380 as Signal clients do.
func newLibsignalPeer(copyRecords bool) (*libsignalPeer, error) {
	silenceLibsignal()
	pair, err := ecc.GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	id := identity.NewKeyPair(identity.NewKey(pair.PublicKey()), pair.PrivateKey())
	s := serialize.NewProtoBufSerializer()
	p := &libsignalPeer{
		store:      newMemoryStore(id, 1+mrand.Uint32N(16380), s, copyRecords),
		serializer: s,
		builders:   make(map[string]*session.Builder),
		ciphers:    make(map[string]*session.Cipher),
	}
	if err := p.newSignedPreKey(1); err != nil {
		return nil, err
	}
	return p, nil
}

// newSignedPreKey generates signed prekey id and makes it the one offered.
//
// Quirk: the signature covers the serialized public key, 0x05 || 32 bytes,
// not the raw 32 bytes; ecc.CalculateSignature is XEdDSA with the Edwards
// sign bit in bit 7 of byte 63 and 64 bytes of crypto/rand nonce.
func (p *libsignalPeer) newSignedPreKey(id uint32) error {
	pair, err := ecc.GenerateKeyPair()
	if err != nil {
		return err
	}
	sig := ecc.CalculateSignature(p.store.identity.PrivateKey(), pair.PublicKey().Serialize())
	// The timestamp is stored, never checked; 0 keeps the peer clock-free.
	r := record.NewSignedPreKey(id, 0, pair, sig, p.serializer.SignedPreKeyRecord)
	p.signedID = id
	return p.store.StoreSignedPreKey(context.Background(), id, r)
}

// newOneTimePreKey generates one-time prekey id and makes it the one offered.
//
// Quirk: id 0 cannot be used. The PreKeySignalMessage parser reads a
// pre_key_id of 0 as "absent", so a session started on prekey 0 would be
// processed as if it had none and fail its MAC. And a prekey with id
// 0xFFFFFF (medium.MaxValue, Java's old last-resort id) is never deleted.
func (p *libsignalPeer) newOneTimePreKey(id uint32) error {
	if id == 0 {
		return errors.New("interop: libsignal cannot use one-time prekey id 0")
	}
	pair, err := ecc.GenerateKeyPair()
	if err != nil {
		return err
	}
	p.oneTimeID = id
	return p.store.StorePreKey(context.Background(), id, record.NewPreKey(id, pair, p.serializer.PreKeyRecord))
}

// bundle returns the peer's bundle: its identity, current signed prekey and,
// if one was generated and is still unused, its last one-time prekey.
//
// Quirk: libsignal serializes every public key as 0x05 (ecc.DjbType) || 32
// bytes; PublicKey() gives the bare 32 bytes we hand across.
func (p *libsignalPeer) bundle() rawBundle {
	spk := p.store.signedPreKeys[p.signedID]
	b := rawBundle{
		RegistrationID:        p.store.registrationID,
		Identity:              p.store.identity.PublicKey().PublicKey().PublicKey(),
		SignedPreKeyID:        p.signedID,
		SignedPreKey:          spk.KeyPair().PublicKey().PublicKey(),
		SignedPreKeySignature: spk.Signature(),
	}
	if otk, ok := p.store.preKeys[p.oneTimeID]; ok {
		pub := otk.KeyPair().PublicKey().PublicKey()
		b.OneTimePreKeyID, b.OneTimePreKey = p.oneTimeID, &pub
	}
	return b
}

// identityKey returns the peer's identity public key, raw 32 bytes.
func (p *libsignalPeer) identityKey() [32]byte {
	return p.store.identity.PublicKey().PublicKey().PublicKey()
}

// registrationID returns the peer's registration id.
func (p *libsignalPeer) registrationID() uint32 { return p.store.registrationID }

// remoteRegistrationID returns the registration id the session with remote
// recorded: the bundle's, or the one in the PreKeySignalMessage.
func (p *libsignalPeer) remoteRegistrationID(remote string) (uint32, error) {
	r, err := p.store.LoadSession(context.Background(), protocol.NewSignalAddress(remote, deviceID))
	if err != nil {
		return 0, err
	}
	return r.SessionState().RemoteRegistrationID(), nil
}

// builder returns the session builder and cipher for remote.
//
// Quirk: NewCipher must be given the builder, not NewCipherFromSession's
// parts, for the cipher to accept PreKeySignalMessages (it calls
// builder.Process). Every call takes a context.Context that the library only
// passes on to the stores; context.Background() is all it needs.
func (p *libsignalPeer) builder(remote string) (*session.Builder, *session.Cipher) {
	if b, ok := p.builders[remote]; ok {
		return b, p.ciphers[remote]
	}
	addr := protocol.NewSignalAddress(remote, deviceID)
	b := session.NewBuilder(p.store, p.store, p.store, p.store, addr, p.serializer)
	c := session.NewCipher(b, addr)
	p.builders[remote], p.ciphers[remote] = b, c
	return b, c
}

// processBundle starts a session with remote, as initiator, from a bundle
// given as raw values. The device id in the library's bundle is unused.
func (p *libsignalPeer) processBundle(remote string, rb rawBundle) error {
	preKeyID := optional.NewEmptyUint32()
	var preKey ecc.ECPublicKeyable
	if rb.OneTimePreKey != nil {
		preKeyID = optional.NewOptionalUint32(rb.OneTimePreKeyID)
		preKey = ecc.NewDjbECPublicKey(*rb.OneTimePreKey)
	}
	pb := prekey.NewBundle(rb.RegistrationID, deviceID, preKeyID, rb.SignedPreKeyID,
		preKey, ecc.NewDjbECPublicKey(rb.SignedPreKey), rb.SignedPreKeySignature,
		identity.NewKey(ecc.NewDjbECPublicKey(rb.Identity)))
	b, _ := p.builder(remote)
	return b.ProcessBundle(context.Background(), pb)
}

// encrypt encrypts plaintext for remote and returns the message type (2, or
// 3 until the remote has answered) and the serialized message.
//
// Quirk: the version byte is written as strconv.Itoa(3), the ASCII digit '3'
// = 0x33, which happens to equal Signal's (version<<4 | current) byte for
// version 3. The parser reads only the high nibble.
func (p *libsignalPeer) encrypt(remote string, plaintext []byte) (uint8, []byte, error) {
	_, c := p.builder(remote)
	m, err := c.Encrypt(context.Background(), plaintext)
	if err != nil {
		return 0, nil, err
	}
	return uint8(m.Type()), m.Serialize(), nil
}

// decrypt decrypts a message of type typ from remote.
func (p *libsignalPeer) decrypt(remote string, typ uint8, msg []byte) ([]byte, error) {
	switch typ {
	case typePreKey:
		return p.decryptPreKey(remote, msg)
	case typeSignal:
		return p.decryptSignal(remote, msg)
	}
	return nil, fmt.Errorf("interop: unknown message type %d", typ)
}

// decryptPreKey decrypts a PreKeySignalMessage, starting (or, when its base
// key is already known, reusing) the session with remote as responder.
//
// Quirk: the parsers index into their input before checking its length (an
// empty message panics), and ecc.DecodePoint zero-pads or truncates a key of
// the wrong length instead of rejecting it; we check the length first.
func (p *libsignalPeer) decryptPreKey(remote string, msg []byte) ([]byte, error) {
	if len(msg) < 2 {
		return nil, errors.New("interop: prekey message too short")
	}
	m, err := protocol.NewPreKeySignalMessageFromBytes(msg, p.serializer.PreKeySignalMessage, p.serializer.SignalMessage)
	if err != nil {
		return nil, err
	}
	_, c := p.builder(remote)
	return c.DecryptMessage(context.Background(), m)
}

// decryptSignal decrypts a SignalMessage on the existing session with remote.
//
// Quirk: when the current session state fails for any reason but an old
// counter (a bad MAC, a jump of more than 2,000, a mangled key) the library
// tries every archived state and then reports only ErrNoValidSessions.
func (p *libsignalPeer) decryptSignal(remote string, msg []byte) ([]byte, error) {
	if len(msg) < 2+protocol.MacLength {
		return nil, errors.New("interop: message too short")
	}
	m, err := protocol.NewSignalMessageFromBytes(msg, p.serializer.SignalMessage)
	if err != nil {
		return nil, err
	}
	_, c := p.builder(remote)
	return c.Decrypt(context.Background(), m)
}
