package transport

import (
	"time"

	"ratchat/keys"
)

// MaxAckIDs bounds the ids in one [Ack].
const MaxAckIDs = 1024

// Deposit asks a home to store a sealed envelope in the mailbox of
// Recipient. Anyone holding a token of the recipient's may deposit: the
// envelope says nothing about its sender to the home, and the token only
// which quota it counts against. The home answers [Stored] once the
// envelope is on disk.
//
// On the wire a Deposit with a token is a [KindTokenDeposit]
// (recipient, token, envelope); one without is the [KindDeposit] of
// earlier versions (recipient, envelope), which parses but which a home
// refuses with CodeTokenRequired.
type Deposit struct {
	Recipient keys.PublicKey
	Token     Token  // a token the recipient handed out; zero for none
	Envelope  []byte // a sealed envelope; see [SealEnvelope]
}

// Stored answers [Deposit]: the envelope is durably stored under ID.
type Stored struct {
	ID uint64 // never 0
}

// Fetch asks the home to push the owner's mailbox (owner only): every
// stored envelope, oldest first, then each new one as it arrives, as
// [Deliver] messages, until the connection closes. Once every envelope
// stored when the Fetch was handled has been pushed, the home pushes one
// [CaughtUp].
type Fetch struct{}

// Deliver carries one envelope from the owner's mailbox (a push, request
// id 0). The home keeps it until the owner acknowledges it, and pushes it
// again on the next connection otherwise.
type Deliver struct {
	ID       uint64    // the id [Stored] gave the depositor; never 0
	Received time.Time // when the home stored it, to the millisecond
	Envelope []byte
}

// CaughtUp tells the owner (a push, request id 0, once per connection)
// that every envelope that was in its mailbox when the home handled its
// [Fetch] has been pushed before it: the backlog is over, and what comes
// next arrived later. It has no fields. Why a marker and not a count: the
// owner needs "all of the backlog is behind me", in order with the
// Delivers on the same connection, which a count read at Fetch time
// cannot say once envelopes expire or arrive meanwhile. A home from before
// this message never sends it, so an owner must not depend on it to go
// on receiving.
type CaughtUp struct{}

// Ack tells the home that the owner has stored these envelopes safely, so
// the home deletes them (owner only). IDs are strictly ascending.
type Ack struct {
	IDs []uint64
}

// Kind returns [KindTokenDeposit], or [KindDeposit] for a Deposit
// without a token.
func (d *Deposit) Kind() Kind {
	if d.Token.IsZero() {
		return KindDeposit
	}
	return KindTokenDeposit
}

func (d *Deposit) appendBody(b []byte) []byte {
	b = appendKey(b, d.Recipient)
	if !d.Token.IsZero() {
		b = append(b, d.Token[:]...)
	}
	return append(b, d.Envelope...)
}

// parseTokenDeposit reads a deposit with a token, which may not be zero.
func parseTokenDeposit(r *reader) Message {
	d := &Deposit{Recipient: r.publicKey()}
	copy(d.Token[:], r.Bytes(TokenSize))
	d.Envelope = r.Rest()
	if d.Token.IsZero() {
		r.fail("zero token")
	} else if err := ParseEnvelope(d.Envelope); err != nil {
		r.Fail(err)
	}
	return d
}

// parseDeposit checks the envelope's structure (see [ParseEnvelope]), not
// its seal, which only the recipient can open.
func parseDeposit(r *reader) Message {
	d := &Deposit{Recipient: r.publicKey(), Envelope: r.Rest()}
	if err := ParseEnvelope(d.Envelope); err != nil {
		r.Fail(err)
	}
	return d
}

// Kind returns [KindStored].
func (*Stored) Kind() Kind { return KindStored }

func (s *Stored) appendBody(b []byte) []byte { return appendU64(b, s.ID) }

func parseStored(r *reader) Message {
	s := &Stored{ID: r.U64()}
	if s.ID == 0 {
		r.fail("stored id 0")
	}
	return s
}

// Kind returns [KindFetch].
func (*Fetch) Kind() Kind { return KindFetch }

func (*Fetch) appendBody(b []byte) []byte { return b }

// Kind returns [KindCaughtUp].
func (*CaughtUp) Kind() Kind { return KindCaughtUp }

func (*CaughtUp) appendBody(b []byte) []byte { return b }

// IsCaughtUp reports whether d is not an envelope but the marker that
// [Conn.Deliveries] carries in place of the home's [CaughtUp] (see
// [ClientOptions.MarkCaughtUp]). The marker has ID 0, which no envelope
// has on the wire.
func (d *Deliver) IsCaughtUp() bool { return d.ID == 0 }

// Kind returns [KindDeliver].
func (*Deliver) Kind() Kind { return KindDeliver }

// appendBody writes the id, the time in milliseconds since 1970 (UTC),
// and the envelope as the rest of the body.
func (d *Deliver) appendBody(b []byte) []byte {
	b = appendU64(appendU64(b, d.ID), uint64(d.Received.UnixMilli()))
	return append(b, d.Envelope...)
}

// parseDeliver refuses id 0, a time before 1970 or past the year 9999,
// and a structurally wrong envelope.
func parseDeliver(r *reader) Message {
	d := &Deliver{ID: r.U64()}
	ms := r.U64()
	d.Envelope = r.Rest()
	if d.ID == 0 || ms > maxUnixMilli {
		r.fail("delivery id or time")
	} else if err := ParseEnvelope(d.Envelope); err != nil {
		r.Fail(err)
	}
	d.Received = time.UnixMilli(int64(ms)).UTC()
	return d
}

// maxUnixMilli is the first millisecond of the year 10000.
const maxUnixMilli = 253402300800000

// Kind returns [KindAck].
func (*Ack) Kind() Kind { return KindAck }

func (a *Ack) appendBody(b []byte) []byte {
	b = appendU16(b, uint16(min(len(a.IDs), 0xffff)))
	for _, id := range a.IDs {
		b = appendU64(b, id)
	}
	return b
}

// parseAck wants 1 to [MaxAckIDs] ids, strictly ascending, none 0.
func parseAck(r *reader) Message {
	n := int(r.U16())
	if n == 0 || n > MaxAckIDs {
		r.fail("ack count")
		return &Ack{}
	}
	a := &Ack{IDs: make([]uint64, 0, n)}
	var prev uint64
	for range n {
		id := r.U64()
		if id <= prev {
			r.fail("ack ids not ascending")
			break
		}
		a.IDs = append(a.IDs, id)
		prev = id
	}
	return a
}
