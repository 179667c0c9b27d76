package transport

import (
	"encoding/binary"
	"fmt"
)

// Kind is the first byte of every message body: what the rest is.
type Kind uint8

// The message kinds. Values are part of the wire format; never reuse one.
const (
	KindHello         Kind = 1  // home → any: protocol version, home identity, challenge
	KindAuth          Kind = 2  // owner → home: identity key and challenge signature
	KindOK            Kind = 3  // home → client: the request succeeded
	KindError         Kind = 4  // home → client: the request failed (code, text)
	KindPing          Kind = 5  // either way: are you there?
	KindPong          Kind = 6  // the answer to a Ping
	KindUploadPreKeys Kind = 7  // owner → home: publish prekeys
	KindFetchBundle   Kind = 8  // any → home: hand out a bundle of this owner
	KindBundle        Kind = 9  // home → any: the bundle, with prekeys left
	KindCountPreKeys  Kind = 10 // owner → home: how many one-time prekeys are left?
	KindPreKeyCounts  Kind = 11 // home → owner: the counts
	KindDeposit       Kind = 12 // any → home: store this envelope for this owner
	KindStored        Kind = 13 // home → depositor: stored durably, with its id
	KindFetch         Kind = 14 // owner → home: push my mailbox to me
	KindDeliver       Kind = 15 // home → owner: one envelope from the mailbox
	KindAck           Kind = 16 // owner → home: delete these envelopes
	KindCaughtUp      Kind = 17 // home → owner: the mailbox as it was at Fetch is all pushed
	KindTokenDeposit  Kind = 18 // any → home: a Deposit with a deposit token
	KindTokens        Kind = 19 // owner → home: register or revoke deposit tokens

	KindTokenDepositTTL Kind = 20 // any → home: a Deposit with a token and a lifetime
)

// headerSize is the kind byte plus the 4-byte request id.
const headerSize = 1 + 4

// Message is one of the message types of this package (*Hello, *Auth,
// ...). The set is closed: its encoders are unexported.
type Message interface {
	// Kind returns the message's kind byte.
	Kind() Kind
	// appendBody appends the fields after the header.
	appendBody(b []byte) []byte
}

// parsers decodes the fields of each kind. Each one is strict: it reads
// exactly one canonical encoding and refuses anything else.
var parsers = map[Kind]func(*reader) Message{
	KindHello:         parseHello,
	KindAuth:          parseAuth,
	KindOK:            func(*reader) Message { return &OK{} },
	KindError:         parseError,
	KindPing:          func(*reader) Message { return &Ping{} },
	KindPong:          func(*reader) Message { return &Pong{} },
	KindUploadPreKeys: parseUploadPreKeys,
	KindFetchBundle:   parseFetchBundle,
	KindBundle:        parseBundleReply,
	KindCountPreKeys:  func(*reader) Message { return &CountPreKeys{} },
	KindPreKeyCounts:  parsePreKeyCounts,
	KindDeposit:       parseDeposit,
	KindStored:        parseStored,
	KindFetch:         func(*reader) Message { return &Fetch{} },
	KindDeliver:       parseDeliver,
	KindAck:           parseAck,
	KindCaughtUp:      func(*reader) Message { return &CaughtUp{} },
	KindTokenDeposit:  parseTokenDeposit,
	KindTokens:        parseTokens,

	KindTokenDepositTTL: parseTokenDepositTTL,
}

// MarshalMessage encodes m as a frame body: its kind byte, the request
// id (4 bytes, big-endian), then its fields. Requests carry an id the
// client chose; the home's answer carries the same id; pushes (Hello,
// Deliver, CaughtUp) and connection-level errors carry 0. The encoding is checked
// by parsing it back, so a message ParseMessage would refuse (a count out
// of range, an oversized field) fails here with [ErrMalformed] rather
// than on the other side.
func MarshalMessage(id uint32, m Message) ([]byte, error) {
	b := make([]byte, headerSize, 64)
	b[0] = byte(m.Kind())
	binary.BigEndian.PutUint32(b[1:], id)
	b = m.appendBody(b)
	if len(b) > MaxFrameSize {
		return nil, &FrameTooLargeError{Size: uint32(min(len(b), 1<<32-1)), Max: MaxFrameSize}
	}
	if _, _, err := ParseMessage(b); err != nil {
		return nil, err
	}
	return b, nil
}

// ParseMessage decodes a frame body written by [MarshalMessage]. It is
// strict: an unknown kind, a field of the wrong length, a count out of
// range, an invalid key or trailing bytes fail with [ErrMalformed].
// Byte slices in the result alias body.
func ParseMessage(body []byte) (id uint32, m Message, err error) {
	if len(body) < headerSize {
		return 0, nil, fmt.Errorf("%w: short header", ErrMalformed)
	}
	kind := Kind(body[0])
	parse, ok := parsers[kind]
	if !ok {
		return 0, nil, fmt.Errorf("%w: unknown kind %d", ErrMalformed, body[0])
	}
	r := newReader(body[headerSize:])
	m = parse(r)
	if err := r.Done(); err != nil {
		return 0, nil, fmt.Errorf("%w: bad %s body: %w", ErrMalformed, kind, err)
	}
	return binary.BigEndian.Uint32(body[1:]), m, nil
}

// String returns the kind's name, for logs and errors.
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

var kindNames = map[Kind]string{
	KindHello: "Hello", KindAuth: "Auth", KindOK: "OK", KindError: "Error",
	KindPing: "Ping", KindPong: "Pong", KindUploadPreKeys: "UploadPreKeys",
	KindFetchBundle: "FetchBundle", KindBundle: "Bundle", KindCountPreKeys: "CountPreKeys",
	KindPreKeyCounts: "PreKeyCounts", KindDeposit: "Deposit", KindStored: "Stored",
	KindFetch: "Fetch", KindDeliver: "Deliver", KindAck: "Ack", KindCaughtUp: "CaughtUp",
	KindTokenDeposit: "TokenDeposit", KindTokens: "Tokens", KindTokenDepositTTL: "TokenDepositTTL",
}
