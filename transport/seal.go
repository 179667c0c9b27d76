package transport

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"ratchat/keys"
)

// The message types an envelope carries, as libsignal's
// CiphertextMessageType numbers them (session.TypeSignal,
// session.TypePreKey and session.TypePlaintext). The transport does not
// look inside the message.
const (
	TypeSignal    uint8 = 2 // a SignalMessage
	TypePreKey    uint8 = 3 // a PreKeySignalMessage
	TypeSenderKey uint8 = 7 // a group message: group id (32) || SenderKeyMessage
	TypePlaintext uint8 = 8 // a PlaintextContent: a decryption error, outside any session
)

// GroupIDSize is the length of the group id that starts a
// [TypeSenderKey] message.
const GroupIDSize = 32

// MaxPlaintextMessageSize bounds the message of a [TypePlaintext]
// envelope: it carries one small decryption error, never content.
const MaxPlaintextMessageSize = 512

// checkMessage checks a message's type and length.
func checkMessage(msgType uint8, n int) error {
	switch msgType {
	case TypeSignal, TypePreKey:
	case TypeSenderKey:
		if n <= GroupIDSize {
			return fmt.Errorf("%w: group message of %d bytes", ErrMessageSize, n)
		}
	case TypePlaintext:
		if n > MaxPlaintextMessageSize {
			return fmt.Errorf("%w: plaintext content of %d bytes", ErrMessageSize, n)
		}
	default:
		return ErrMessageType
	}
	if n == 0 || n > MaxSealedMessageSize {
		return ErrMessageSize
	}
	return nil
}

// Domain-separation labels of the envelope's two key derivations (the
// HKDF info). Why two: the key that hides the sender and the key that
// encrypts the content must never coincide, whatever the inputs.
const (
	sealEphemeralLabel = "ratchat sealed envelope v1: ephemeral layer"
	sealStaticLabel    = "ratchat sealed envelope v1: static layer"
)

// Envelope layout: version || E (32) || sealed sender (32 + tag) ||
// sealed content (padded + tag).
const (
	envelopeVersion  = 1
	tagSize          = 16
	senderBoxSize    = keys.KeySize + tagSize
	envelopeHeader   = 1 + keys.KeySize
	envelopeOverhead = envelopeHeader + senderBoxSize + tagSize
	contentHeader    = 1 + 4 // message type, message length
	minEnvelopeSize  = envelopeOverhead + minPaddedSize

	// MaxSealedMessageSize is the longest message an envelope carries.
	MaxSealedMessageSize = maxPaddedSize - contentHeader
)

// OpenedEnvelope is what the recipient learns from an envelope.
type OpenedEnvelope struct {
	Sender  keys.PublicKey // the sender's identity key, authenticated
	Type    uint8          // TypeSignal, TypePreKey, TypeSenderKey or TypePlaintext
	Message []byte         // the ratchet message
}

// SealEnvelope seals a ratchet message from sender to recipient, as
// Signal's sealed sender (version 1) does, so that the home storing it
// learns the recipient, the size and the time, and nothing of the sender:
//
//  1. A fresh ephemeral key E; HKDF(DH(E, IK_r), salt = IK_r || E)
//     gives a chain key and key1; key1 encrypts the sender's identity key.
//     Only the recipient can learn who sent it.
//  2. HKDF(DH(IK_s, IK_r), salt = chain key || sealed sender) gives key2;
//     key2 encrypts the content. Only the holder of IK_s (or IK_r) can
//     compute it, so the sender's identity is authenticated.
//
// The content is the type byte, the message length and the message,
// padded with zeros (see paddedSize). Each key encrypts one plaintext,
// so AES-256-GCM runs with a zero nonce; the header is associated data.
func SealEnvelope(rand io.Reader, sender *keys.KeyPair, recipient keys.PublicKey, msgType uint8, message []byte) ([]byte, error) {
	return sealEnvelope(rand, sender.Public, recipient, func() ([keys.KeySize]byte, error) {
		return sender.Agree(recipient)
	}, msgType, message)
}

// sealEnvelope is SealEnvelope with the static agreement DH(IK_s, IK_r)
// computed by static, which a [Sealer] remembers per recipient.
func sealEnvelope(rand io.Reader, sender, recipient keys.PublicKey, static func() ([keys.KeySize]byte, error), msgType uint8, message []byte) ([]byte, error) {
	if err := checkMessage(msgType, len(message)); err != nil {
		return nil, err
	}
	eph, err := keys.GenerateKeyPair(rand)
	if err != nil {
		return nil, err
	}
	chain, key1, err := ephemeralKeys(&eph, recipient, eph.Public, recipient)
	if err != nil {
		return nil, err
	}
	padded := paddedSize(contentHeader + len(message))
	out := make([]byte, 0, envelopeOverhead+padded)
	out = append(append(out, envelopeVersion), eph.Public[:]...)
	out = gcmSeal(key1, out, sender[:], out)
	dh, err := static()
	if err != nil {
		return nil, err
	}
	key2, err := staticKeyFrom(dh, chain, out[envelopeHeader:])
	if err != nil {
		return nil, err
	}
	content := make([]byte, padded)
	content[0] = msgType
	binary.BigEndian.PutUint32(content[1:], uint32(len(message)))
	copy(content[contentHeader:], message)
	return gcmSeal(key2, out, content, out), nil
}

