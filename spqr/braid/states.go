package braid

import (
	"fmt"
	"io"
	"math"

	"ratchat/spqr/erasure"
	"ratchat/spqr/incmlkem"
)

// Direction says which way a session's first party faces: the party that
// started the session (A) sends A2B. The values are those of the reference's
// protobuf enum Direction (src/proto/pq_ratchet.proto).
type Direction uint8

// The two directions.
const (
	A2B Direction = 0
	B2A Direction = 1
)

// String returns "A2B" or "B2A".
func (d Direction) String() string {
	switch d {
	case A2B:
		return "A2B"
	case B2A:
		return "B2A"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// EpochSecret is the braid's output: the 32-byte secret that both parties
// derive for an epoch, which the top level mixes into its symmetric chain.
type EpochSecret struct {
	Epoch  uint64
	Secret []byte
}

// String prints the epoch only: a secret never reaches a log.
func (e EpochSecret) String() string {
	return fmt.Sprintf("EpochSecret{Epoch: %d, Secret: redacted}", e.Epoch)
}

// kind is the state a party is in. Each epoch one party sends an
// encapsulation key (the send_ek states) and the other encapsulates to it
// (the send_ct states); they swap roles at the end of every epoch. The
// names and transitions are those of src/v1/chunked/states.rs.
type kind uint8

const (
	kindInvalid kind = iota // the zero States: refused by Send and Recv

	// send_ek: we generate a key pair and send header, then key.
	kindKeysUnsampled     // nothing sampled yet for this epoch
	kindKeysSampled       // sending header ‖ MAC chunks; holds ek, dk
	kindHeaderSent        // first ct1 chunk came: sending ek chunks, receiving ct1
	kindCt1Received       // all of ct1: sending ek chunks with the ct1 ack
	kindEkSentCt1Received // first ct2 chunk came: sending acks, receiving ct2 ‖ MAC

	// send_ct: we receive a header, then encapsulate to the key.
	kindNoHeaderReceived     // receiving header ‖ MAC chunks
	kindHeaderReceived       // header authenticated: Encaps1 at the next Send
	kindCt1Sampled           // sending ct1 chunks, receiving ek chunks
	kindEkReceivedCt1Sampled // all of ek: sending ct1 until it is acknowledged
	kindCt1Acknowledged      // ct1 acknowledged: receiving the rest of ek
	kindCt2Sampled           // sending ct2 ‖ MAC until the peer moves to epoch+1

	kindCount
)

var kindNames = [kindCount]string{
	"Invalid",
	"KeysUnsampled", "KeysSampled", "HeaderSent", "Ct1Received", "EkSentCt1Received",
	"NoHeaderReceived", "HeaderReceived", "Ct1Sampled", "EkReceivedCt1Sampled",
	"Ct1Acknowledged", "Ct2Sampled",
}

func (k kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// The sizes of the messages sent in chunks.
const (
	hdrMsgSize = incmlkem.HeaderSize + MACSize      // header ‖ header MAC
	ct2MsgSize = incmlkem.Ciphertext2Size + MACSize // ct2 ‖ ciphertext MAC
)

// States is one party's braid state. It is a value: [States.Send] and
// [States.Recv] return the next state and never modify the one they are
// called on, so a caller keeps the old state when a message is refused.
// Which fields are set depends on the state (see fieldsOf); every other
// field is nil, so that a secret is dropped as soon as it is not needed.
// States derived from one another share their parts, which nothing
// modifies once made, so they may be used from several goroutines.
type States struct {
	kind  kind
	epoch uint64
	auth  authenticator
	dk    []byte           // send_ek: our decapsulation key
	ek    []byte           // KeysSampled: our ek, not yet sent; EkReceivedCt1Sampled: the peer's
	hdr   []byte           // send_ct: the peer's authenticated header
	es    []byte           // send_ct: the encapsulation state of Encaps1
	ct1   []byte           // send_ek: ct1 received; send_ct: ct1 sent (the ciphertext MAC covers it)
	enc   *erasure.Encoder // what we are sending in chunks; shared, read only (see newEncoder)
	next  uint16           // the index of the next chunk of enc to send
	got   *chunkList       // the chunks received of what the peer is sending us
}

// InitA returns the state of the party that started the session: it sends
// the first encapsulation key, in epoch 1. authKey is the SPQR
// authentication key from PQXDH (src/v1/chunked/states.rs, init_a).
func InitA(authKey []byte) States {
	return States{kind: kindKeysUnsampled, epoch: 1, auth: newAuthenticator(authKey)}
}

// InitB returns the state of the party that accepted the session: it waits
// for the first header, in epoch 1 (init_b).
func InitB(authKey []byte) States {
	return States{kind: kindNoHeaderReceived, epoch: 1, auth: newAuthenticator(authKey)}
}

// Epoch returns the epoch the party is in: the epoch of the messages it sends.
func (s States) Epoch() uint64 { return s.epoch }

// String names the state and epoch; no key material is printed.
func (s States) String() string {
	return fmt.Sprintf("braid.States{%v, epoch %d}", s.kind, s.epoch)
}

// Send returns the next message to send, the state after it and, when this
// message starts a new epoch on our side (Encaps1 on the send_ct side), that
// epoch's secret. rand is read only when keys or a ciphertext are sampled.
func (s States) Send(rand io.Reader) (next States, msg Message, key *EpochSecret, err error) {
	m := Message{Epoch: s.epoch}
	switch s.kind {
	case kindKeysUnsampled:
		next, m.Chunk, err = s.sendHeader(rand)
		m.Type = TypeHdr
	case kindKeysSampled:
		next, m.Chunk, err = s.nextChunk()
		m.Type = TypeHdr
	case kindHeaderSent:
		next, m.Chunk, err = s.nextChunk()
		m.Type = TypeEk
	case kindCt1Received:
		next, m.Chunk, err = s.nextChunk()
		m.Type = TypeEkCt1Ack
	case kindEkSentCt1Received:
		next, m.Type = s, TypeCt1Ack
	case kindNoHeaderReceived, kindCt1Acknowledged:
		next, m.Type = s, TypeNone
	case kindHeaderReceived:
		next, m.Chunk, key, err = s.sendCt1(rand)
		m.Type = TypeCt1
	case kindCt1Sampled, kindEkReceivedCt1Sampled:
		next, m.Chunk, err = s.nextChunk()
		m.Type = TypeCt1
	case kindCt2Sampled:
		next, m.Chunk, err = s.nextChunk()
		m.Type = TypeCt2
	default:
		err = fmt.Errorf("%w: send in state %v", ErrState, s.kind)
	}
	if err != nil {
		return s, Message{}, nil, err
	}
	return next, m, key, nil
}

// Recv takes a message from the peer and returns the state after it and,
// when the message completes an epoch on our side (the send_ek side's
// Decaps), that epoch's secret. Messages of past epochs, and those that
// carry nothing for the current state, leave the state as it is; chunks may
// arrive in any order, and lost ones are made up by later chunks. On error,
// next is s.
func (s States) Recv(msg Message) (next States, key *EpochSecret, err error) {
	if s.kind == kindInvalid || s.kind >= kindCount {
		return s, nil, fmt.Errorf("%w: recv in state %v", ErrState, s.kind)
	}
	switch {
	case msg.Epoch < s.epoch:
		return s, nil, nil
	case msg.Epoch > s.epoch:
		// Only the send_ct side, once ct2 is out, learns that the peer
		// decapsulated: the peer's next message comes from epoch+1.
		if s.kind == kindCt2Sampled && s.epoch < math.MaxUint64 && msg.Epoch == s.epoch+1 {
			return s.recvNextEpoch(), nil, nil
		}
		return s, nil, fmt.Errorf("%w: message of epoch %d in epoch %d", ErrEpochOutOfRange, msg.Epoch, s.epoch)
	}
	switch s.kind {
	case kindKeysSampled, kindHeaderSent:
		if msg.Type == TypeCt1 {
			next, err = s.recvCt1Chunk(msg.Chunk)
		}
	case kindCt1Received, kindEkSentCt1Received:
		if msg.Type == TypeCt2 {
			next, key, err = s.recvCt2Chunk(msg.Chunk)
		}
	case kindNoHeaderReceived:
		if msg.Type == TypeHdr {
			next, err = s.recvHeaderChunk(msg.Chunk)
		}
	case kindCt1Sampled, kindCt1Acknowledged:
		if msg.Type == TypeEk || msg.Type == TypeEkCt1Ack {
			next, err = s.recvEkChunk(msg.Chunk, msg.Type == TypeEkCt1Ack)
		}
	case kindEkReceivedCt1Sampled:
		if msg.Type == TypeCt1Ack || msg.Type == TypeEkCt1Ack {
			next, err = s.sendCt2()
		}
	}
	if err != nil {
		return s, nil, err
	}
	if next.kind == kindInvalid { // the message carried nothing for us
		next = s
	}
	return next, key, nil
}

// nextChunk returns the next chunk of what s is sending. The index lives in
// s, not in the shared encoder, so that s itself is unchanged.
func (s States) nextChunk() (States, erasure.Chunk, error) {
	if s.enc == nil {
		return s, erasure.Chunk{}, fmt.Errorf("%w: no encoder in state %v", ErrState, s.kind)
	}
	c := s.enc.Chunk(s.next)
	s.next++ // wraps from 65535 to 0, like the reference's encoder
	return s, c, nil
}
