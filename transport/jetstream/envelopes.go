package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// DepositTokenAsync implements [mailbox.Backend]: the deposit goes to the
// holder of the mailbox's partition (this front end's writer, or another
// over NATS), which checks it against the quotas and stores it; done
// gets the stream sequence as the envelope's id. A lifetime becomes the
// envelope's Nats-TTL (see ttl.go).
func (s *Store) DepositTokenAsync(owner keys.PublicKey, token mailbox.TokenHash, body []byte, now time.Time, lifetime time.Duration, done func(mailbox.DepositResult)) {
	if s.isClosed() {
		done(mailbox.DepositResult{Err: mailbox.ErrClosed})
		return
	}
	n := partition(owner, s.cfg.Partitions)
	req := &request{op: opDeposit, owner: owner, token: token, dedup: newDepositID(owner, body), now: now,
		life: max(lifetime, 0), body: body}
	if s.readyPart(n) != nil {
		d := &deposit{owner: owner, token: token, dedup: req.dedup, body: body, now: now.UnixMilli(),
			ttl: ttlSeconds(lifetime), p: n}
		d.done = func(r mailbox.DepositResult) {
			if errors.Is(r.Err, errNotHolder) || errors.Is(r.Err, errRetry) { // ask again
				go func() { done(depositResult(s.call(n, req))) }()
				return
			}
			done(r)
		}
		s.w.enqueue(d)
		return
	}
	go func() { done(depositResult(s.call(n, req))) }()
}

func depositResult(r reply, err error) mailbox.DepositResult {
	if err == nil {
		err = r.err
	}
	if err != nil {
		return mailbox.DepositResult{Err: err}
	}
	return mailbox.DepositResult{ID: r.a}
}

// call runs a request at the holder of partition n (here, or over NATS),
// waiting for one while the partition has none, up to the request
// timeout. Why wait rather than fail: a partition moves within a lease
// TTL when its holder dies, and the deposit should survive that.
func (s *Store) call(n int, req *request) (reply, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	data := req.marshal()
	backoff := 20 * time.Millisecond
	for {
		changed := s.lease.changes()
		var r reply
		var err error
		if p := s.readyPart(n); p != nil {
			// Here: never over NATS, which does not echo to this
			// front end's own subscriptions.
			r = s.handleHere(p, req)
		} else if s.holdsPart(n) {
			err = nats.ErrNoResponders // starting: wait for it
		} else {
			r, err = s.ask(ctx, n, data)
		}
		switch {
		case err == nil && !errors.Is(r.err, errNotHolder) && !errors.Is(r.err, errRetry):
			return r, nil
		case err != nil && !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, context.DeadlineExceeded):
			if s.isClosed() {
				return reply{}, mailbox.ErrClosed
			}
			return reply{}, fmt.Errorf("%w: %w", ErrNoHolder, err)
		}
		// Nobody serves the partition now: wait for the leases to change
		// (or a little while, in case a change was not seen).
		t := time.NewTimer(backoff)
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			if s.isClosed() {
				return reply{}, mailbox.ErrClosed
			}
			return reply{}, fmt.Errorf("%w: %w", ErrNoHolder, ctx.Err())
		}
		t.Stop()
		backoff = min(2*backoff, time.Second)
	}
}

// ask sends a request to partition n's holder over NATS. Why each try
// has its own timeout, of two lease TTLs: a holder that died with the
// request unanswered is replaced within about one, and asking again is
// safe (a deposit is deduplicated by its Nats-Msg-Id; the other requests
// are idempotent).
func (s *Store) ask(ctx context.Context, n int, data []byte) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*s.cfg.LeaseTTL)
	defer cancel()
	m, err := s.nc.RequestWithContext(ctx, rpcPrefix+strconv.Itoa(n), data)
	if err != nil {
		return reply{}, err
	}
	return parseReply(m.Data)
}

