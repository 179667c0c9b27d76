package chat

import (
	"context"
	"fmt"

	"ratchat/session"
	"ratchat/store"
)

// resetLoop starts fresh sessions with the contacts whose sessions were
// marked for reset (after a restore: ratchet state is never restored, since
// reusing it would reuse message keys). Each contact gets a new PQXDH
// session and a reset message; contacts whose homes cannot be reached are
// tried again with backoff.
func (m *Messenger) resetLoop(ctx context.Context) {
	delay := m.cfg.RetryMin
	for ctx.Err() == nil {
		pending, err := m.st.SessionResets(ctx)
		if err != nil {
			m.log.Warn("listing session resets", "err", err)
		}
		failed := 0
		for _, id := range pending {
			if err := m.resetSession(ctx, id); err != nil {
				failed++
				m.log.Info("session reset failed", "err", err)
			}
		}
		if failed == 0 && err == nil {
			return
		}
		if !sleep(ctx, delay) {
			return
		}
		delay = min(2*delay, m.cfg.RetryMax)
	}
}

// resetSession starts a new session with one contact and tells it so.
func (m *Messenger) resetSession(ctx context.Context, id store.ContactID) error {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	conn, err := m.pool.get(ctx, c.Address)
	if err != nil {
		return err
	}
	reply, err := conn.FetchBundle(ctx, c.Identity)
	if err != nil {
		m.pool.drop(c.Address, conn)
		return err
	}
	s, err := session.Initiate(m.rand, m.local, &reply.Bundle)
	m.counters.initiated(err)
	if err != nil {
		return fmt.Errorf("chat: reset: %w", err)
	}
	content := &Content{Kind: KindReset}
	if err := m.stamp(content); err != nil {
		return err
	}
	m.lockSessions()
	err = m.sendControlWith(ctx, c, s, content)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	m.wakeOutbox()
	return m.sessionReset(ctx, id)
}
