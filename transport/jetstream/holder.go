package jetstream

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"

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
	if b := p.box(owner); b.loaded() {
		return b, nil
	}
	p.mu.Unlock()
	ctx, cancel := s.opCtx()
	defer cancel()
	_, v, err := s.lineRecord(ctx, recTokens, owner)
	if errors.Is(err, mailbox.ErrUnknownMailbox) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: reading mailbox: %w", err)
	}
	tokens := map[mailbox.TokenHash]mailbox.TokenKind{}
	if v != nil {
		if tokens, err = parseTokens(v); err != nil {
			return nil, err
		}
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
	case opPending:
		s.pruneExpired(p)
		return reply{locs: p.locate(r.owner, r.after, r.now.UnixMilli(), int(r.limit))}
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

// locate lists where owner's envelopes with ids above after, received at
// or after notBefore (ms), are: at most limit, in id order.
func (p *part) locate(owner keys.PublicKey, after uint64, notBefore int64, limit int) []location {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.boxes[owner]
	if b == nil {
		return nil
	}
	var out []location
	i, _ := slices.BinarySearch(b.ids, after+1)
	for ; i < len(b.ids) && len(out) < limit; i++ {
		e := p.byID[b.ids[i]]
		if e == nil || e.received < notBefore {
			continue
		}
		out = append(out, location{id: b.ids[i], received: e.received, offset: uint32(e.offset), length: uint32(e.size)})
	}
	return out
}

// ackLocal deletes owner's envelopes with these ids, and says how many
// there were: it records them as acknowledged in an ack record (stored
// before it returns, so that a later holder does not push them again),
// takes them out of the index, and acknowledges to the consumer the
// segments left with nothing, which deletes them.
func (s *Store) ackLocal(p *part, owner keys.PublicKey, ids []uint64) (int, error) {
	var acked []uint64
	p.mu.Lock()
	for _, id := range ids {
		if e := p.byID[id]; e != nil && e.owner == owner {
			acked = append(acked, id)
		}
	}
	p.mu.Unlock()
	if len(acked) == 0 {
		return 0, nil
	}
	if err := s.forget(p, acked); err != nil {
		return 0, err
	}
	return len(acked), nil
}

// forget records ids as acknowledged, then takes them out of partition
// p's index and deletes the segments they leave empty.
func (s *Store) forget(p *part, ids []uint64) error {
	acks := make([]ackedEnvelope, 0, len(ids))
	p.mu.Lock()
	for _, id := range ids {
		if e := p.byID[id]; e != nil {
			acks = append(acks, ackedEnvelope{id, e.dedup})
		}
	}
	p.mu.Unlock()
	for rest := acks; len(rest) > 0; {
		chunk := rest[:min(len(rest), maxAckRecord)]
		rest = rest[len(chunk):]
		if err := s.w.recordAcks(p.n, chunk); err != nil {
			return err
		}
	}
	var replies []string
	p.mu.Lock()
	for _, id := range ids {
		if e := p.byID[id]; e != nil {
			replies = p.removeEntry(id, e, replies)
		}
	}
	p.mu.Unlock()
	go s.ackConsumed(p, replies)
	return nil
}

// ackConsumed acknowledges segments and ack records with nothing left to
// the consumer, which deletes them. A failure leaves them stored, and
// the ack records say what of them is gone: the partition's next holder
// acknowledges them.
func (s *Store) ackConsumed(p *part, replies []string) {
	if err := s.ackAll(replies); err != nil {
		s.log.Warn("deleting consumed segments", "partition", p.n, "err", err)
	}
}

// ackAll acknowledges delivered messages, which deletes them from the
// work-queue stream, and waits for the server to confirm each (a double
// ack). They go out together and are confirmed together: one round trip
// for a batch.
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
	if err := s.storeTokens(ctx, r.owner, marshalTokens(m)); err != nil {
		return err
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
	var ids []uint64
	p.mu.Lock()
	if owner != nil {
		if b := p.boxes[*owner]; b != nil {
			ids = slices.Clone(b.ids)
		}
	} else {
		for id, e := range p.byID {
			if e.received < cutoff {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range ids {
		size += p.byID[id].size
	}
	p.mu.Unlock()
	n += len(ids)
	if len(ids) > 0 {
		if err := s.forget(p, ids); err != nil {
			return n, size, err
		}
	}
	if owner != nil {
		p.mu.Lock()
		delete(p.boxes, *owner)
		p.mu.Unlock()
	}
	return n, size, nil
}

// storeTokens stores v as owner's token record. Why read the line here
// and not keep its record's sequence in the box: a holder before this one
// (its lease lost a moment ago) may have written since; the last write
// counts, as it would with a key of its own.
func (s *Store) storeTokens(ctx context.Context, owner keys.PublicKey, v []byte) error {
	err := s.setRecord(ctx, recTokens, owner, anyRecord, v)
	if err != nil && !errors.Is(err, mailbox.ErrUnknownMailbox) {
		return fmt.Errorf("jetstream: storing tokens: %w", err)
	}
	return err
}
