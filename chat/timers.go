package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"ratchat/store"
)

// timerSetting names the setting that holds a conversation's
// disappearing-message timer, in seconds.
func timerSetting(id store.ContactID) string { return fmt.Sprintf("timer:%d", id) }

// Timer returns the conversation's disappearing-message timer (0: off).
func (m *Messenger) Timer(ctx context.Context, id store.ContactID) (time.Duration, error) {
	v, err := m.st.Setting(ctx, timerSetting(id))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("chat: timer setting: %w", err)
	}
	return time.Duration(s) * time.Second, nil
}

func (m *Messenger) setTimer(ctx context.Context, id store.ContactID, d time.Duration) error {
	return m.st.SetSetting(ctx, timerSetting(id), strconv.FormatInt(int64(d/time.Second), 10))
}

// SetTimer sets the conversation's disappearing-message timer, on both
// sides: the contact receives the new value and applies it too. Messages
// written from now on disappear that long after they were sent or
// received; 0 turns the timer off.
func (m *Messenger) SetTimer(ctx context.Context, id store.ContactID, d time.Duration) error {
	d = d.Truncate(time.Second)
	if d < 0 {
		return fmt.Errorf("chat: negative timer")
	}
	if g, err := m.groupOf(ctx, id); err != nil {
		return err
	} else if g != nil {
		// Every member applies it (groupreceive.go), as a contact does.
		if err := m.sendToGroup(ctx, g, &Content{Kind: KindTimer, Timer: d}); err != nil {
			return err
		}
		return m.timerSet(ctx, id, d)
	}
	m.lockSessions()
	defer m.mu.Unlock()
	c, s, err := m.sendable(ctx, id)
	if err != nil {
		return err
	}
	content := &Content{Kind: KindTimer, Timer: d}
	if err := m.stamp(content); err != nil {
		return err
	}
	if err := m.sendControlWith(ctx, c, s, content); err != nil {
		return err
	}
	m.wakeOutbox()
	return m.timerSet(ctx, id, d)
}

// timerSet applies a conversation's new timer: stored, reported, and a
// line in the chat.
func (m *Messenger) timerSet(ctx context.Context, id store.ContactID, d time.Duration) error {
	if err := m.setTimer(ctx, id, d); err != nil {
		return err
	}
	m.events.emit(TimerChanged{Contact: id, Timer: d})
	return m.systemLine(ctx, id, store.KindTimer, d)
}

// expiry sets msg.Expires from the conversation's timer.
func (m *Messenger) expiry(ctx context.Context, id store.ContactID, msg *store.Message) error {
	d, err := m.Timer(ctx, id)
	if err != nil || d == 0 {
		return err
	}
	msg.Expires = m.now().Add(d)
	return nil
}

// expiryStored wakes the timer loop after a message with an expiry was
// committed, so that it can expire sooner than it planned.
func (m *Messenger) expiryStored(msg *store.Message) {
	if msg.Expires.IsZero() {
		return
	}
	select {
	case m.timerWake <- struct{}{}:
	default:
	}
}

// timerLoop deletes expired messages when their time comes.
func (m *Messenger) timerLoop(ctx context.Context) {
	for {
		n, err := m.st.ExpireDue(ctx)
		if err != nil && ctx.Err() == nil {
			m.log.Warn("expiring messages", "err", err)
		}
		if n > 0 {
			m.events.emit(MessagesExpired{Count: n})
		}
		wait := time.Minute
		if at, ok, err := m.st.NextExpiry(ctx); err == nil && ok {
			wait = min(wait, max(at.Sub(m.now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-m.timerWake: // a message with an expiry was stored
		case <-ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}
