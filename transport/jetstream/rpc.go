package jetstream

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// The requests a front end sends a partition's holder, on rc.<partition>.
// Why these go to the holder: they read or change what the holder keeps
// in memory to check deposits (usage, tokens), so the holder is their one
// writer and its quotas are exact.
const (
	opDeposit uint8 = iota + 1
	opAck
	opAddTokens
	opRevokeTokens
	opUsage
	// opDepositTTL is an opDeposit with a lifetime (ms, after the time).
	// Why its own op: a front end from before lifetimes refuses it, rather
	// than reading the lifetime as the start of the body.
	opDepositTTL
	// opPending asks where an owner's envelopes are: the holder's index
	// knows which segment holds each, and the asking front end reads them.
	opPending
)

// maxLifetimeMs bounds a deposit request's lifetime: far past any
// retention, and within a time.Duration.
const maxLifetimeMs = 100 * 365 * 24 * 3600 * 1000

// maxIDs bounds the ids, and tokens, of one request.
const maxIDs = 1 << 16

// request is one decoded request to a holder.
type request struct {
	op     uint8
	owner  keys.PublicKey
	token  mailbox.TokenHash // opDeposit
	dedup  depositID         // opDeposit
	now    time.Time         // opDeposit
	life   time.Duration     // opDeposit: its lifetime, 0 for none (sent as an opDepositTTL)
	body   []byte            // opDeposit
	ids    []uint64          // opAck
	tokens []mailbox.Token   // opAddTokens, opRevokeTokens (Kind unused)
	after  uint64            // opPending: ids above this
	limit  uint32            // opPending: at most this many (≤ maxIDs)
}

func (r *request) marshal() []byte {
	var b cryptobyte.Builder
	op := r.op
	if op == opDeposit && r.life > 0 {
		op = opDepositTTL
	}
	b.AddUint8(op)
	b.AddBytes(r.owner[:])
	switch r.op {
	case opDeposit:
		b.AddBytes(r.token[:])
		b.AddBytes(r.dedup[:])
		b.AddUint64(uint64(r.now.UnixMilli()))
		if op == opDepositTTL {
			b.AddUint64(uint64(max(r.life.Milliseconds(), 1)))
		}
		b.AddBytes(r.body)
	case opPending:
		b.AddUint64(r.after)
		b.AddUint64(uint64(max(r.now.UnixMilli(), 0)))
		b.AddUint32(r.limit)
	case opAck:
		b.AddUint32(uint32(len(r.ids)))
		for _, id := range r.ids {
			b.AddUint64(id)
		}
	case opAddTokens, opRevokeTokens:
		b.AddUint32(uint32(len(r.tokens)))
		for _, t := range r.tokens {
			b.AddBytes(t.Hash[:])
			if r.op == opAddTokens {
				b.AddUint8(uint8(t.Kind))
			}
		}
	}
	return b.BytesOrPanic()
}

func parseRequest(v []byte) (*request, error) {
	s := cryptobyte.String(v)
	r := &request{}
	if !s.ReadUint8(&r.op) || !s.CopyBytes(r.owner[:]) {
		return nil, fmt.Errorf("%w: request header", ErrRecord)
	}
	var n uint32
	switch r.op {
	case opDeposit, opDepositTTL:
		var ms, life uint64
		if !s.CopyBytes(r.token[:]) || !s.CopyBytes(r.dedup[:]) || !s.ReadUint64(&ms) ||
			r.op == opDepositTTL && (!s.ReadUint64(&life) || life == 0 || life > maxLifetimeMs) {
			return nil, fmt.Errorf("%w: deposit request", ErrRecord)
		}
		r.op, r.life = opDeposit, time.Duration(life)*time.Millisecond
		r.now, r.body = time.UnixMilli(int64(ms)), []byte(s)
		return r, nil
	case opUsage:
	case opPending:
		var ms uint64
		if !s.ReadUint64(&r.after) || !s.ReadUint64(&ms) || !s.ReadUint32(&r.limit) || r.limit > maxIDs || ms > 1<<62 {
			return nil, fmt.Errorf("%w: pending request", ErrRecord)
		}
		r.now = time.UnixMilli(int64(ms))
	case opAck, opAddTokens, opRevokeTokens:
		size := map[uint8]int{opAck: 8, opAddTokens: 33, opRevokeTokens: 32}[r.op]
		if !s.ReadUint32(&n) || n > maxIDs || int(n)*size != len(s) {
			return nil, fmt.Errorf("%w: request of %d items", ErrRecord, n)
		}
		for range n {
			if r.op == opAck {
				var id uint64
				s.ReadUint64(&id)
				r.ids = append(r.ids, id)
				continue
			}
			var t mailbox.Token
			s.CopyBytes(t.Hash[:])
			if r.op == opAddTokens {
				var k uint8
				s.ReadUint8(&k)
				t.Kind = mailbox.TokenKind(k)
			}
			r.tokens = append(r.tokens, t)
		}
	default:
		return nil, fmt.Errorf("%w: request op %d", ErrRecord, r.op)
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: trailing bytes", ErrRecord)
	}
	return r, nil
}

