package jetstream

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func hexString(b []byte) string { return hex.EncodeToString(b) }

// lockBox returns owner's box with p.mu held, having read the owner's
// record and tokens into it unless it had them; or, with p.mu not held,
// [mailbox.ErrUnknownMailbox] if the owner has none. An absent owner is
// never cached, since any front end may register it. Why it returns with
// the lock held: an idle box may be forgotten ([part.forgetIdle]) between
// the read and its use, and a use that found it gone would see no tokens.
func (s *Store) lockBox(p *part, owner keys.PublicKey) (*box, error) {
	p.mu.Lock()
	if b := p.box(owner); b.exists && b.tokens != nil {
		return b, nil
	}
	p.mu.Unlock()
	ctx, cancel := s.opCtx()
	defer cancel()
	if _, err := s.owners.Get(ctx, recordKey("o", p.n, owner)); errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, mailbox.ErrUnknownMailbox
	} else if err != nil {
		return nil, fmt.Errorf("jetstream: reading mailbox: %w", err)
	}
	tokens := map[mailbox.TokenHash]mailbox.TokenKind{}
	e, err := s.kv.Get(ctx, recordKey("t", p.n, owner))
	switch {
	case err == nil:
		if tokens, err = parseTokens(e.Value()); err != nil {
			return nil, err
		}
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, fmt.Errorf("jetstream: reading tokens: %w", err)
	}
	p.mu.Lock()
	b := p.box(owner)
	b.exists = true
	if b.tokens == nil {
		b.tokens = tokens
	}
	return b, nil
}

// serveRequest answers the requests of other front ends for partition p.
func (s *Store) serveRequest(p *part) nats.MsgHandler {
	return func(m *nats.Msg) {
		r, err := parseRequest(m.Data)
		if err != nil {
			s.log.Warn("bad request from a front end", "err", err)
			m.Respond((&reply{err: err}).marshal())
			return
		}
		if r.op == opDeposit {
			d := &deposit{owner: r.owner, token: r.token, dedup: r.dedup, body: r.body, now: r.now.UnixMilli(),
				ttl: ttlSeconds(r.life), p: p.n}
			d.done = func(res mailbox.DepositResult) { m.Respond((&reply{err: res.Err, a: res.ID}).marshal()) }
			s.w.enqueue(d)
			return
		}
		go func() {
			rep := s.handle(p, r)
			m.Respond(rep.marshal())
		}()
	}
}

// handle runs a request other than a deposit at the partition's holder.
func (s *Store) handle(p *part, r *request) reply {
	if !p.isReady() {
		return reply{err: errNotHolder}
	}
	switch r.op {
	case opAck:
		n, err := s.ackLocal(p, r.owner, r.ids)
		return reply{err: err, a: uint64(n)}
	case opAddTokens, opRevokeTokens:
		return reply{err: s.tokensLocal(p, r)}
	case opUsage:
		s.pruneExpired(p)
		b, err := s.lockBox(p, r.owner)
		if err != nil {
			return reply{err: err}
		}
		u := b.use
		p.mu.Unlock()
		return reply{a: uint64(u.count), b: uint64(u.bytes)}
	}
	return reply{err: fmt.Errorf("%w: op %d", ErrRecord, r.op)}
}

// ackLocal deletes owner's envelopes with these ids by acknowledging them
// to the partition's consumer (an envelope the consumer has not delivered
// yet is acknowledged as it arrives), and says how many there were.
func (s *Store) ackLocal(p *part, owner keys.PublicKey, ids []uint64) (int, error) {
	n := 0
	var replies []string
	gone := map[uint64]*entry{}
	p.mu.Lock()
	for _, id := range ids {
		e := p.bySeq[id]
		if e == nil || e.acked || e.owner != owner {
			continue
		}
		n++
		gone[id] = e
		replies = p.remove(id, e, replies)
	}
	p.mu.Unlock()
	if err := s.ackAll(replies); err != nil {
		p.restore(gone)
		s.log.Warn("acknowledging", "partition", p.n, "err", err)
		return 0, errRetry
	}
	return n, s.awaitLate(p, gone)
}

