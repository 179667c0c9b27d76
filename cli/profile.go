package cli

import (
	"context"
	"time"

	"ratchat/chat"
)

// flushWait bounds how long a command waits for what it queued to leave.
const flushWait = 15 * time.Second

// openCore opens the profile and starts its messenger.
func (c *cli) openCore() (*chat.Messenger, error) {
	p, err := c.profile()
	if err != nil {
		return nil, err
	}
	pass, err := c.passphrase()
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	return chat.Open(context.Background(), p, pass)
}

// withCore runs fn on the open profile and closes it.
func (c *cli) withCore(fn func(m *chat.Messenger) error) error {
	m, err := c.openCore()
	if err != nil {
		return err
	}
	err = fn(m)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return err
}
