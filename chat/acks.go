package chat

import (
	"context"
	"sync"
	"time"

	"ratchat/transport"
)

// ackDelay is how long an acknowledgement waits for others to go with
// it: one fsync here and one commit at the home for a burst, instead of
// one each. The home keeps the envelopes meanwhile (it pushes at most its
// PushWindow unacknowledged), and redelivers them only over a new
// connection.
const ackDelay = 50 * time.Millisecond

// ackFlushTimeout bounds the last acknowledgement of a connection that is
// ending, so that closing a messenger never hangs on a dead home.
const ackFlushTimeout = 2 * time.Second

// acker acknowledges envelopes to the home off the delivery path. Why:
// an envelope may be acknowledged only once what it changed is on our
// disk, because the home then deletes it; our commits are not fsynced
// (store's durable.go says why), so an acknowledgement costs an fsync
// here and a commit, with its fsync, at the home. Waiting for both before
// taking the next envelope held every message behind the previous one's
// acknowledgement. The acker instead takes what was processed meanwhile,
// fsyncs once ([store.Store.Sync]) and acknowledges it all in one Ack,
// at most every ackDelay: so the fsyncs, ours and the home's, leave the
// path of the next message (they share one disk with the home's commit of
// that message's deposit).
//
// What is not yet acknowledged when the connection ends is delivered
// again over the next one; a redelivered envelope changes nothing (the
// session knows the message: a duplicate, acknowledged and dropped).
type acker struct {
	m    *Messenger
	conn *transport.Conn
	mu   sync.Mutex
	ids  []uint64
	wake chan struct{}
	done chan struct{}
}

// startAcker starts the acknowledgements of conn; stop ends them.
func (m *Messenger) startAcker(ctx context.Context, conn *transport.Conn) *acker {
	a := &acker{m: m, conn: conn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go a.loop(ctx)
	return a
}

// add queues the acknowledgement of envelope id, whose effects are
// committed (or which is undeliverable).
func (a *acker) add(id uint64) {
	a.mu.Lock()
	a.ids = append(a.ids, id)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// take returns the queued ids and empties the queue.
func (a *acker) take() []uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := a.ids
	a.ids = nil
	return ids
}

// loop acknowledges what add queued until ctx ends, then makes one last
// attempt for what is left while the connection still stands.
func (a *acker) loop(ctx context.Context) {
	defer close(a.done)
	for {
		select {
		case <-a.wake:
			if !sleep(ctx, ackDelay) {
				continue // ctx ended: the last flush below
			}
			if err := a.flush(ctx); err != nil {
				if ctx.Err() == nil {
					a.m.log.Info("acknowledging", "err", err)
					a.conn.Close() // the home loop reconnects; the home redelivers
				}
				return
			}
		case <-ctx.Done():
			if a.conn.Err() == nil {
				fctx, cancel := context.WithTimeout(context.Background(), ackFlushTimeout)
				a.flush(fctx)
				cancel()
			}
			return
		}
	}
}

// flush makes the committed effects of the queued envelopes durable, then
// acknowledges them. Nothing is acknowledged if the fsync failed.
func (a *acker) flush(ctx context.Context) error {
	ids := a.take()
	if len(ids) == 0 {
		return nil
	}
	if err := a.m.st.Sync(); err != nil {
		return err
	}
	return a.conn.Ack(ctx, ids...)
}

// stop ends the acknowledgements, after a last flush, and waits for them.
func (a *acker) stop(cancel context.CancelFunc) {
	cancel()
	<-a.done
}