// handleHere runs a request at this front end, the partition's holder.
func (s *Store) handleHere(p *part, req *request) reply {
	if req.op != opDeposit {
		return s.handle(p, req)
	}
	out := make(chan mailbox.DepositResult, 1)
	s.w.enqueue(&deposit{owner: req.owner, token: req.token, dedup: req.dedup, body: req.body, now: req.now.UnixMilli(),
		ttl: ttlSeconds(req.life), p: p.n, done: func(r mailbox.DepositResult) { out <- r }})
	r := <-out
	return reply{err: r.Err, a: r.ID}
}

// holdsPart reports whether this front end holds partition n, served or
// not yet.
func (s *Store) holdsPart(n int) bool {
	s.lease.mu.Lock()
	defer s.lease.mu.Unlock()
	return s.lease.held[n] != nil
}

// Ack implements [mailbox.Backend]: the partition's holder acknowledges
// the envelopes to its consumer, which deletes them from the work-queue
// stream.
func (s *Store) Ack(owner keys.PublicKey, ids []uint64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	total := 0
	for len(ids) > 0 { // requests of at most maxIDs ids
		part := ids[:min(len(ids), maxIDs)]
		ids = ids[len(part):]
		r, err := s.call(partition(owner, s.cfg.Partitions), &request{op: opAck, owner: owner, ids: part})
		if err == nil {
			err = r.err
		}
		if err != nil {
			return total, err
		}
		total += int(r.a)
	}
	return total, nil
}

// Usage implements [mailbox.Backend], from the holder's index.
func (s *Store) Usage(ctx context.Context, owner keys.PublicKey) (int, int64, error) {
	r, err := s.call(partition(owner, s.cfg.Partitions), &request{op: opUsage, owner: owner})
	if err == nil {
		err = r.err
	}
	if err != nil {
		return 0, 0, err
	}
	return int(r.a), int64(r.b), nil
}

// AddTokens implements [mailbox.Backend], at the partition's holder.
func (s *Store) AddTokens(owner keys.PublicKey, tokens []mailbox.Token) error {
	return s.tokens(opAddTokens, owner, tokens)
}

// RevokeTokens implements [mailbox.Backend], at the partition's holder.
func (s *Store) RevokeTokens(owner keys.PublicKey, hashes []mailbox.TokenHash) error {
	tokens := make([]mailbox.Token, len(hashes))
	for i, h := range hashes {
		tokens[i].Hash = h
	}
	return s.tokens(opRevokeTokens, owner, tokens)
}

func (s *Store) tokens(op uint8, owner keys.PublicKey, tokens []mailbox.Token) error {
	for _, t := range tokens {
		if op == opAddTokens && t.Kind != mailbox.TokenRequest && t.Kind != mailbox.TokenContact {
			return fmt.Errorf("jetstream: token kind %d", t.Kind)
		}
	}
	if len(tokens) > maxIDs {
		return fmt.Errorf("%w: more than %d tokens", mailbox.ErrQuota, maxIDs)
	}
	r, err := s.call(partition(owner, s.cfg.Partitions), &request{op: op, owner: owner, tokens: tokens})
	if err == nil {
		err = r.err
	}
	return err
}

// Expire implements [mailbox.Backend] for the partitions held here: each
// front end's home runs it, so together they cover all; the stream's
// MaxAge deletes what is past the retention in any case.
func (s *Store) Expire(cutoff time.Time) (int, int64, error) {
	n, size := 0, int64(0)
	for _, p := range s.heldParts() {
		m, sz, err := s.expireLocal(p, cutoff.UnixMilli(), nil)
		n, size = n+m, size+sz
		if err != nil {
			return n, size, err
		}
	}
	return n, size, nil
}

// heldParts lists the partitions served here.
func (s *Store) heldParts() []*part {
	s.lease.mu.Lock()
	defer s.lease.mu.Unlock()
	var out []*part
	for _, p := range s.lease.held {
		if p.isReady() {
			out = append(out, p)
		}
	}
	return out
}

// directGet is a direct get request ($JS.API.DIRECT.GET).
type directGet struct {
	Seq uint64 `json:"seq"`
}

