package transport

import (
	"io"

	"ratchat/keys"
)

// ProtocolVersion is the version a home announces in its [Hello]. A
// client refuses a home that speaks another.
const ProtocolVersion = 1

// ChallengeSize is the length of the random challenge in a [Hello].
const ChallengeSize = 32

// AuthLabel starts the string an owner signs to prove its identity key to
// its home ([AuthTranscript]). Why a label: the identity key also signs
// prekeys, and a signature made for one purpose must never be valid for
// another; no prekey encoding starts with these bytes.
const AuthLabel = "ratchat transport v1: owner authentication\x00"

// Hello is the first message on every connection, sent by the home
// unasked (request id 0).
type Hello struct {
	Version   uint8               // ProtocolVersion
	Home      keys.PublicKey      // the home's identity key (in peer mode, the owner's)
	Challenge [ChallengeSize]byte // fresh randomness for this connection only
}

// Auth is the owner's proof of its identity key: an XEdDSA signature over
// [AuthTranscript] of the home's key and challenge.
//
// Why sign the home's key: a signature made for one home cannot be
// replayed to another, even one that forwards its challenge. Why a fresh
// challenge per connection: a recorded Auth fails on every later
// connection.
type Auth struct {
	Identity  keys.PublicKey
	Signature [keys.SignatureSize]byte
}

// AuthTranscript returns the bytes an owner signs: [AuthLabel] || the
// home's serialized identity key || the challenge. Every part has a fixed
// length, so no two inputs give the same transcript.
func AuthTranscript(home keys.PublicKey, challenge [ChallengeSize]byte) []byte {
	b := make([]byte, 0, len(AuthLabel)+keys.SerializedKeySize+ChallengeSize)
	b = append(b, AuthLabel...)
	b = appendKey(b, home)
	return append(b, challenge[:]...)
}

// NewAuth signs the hello's challenge with the owner's identity key.
func NewAuth(rand io.Reader, identity *keys.KeyPair, h *Hello) (*Auth, error) {
	sig, err := keys.Sign(rand, identity.Private, AuthTranscript(h.Home, h.Challenge))
	if err != nil {
		return nil, err
	}
	return &Auth{Identity: identity.Public, Signature: sig}, nil
}

// Verify checks the signature against the hello this connection sent.
// It returns an error wrapping [keys.ErrBadSignature] if it fails.
func (a *Auth) Verify(h *Hello) error {
	return keys.Verify(a.Identity, AuthTranscript(h.Home, h.Challenge), a.Signature[:])
}

// Kind returns [KindHello].
func (*Hello) Kind() Kind { return KindHello }

func (h *Hello) appendBody(b []byte) []byte {
	b = append(b, h.Version)
	b = appendKey(b, h.Home)
	return append(b, h.Challenge[:]...)
}

func parseHello(r *reader) Message {
	h := &Hello{Version: r.U8(), Home: r.publicKey()}
	copy(h.Challenge[:], r.Bytes(ChallengeSize))
	return h
}

// Kind returns [KindAuth].
func (*Auth) Kind() Kind { return KindAuth }

func (a *Auth) appendBody(b []byte) []byte {
	b = appendKey(b, a.Identity)
	return append(b, a.Signature[:]...)
}

func parseAuth(r *reader) Message {
	return &Auth{Identity: r.publicKey(), Signature: r.signature()}
}