// OpenEnvelope opens an envelope sealed to recipient. It fails with
// [ErrEnvelope] for a structurally wrong envelope and [ErrEnvelopeAuth]
// for one not sealed to this key, or altered; nothing is returned unless
// both layers authenticated and the padding is canonical.
func OpenEnvelope(recipient *keys.KeyPair, envelope []byte) (*OpenedEnvelope, error) {
	if err := ParseEnvelope(envelope); err != nil {
		return nil, err
	}
	eph, err := keys.NewPublicKey(envelope[1:envelopeHeader])
	if err != nil {
		return nil, fmt.Errorf("%w: ephemeral key: %w", ErrEnvelope, err)
	}
	chain, key1, err := ephemeralKeys(recipient, eph, eph, recipient.Public)
	if err != nil {
		return nil, ErrEnvelopeAuth
	}
	senderBox := envelope[envelopeHeader : envelopeHeader+senderBoxSize]
	raw, ok := gcmOpen(key1, senderBox, envelope[:envelopeHeader])
	if !ok {
		return nil, ErrEnvelopeAuth
	}
	sender, err := keys.NewPublicKey(raw)
	if err != nil {
		return nil, ErrEnvelopeAuth
	}
	key2, err := staticKey(recipient, sender, chain, senderBox)
	if err != nil {
		return nil, ErrEnvelopeAuth
	}
	content, ok := gcmOpen(key2, envelope[envelopeHeader+senderBoxSize:], envelope[:envelopeHeader+senderBoxSize])
	if !ok {
		return nil, ErrEnvelopeAuth
	}
	return unpad(sender, content)
}

// ParseEnvelope checks an envelope's structure without opening it: the
// version, and a length that is the overhead plus a padding bucket. A
// home runs it on every deposit, so that it stores nothing a recipient's
// client would refuse to even try.
func ParseEnvelope(envelope []byte) error {
	n := len(envelope)
	if n < minEnvelopeSize || n > MaxEnvelopeSize {
		return fmt.Errorf("%w: length %d", ErrEnvelope, n)
	}
	if envelope[0] != envelopeVersion {
		return fmt.Errorf("%w: version %d", ErrEnvelope, envelope[0])
	}
	if p := n - envelopeOverhead; paddedSize(p) != p {
		return fmt.Errorf("%w: length %d is not a padding bucket", ErrEnvelope, n)
	}
	return nil
}

// unpad reads the content: the type, the length, the message, and zeros
// up to exactly the bucket of that length.
func unpad(sender keys.PublicKey, content []byte) (*OpenedEnvelope, error) {
	msgType := content[0]
	n := binary.BigEndian.Uint32(content[1:contentHeader])
	if msgType != TypeSignal && msgType != TypePreKey && msgType != TypePlaintext && msgType != TypeSenderKey {
		return nil, ErrMessageType
	}
	if msgType == TypePlaintext && n > MaxPlaintextMessageSize {
		return nil, fmt.Errorf("%w: plaintext content of %d bytes", ErrEnvelope, n)
	}
	if msgType == TypeSenderKey && n <= GroupIDSize {
		return nil, fmt.Errorf("%w: group message of %d bytes", ErrEnvelope, n)
	}
	if n == 0 || n > uint32(len(content)-contentHeader) || paddedSize(contentHeader+int(n)) != len(content) {
		return nil, fmt.Errorf("%w: bad content length", ErrEnvelope)
	}
	end := contentHeader + int(n)
	for _, c := range content[end:] {
		if c != 0 {
			return nil, fmt.Errorf("%w: bad padding", ErrEnvelope)
		}
	}
	return &OpenedEnvelope{Sender: sender, Type: msgType, Message: content[contentHeader:end]}, nil
}

// ephemeralKeys derives the chain key and key1 from DH(E, IK_r), with both
// public keys in the salt so the keys are bound to this pair. self is
// the private key this side holds and peer the other side's public key
// (E and IK_r to seal, IK_r and E to open).
func ephemeralKeys(self *keys.KeyPair, peer, eph, recipient keys.PublicKey) (chain, key1 []byte, err error) {
	dh, err := self.Agree(peer)
	if err != nil {
		return nil, nil, err
	}
	salt := append(recipient.Bytes(), eph.Bytes()...)
	okm, err := hkdf.Key(sha256.New, dh[:], salt, sealEphemeralLabel, 64)
	if err != nil {
		return nil, nil, err
	}
	return okm[:32], okm[32:], nil
}

// staticKey derives key2 from DH(IK_s, IK_r), salted with the chain key
// and the sealed sender, so it depends on both layers.
func staticKey(self *keys.KeyPair, peer keys.PublicKey, chain, senderBox []byte) ([]byte, error) {
	dh, err := self.Agree(peer)
	if err != nil {
		return nil, err
	}
	return staticKeyFrom(dh, chain, senderBox)
}

// staticKeyFrom is staticKey from the agreement dh = DH(IK_s, IK_r).
func staticKeyFrom(dh [keys.KeySize]byte, chain, senderBox []byte) ([]byte, error) {
	salt := append(append(make([]byte, 0, len(chain)+len(senderBox)), chain...), senderBox...)
	return hkdf.Key(sha256.New, dh[:], salt, sealStaticLabel, 32)
}

// zeroNonce is the GCM nonce: each key encrypts exactly one plaintext.
var zeroNonce [12]byte

// gcmSeal appends AES-256-GCM(key, plaintext, ad) to dst.
func gcmSeal(key, dst, plaintext, ad []byte) []byte {
	return newGCM(key).Seal(dst, zeroNonce[:], plaintext, ad)
}

// gcmOpen decrypts and authenticates box.
func gcmOpen(key, box, ad []byte) ([]byte, bool) {
	pt, err := newGCM(key).Open(nil, zeroNonce[:], box, ad)
	return pt, err == nil
}

// newGCM makes AES-256-GCM; a 32-byte key cannot fail.
func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("transport: " + err.Error())
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("transport: " + err.Error())
	}
	return aead
}
