package chat

import (
	"context"
	"sync"

	"ratchat/session"
	"ratchat/store"
)

// maxSendBatch bounds the messages one transaction of the send pipe
// commits.
const maxSendBatch = 64

// sendPipe commits sealed 1:1 messages in batches, in the order they were
// sealed, so that sealing the next message overlaps committing the last
// and many sends share one transaction.
//
// # Why this is safe
//
// A message's session state must be on disk before its envelope can
// leave (the outbox item is in the same transaction), and no state may
// ever be stored over a newer one: that would reuse a message key. Two
// rules keep that true while commits trail the seals:
//
//   - Sealing takes m.mu and queues its commit before releasing it, so
//     the queue is in seal order, and the pipe commits it in that order
//     (a batch is one transaction; a failed batch is retried one message
//     at a time, in order).
//   - While a contact has a commit queued, the pipe holds that contact's
//     newest sealed session in memory, and the next send seals on it, not
//     on the older state in the store. Everything else that touches
//     sessions takes m.mu through [Messenger.lockSessions], which waits
//     until the pipe is empty, so it reads the store only when the store
//     is current.
//
// A message whose commit fails returns its error to its sender. Its
// envelope never left, so the key it used is not exposed; a later
// message of the same contact may be stored with a state beyond it,
// which only skips that key.
type sendPipe struct {
	mu       sync.Mutex
	idle     *sync.Cond
	queue    []*pendingSend
	latest   map[store.ContactID]*pendingState // contacts with commits queued or running
	pending  int                               // sealed, not yet committed or failed
	running  bool                              // a commit loop is running
	commitFn func(context.Context, []store.Sent) ([]int64, error)
	oneFn    func(context.Context, store.Sent) (int64, error)
}

// pendingSend is one sealed message waiting for its commit.
type pendingSend struct {
	ctx  context.Context
	sent store.Sent
	seq  int64
	err  error
	done chan struct{}
}

// pendingState is a contact's newest sealed session while commits of it
// are queued.
type pendingState struct {
	session *session.Session
	queued  int
}

// newSendPipe returns a pipe that commits through st.
func newSendPipe(st *store.Store) *sendPipe {
	p := &sendPipe{latest: map[store.ContactID]*pendingState{},
		commitFn: st.CommitSentAll,
		oneFn: func(ctx context.Context, s store.Sent) (int64, error) {
			seq, _, err := st.CommitSent(ctx, s)
			return seq, err
		}}
	p.idle = sync.NewCond(&p.mu)
	return p
}

// session returns the newest sealed session of contact id while it has
// commits queued, or nil: then the store's is the newest. The caller
// holds m.mu.
func (p *sendPipe) session(id store.ContactID) *session.Session {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.latest[id]; st != nil {
		return st.session
	}
	return nil
}

// add queues a sealed message, with the session it leaves behind (which
// the pipe keeps and the caller must not change after m.mu is released),
// and returns what to wait on. The caller holds m.mu.
func (p *sendPipe) add(ctx context.Context, sent store.Sent, s *session.Session) *pendingSend {
	ps := &pendingSend{ctx: context.WithoutCancel(ctx), sent: sent, done: make(chan struct{})}
	p.mu.Lock()
	id := sent.Message.Conversation
	st := p.latest[id]
	if st == nil {
		st = &pendingState{}
		p.latest[id] = st
	}
	st.session = s
	st.queued++
	p.pending++
	p.queue = append(p.queue, ps)
	start := !p.running
	p.running = true
	p.mu.Unlock()
	if start {
		go p.run()
	}
	return ps
}

// wait returns the message's sequence number once it is committed, or
// why it was not.
func (ps *pendingSend) wait() (int64, error) {
	<-ps.done
	return ps.seq, ps.err
}

// run commits batches until the queue is empty.
func (p *sendPipe) run() {
	for {
		p.mu.Lock()
		n := min(len(p.queue), maxSendBatch)
		if n == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		batch := p.queue[:n:n]
		p.queue = p.queue[n:]
		p.mu.Unlock()
		p.commit(batch)
		p.finish(batch)
	}
}

// commit stores a batch in one transaction, or, if that fails, each of
// its messages alone, so that one bad message fails only itself.
func (p *sendPipe) commit(batch []*pendingSend) {
	sents := make([]store.Sent, len(batch))
	for i, ps := range batch {
		sents[i] = ps.sent
	}
	seqs, err := p.commitFn(batch[0].ctx, sents)
	if err == nil {
		for i, ps := range batch {
			ps.seq = seqs[i]
		}
		return
	}
	if len(batch) == 1 {
		batch[0].err = err
		return
	}
	for _, ps := range batch {
		ps.seq, ps.err = p.oneFn(ps.ctx, ps.sent)
	}
}

// finish forgets a committed batch's states and answers its senders.
func (p *sendPipe) finish(batch []*pendingSend) {
	p.mu.Lock()
	for _, ps := range batch {
		id := ps.sent.Message.Conversation
		if st := p.latest[id]; st != nil {
			if st.queued--; st.queued == 0 {
				delete(p.latest, id)
			}
		}
		p.pending--
	}
	if p.pending == 0 {
		p.idle.Broadcast()
	}
	p.mu.Unlock()
	for _, ps := range batch {
		close(ps.done)
	}
}

// drain waits until every queued message is committed or failed. The
// caller holds m.mu, so no new ones are queued meanwhile.
func (p *sendPipe) drain() {
	p.mu.Lock()
	for p.pending > 0 {
		p.idle.Wait()
	}
	p.mu.Unlock()
}

// lockSessions takes m.mu for anything that reads or writes ratchet
// sessions other than a 1:1 send, once the send pipe's commits are done:
// from then on the store holds every session's newest state.
func (m *Messenger) lockSessions() {
	m.mu.Lock()
	if m.pipe != nil { // nil in CreateProfile's messenger, which sends nothing
		m.pipe.drain()
	}
}
