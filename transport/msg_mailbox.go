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
// (recipient, token, envelope); one with a token and a Lifetime is a
// [KindTokenDepositTTL] (recipient, token, lifetime in seconds as a
// 4-byte big-endian number, envelope); one without a token is the
// [KindDeposit] of earlier versions (recipient, envelope), which parses
// but which a home refuses with CodeTokenRequired.
//
// Lifetime makes the envelope disappear, undelivered, if its owner has
// not fetched it that long after the home stored it: the relay's half of
// disappearing messages. It is whole seconds from [MinLifetime] to
// [MaxLifetime], or 0 for none; a home keeps an envelope at most its
// retention whatever the lifetime. Why a kind of its own and not a field
// added to KindTokenDeposit: the older kinds stay byte for byte as they
// were, and a home from before lifetimes refuses the new kind as unknown
// rather than storing the envelope for longer than its sender asked.
type Deposit struct {
	Recipient keys.PublicKey
	Token     Token         // a token the recipient handed out; zero for none
	Lifetime  time.Duration // whole seconds; 0 for none
	Envelope  []byte        // a sealed envelope; see [SealEnvelope]
}

// The bounds of a [Deposit]'s Lifetime on the wire. Why ten years: far
// beyond any home's retention, which clamps it, and within 4 bytes of
// seconds.
const (
	MinLifetime = time.Second
	MaxLifetime = 10 * 365 * 24 * time.Hour
)

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

// Kind returns [KindTokenDepositTTL] for a Deposit with a Lifetime,
// [KindTokenDeposit] for one with a token only, or [KindDeposit] for
// one with neither. A Lifetime without a token is a
// KindTokenDepositTTL, which does not encode (its token is zero).
func (d *Deposit) Kind() Kind {
	switch {
	case d.Lifetime != 0:
		return KindTokenDepositTTL
	case d.Token.IsZero():
		return KindDeposit
	}
	return KindTokenDeposit
}

func (d *Deposit) appendBody(b []byte) []byte {
	b = appendKey(b, d.Recipient)
	if d.Kind() != KindDeposit {
		b = append(b, d.Token[:]...)
	}
	if d.Lifetime != 0 {
		b = appendU32(b, lifetimeSeconds(d.Lifetime))
	}
	return append(b, d.Envelope...)
}

// lifetimeSeconds is d in whole seconds, or 0 (which the parser refuses)
// for a lifetime that is out of bounds or not whole seconds.
func lifetimeSeconds(d time.Duration) uint32 {
	if d < MinLifetime || d > MaxLifetime || d%time.Second != 0 {
		return 0
	}
	return uint32(d / time.Second)
}

// parseTokenDepositTTL reads a deposit with a token and a lifetime
// ([MinLifetime] to [MaxLifetime]).
func parseTokenDepositTTL(r *reader) Message {
	d := &Deposit{Recipient: r.publicKey()}
	copy(d.Token[:], r.Bytes(TokenSize))
	secs := r.U32()
	d.Lifetime = time.Duration(secs) * time.Second
	d.Envelope = r.Rest()
	switch {
	case d.Token.IsZero():
		r.fail("zero token")
	case d.Lifetime < MinLifetime || d.Lifetime > MaxLifetime:
		r.fail("lifetime out of range")
	default:
		if err := ParseEnvelope(d.Envelope); err != nil {
			r.Fail(err)
		}
	}
	return d
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