// awaitLate waits until the envelopes acknowledged before the consumer
// delivered them are deleted, so that an Ack that returned has deleted.
// If the partition stops being served here meanwhile (it moved), their
// deliveries will not come here: it returns errRetry, and the request is
// asked again of the next holder, whose consumer delivers them anew.
func (s *Store) awaitLate(p *part, gone map[uint64]*entry) error {
	ctx, cancel := s.opCtx()
	defer cancel()
	for _, e := range gone {
		if e.ackDone == nil {
			continue
		}
		select {
		case <-e.ackDone:
		case <-p.done:
			return errRetry
		case <-ctx.Done():
			return fmt.Errorf("jetstream: awaiting the delivery of envelopes acknowledged early: %w", ctx.Err())
		}
	}
	return nil
}

// restore puts back in the index the envelopes whose acknowledgement
// failed (some may be deleted even so: the index counts them until the
// partition is next taken, and the stream's own limit is the backstop).
func (p *part) restore(gone map[uint64]*entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for seq, e := range gone {
		if e.acked { // not delivered yet: it is acknowledged on arrival
			continue
		}
		if _, ok := p.bySeq[seq]; !ok {
			p.bySeq[seq] = e
			p.count(e, 1)
		}
	}
}

// remove takes an envelope out of the index and its usage, returning the
// ack subjects to send with its own added (p.mu held).
func (p *part) remove(seq uint64, e *entry, replies []string) []string {
	p.count(e, -1)
	if e.reply == "" {
		e.acked, e.ackDone = true, make(chan struct{})
		return replies
	}
	delete(p.bySeq, seq)
	return append(replies, e.reply)
}

// ackAll acknowledges delivered envelopes, which deletes them from the
// work-queue stream, and waits for the server to confirm each (a double
// ack: an Ack that returned has deleted). They go out together and are
// confirmed together: one round trip for a batch.
func (s *Store) ackAll(replies []string) error {
	if len(replies) == 0 {
		return nil
	}
	inbox, answers, done := s.replies.open(len(replies))
	defer done()
	for _, r := range replies {
		if err := s.nc.PublishRequest(r, inbox, []byte("+ACK")); err != nil {
			return fmt.Errorf("jetstream: acknowledging: %w", err)
		}
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	for range replies {
		select {
		case <-answers:
		case <-ctx.Done():
			return fmt.Errorf("jetstream: acknowledging: %w", ctx.Err())
		}
	}
	return nil
}

// tokensLocal adds or revokes owner's tokens, as the one writer of its
// token record.
func (s *Store) tokensLocal(p *part, r *request) error {
	b, err := s.lockBox(p, r.owner)
	if err != nil {
		return err
	}
	m := make(map[mailbox.TokenHash]mailbox.TokenKind, len(b.tokens)+len(r.tokens))
	for h, k := range b.tokens {
		m[h] = k
	}
	p.mu.Unlock()
	for _, t := range r.tokens {
		if r.op == opRevokeTokens {
			delete(m, t.Hash)
			continue
		}
		if t.Kind != mailbox.TokenRequest && t.Kind != mailbox.TokenContact {
			return fmt.Errorf("jetstream: token kind %d", t.Kind)
		}
		m[t.Hash] = t.Kind
	}
	if r.op == opAddTokens && len(m) > s.cfg.Limits.MaxTokens {
		return fmt.Errorf("%w: more than %d tokens", mailbox.ErrQuota, s.cfg.Limits.MaxTokens)
	}
	ctx, cancel := s.opCtx()
	defer cancel()
	if _, err := s.kv.Put(ctx, recordKey("t", p.n, r.owner), marshalTokens(m)); err != nil {
		return fmt.Errorf("jetstream: storing tokens: %w", err)
	}
	p.mu.Lock()
	p.box(r.owner).tokens = m
	p.mu.Unlock()
	return nil
}

// expireLocal deletes the partition's envelopes received before cutoff
// (ms), or all of owner's if owner is not nil. Expiring by time, it
// first drops from the index those past their lifetime, which NATS
// deletes by itself, and counts them.
func (s *Store) expireLocal(p *part, cutoff int64, owner *keys.PublicKey) (n int, size int64, err error) {
	if owner == nil {
		n, size = s.pruneExpired(p)
	}
	var replies []string
	gone := map[uint64]*entry{}
	p.mu.Lock()
	for seq, e := range p.bySeq {
		if e.acked || (owner == nil && e.received >= cutoff) || (owner != nil && e.owner != *owner) {
			continue
		}
		n++
		size += e.size
		gone[seq] = e
		replies = p.remove(seq, e, replies)
	}
	if owner != nil {
		delete(p.boxes, *owner)
	}
	p.mu.Unlock()
	if err := s.ackAll(replies); err != nil {
		return n, size, err
	}
	return n, size, s.awaitLate(p, gone)
}