// Pending implements [mailbox.Backend]: the holder's index says which
// segments hold owner's envelopes, and this front end reads those
// segments from the stream (a direct get each, which any replica
// answers). It skips those past their lifetime.
func (s *Store) Pending(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]mailbox.Envelope, error) {
	if s.isClosed() {
		return nil, mailbox.ErrClosed
	}
	if limit <= 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	// Why tries: a stream just made, or just moved, has no direct-get
	// responder on every node for a moment (status 503); asking again
	// shortly is answered.
	for try := 1; ; try++ {
		out, err := s.pendingOnce(ctx, owner, after, notBefore, limit)
		if !errors.Is(err, mailbox.ErrUnavailable) || try == pendingTries {
			return out, err
		}
		t := time.NewTimer(time.Duration(try) * 100 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, err
		}
	}
}

// pendingTries bounds Pending's tries when no node answers.
const pendingTries = 4

// pendingOnce is one try of Pending: where the envelopes are, from the
// holder, then their segments.
func (s *Store) pendingOnce(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]mailbox.Envelope, error) {
	r, err := s.call(partition(owner, s.cfg.Partitions), &request{op: opPending, owner: owner, after: after,
		now: notBefore, limit: uint32(min(limit, maxIDs))})
	if err == nil {
		err = r.err
	}
	if err != nil || len(r.locs) == 0 {
		return nil, err
	}
	var seqs []uint64
	for _, l := range r.locs {
		if seq, _ := segmentOf(l.id); len(seqs) == 0 || seqs[len(seqs)-1] != seq {
			seqs = append(seqs, seq)
		}
	}
	data, err := s.readSegments(ctx, seqs)
	if err != nil {
		return nil, err
	}
	out := make([]mailbox.Envelope, 0, len(r.locs))
	for _, l := range r.locs {
		seq, _ := segmentOf(l.id)
		d, ok := data[seq]
		if !ok {
			continue // acknowledged and deleted meanwhile
		}
		end := uint64(l.offset) + uint64(l.length)
		if end > uint64(len(d)) {
			return nil, fmt.Errorf("%w: envelope %d beyond its segment's data", ErrRecord, l.id)
		}
		out = append(out, mailbox.Envelope{ID: l.id, Received: msTime(l.received), Body: d[l.offset:end:end]})
	}
	return out, nil
}

// readSegments reads segments by stream sequence, all asked at once: the
// data of each still stored.
func (s *Store) readSegments(ctx context.Context, seqs []uint64) (map[uint64][]byte, error) {
	type wait struct {
		seq     uint64
		answers <-chan *nats.Msg
		done    func()
	}
	waits := make([]wait, len(seqs))
	defer func() {
		for _, w := range waits {
			if w.done != nil {
				w.done()
			}
		}
	}()
	for i, seq := range seqs {
		inbox, answers, done := s.replies.open(1)
		waits[i] = wait{seq, answers, done}
		req, _ := json.Marshal(directGet{Seq: seq})
		if err := s.nc.PublishRequest("$JS.API.DIRECT.GET."+streamName, inbox, req); err != nil {
			return nil, fmt.Errorf("jetstream: reading envelopes: %w", err)
		}
	}
	out := make(map[uint64][]byte, len(seqs))
	for _, w := range waits {
		var m *nats.Msg
		select {
		case m = <-w.answers:
		case <-ctx.Done():
			return nil, fmt.Errorf("jetstream: reading envelopes: %w", ctx.Err())
		}
		switch m.Header.Get("Status") {
		case "":
			out[w.seq] = m.Data
		case "404": // deleted: its envelopes were acknowledged
		case "503": // no responders
			return nil, fmt.Errorf("jetstream: reading envelopes: %w", mailbox.ErrUnavailable)
		default:
			return nil, fmt.Errorf("jetstream: reading envelopes: status %s %s", m.Header.Get("Status"),
				m.Header.Get("Description"))
		}
	}
	return out, nil
}
