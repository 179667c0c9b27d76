package chat

import (
	"context"
	"fmt"
	"sync"
)

// settling says whether the backlog at our home has been handled: the
// envelopes that waited there when the messenger first fetched its
// mailbox. Its zero value is ready to use.
type settling struct {
	mu   sync.Mutex
	ch   chan struct{} // closed once settled; made on first use
	done bool
}

// wait returns a channel closed once the backlog has been handled.
func (s *settling) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
		if s.done {
			close(s.ch)
		}
	}
	return s.ch
}

// settle records that the backlog has been handled (once; later calls,
// from later connections, change nothing).
func (s *settling) settle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	if s.ch != nil {
		close(s.ch)
	}
}

// Settled waits until the messenger has handled everything that waited
// at its home (its relay, or its own peer-mode home) when it connected:
// every such envelope received and stored, or dropped as undeliverable.
// A command that opens the profile, reads and closes it calls this first,
// so that it sees the messages and contact names that arrived while the
// profile was closed. It fails with ctx's error when that takes too long:
// the home cannot be reached, or it is a home too old to say when its
// backlog is over ([transport.CaughtUp]); the messenger goes on receiving
// either way. Once settled, it returns at once.
func (m *Messenger) Settled(ctx context.Context) error {
	select {
	case <-m.settling.wait():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chat: the home at %s has not handed over what waited there: %w", m.home, ctx.Err())
	}
}