// Codes of a reply's error, so that the mailbox sentinels cross front
// ends unchanged.
var errCodes = []error{1: mailbox.ErrUnknownMailbox, 2: mailbox.ErrQuota, 3: mailbox.ErrTokenQuota,
	4: mailbox.ErrRequestQuota, 5: mailbox.ErrUnknownToken, 6: mailbox.ErrFull, 7: mailbox.ErrClosed,
	8: errNotHolder, 9: errRetry}

// codeInternal is the code of any other error, whose text follows.
const codeInternal = 255

// reply is a holder's answer: an error, or a number or two, and for
// opPending where the envelopes are.
type reply struct {
	err  error
	a, b uint64     // opDeposit: id; opAck: count; opUsage: count, bytes
	locs []location // opPending
}

// location is where an envelope is: its id (which names its segment),
// and its place in the segment's data.
type location struct {
	id             uint64
	received       int64 // ms
	offset, length uint32
}

func (r *reply) marshal() []byte {
	var b cryptobyte.Builder
	if r.err == nil {
		b.AddUint8(0)
		b.AddUint64(r.a)
		b.AddUint64(r.b)
		for _, l := range r.locs {
			b.AddUint64(l.id)
			b.AddUint64(uint64(l.received))
			b.AddUint32(l.offset)
			b.AddUint32(l.length)
		}
		return b.BytesOrPanic()
	}
	for code, e := range errCodes {
		if e != nil && errors.Is(r.err, e) && (e != mailbox.ErrQuota || !isTokenQuota(r.err)) {
			b.AddUint8(uint8(code))
			return b.BytesOrPanic()
		}
	}
	b.AddUint8(codeInternal)
	b.AddBytes([]byte(r.err.Error()))
	return b.BytesOrPanic()
}

// isTokenQuota tells a token or request quota from the mailbox's own,
// which both wrap [mailbox.ErrQuota].
func isTokenQuota(err error) bool {
	return errors.Is(err, mailbox.ErrTokenQuota) || errors.Is(err, mailbox.ErrRequestQuota)
}

func parseReply(v []byte) (reply, error) {
	s := cryptobyte.String(v)
	var code uint8
	if !s.ReadUint8(&code) {
		return reply{}, fmt.Errorf("%w: empty reply", ErrRecord)
	}
	switch {
	case code == 0:
		var r reply
		if !s.ReadUint64(&r.a) || !s.ReadUint64(&r.b) || len(s)%24 != 0 || len(s)/24 > maxIDs {
			return reply{}, fmt.Errorf("%w: reply", ErrRecord)
		}
		for !s.Empty() {
			var l location
			var ms uint64
			s.ReadUint64(&l.id)
			s.ReadUint64(&ms)
			s.ReadUint32(&l.offset)
			s.ReadUint32(&l.length)
			if ms > 1<<62 || l.id == 0 {
				return reply{}, fmt.Errorf("%w: reply: location", ErrRecord)
			}
			l.received = int64(ms)
			r.locs = append(r.locs, l)
		}
		return r, nil
	case code == codeInternal:
		return reply{err: fmt.Errorf("%w: %s", ErrHolder, string(s))}, nil
	case int(code) < len(errCodes) && errCodes[code] != nil && s.Empty():
		return reply{err: errCodes[code]}, nil
	}
	return reply{}, fmt.Errorf("%w: reply code %d", ErrRecord, code)
}

// marshalLive encodes an envelope announced on live.<owner>.
func marshalLive(e mailbox.Envelope) []byte {
	var b cryptobyte.Builder
	b.AddUint64(e.ID)
	b.AddUint64(uint64(e.Received.UnixMilli()))
	b.AddBytes(e.Body)
	return b.BytesOrPanic()
}

func parseLive(v []byte) (mailbox.Envelope, error) {
	s := cryptobyte.String(v)
	var e mailbox.Envelope
	var ms uint64
	if !s.ReadUint64(&e.ID) || !s.ReadUint64(&ms) || e.ID == 0 {
		return mailbox.Envelope{}, fmt.Errorf("%w: live envelope", ErrRecord)
	}
	e.Received, e.Body = time.UnixMilli(int64(ms)).UTC(), []byte(s)
	return e, nil
}
