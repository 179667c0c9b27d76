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

// readyWait bounds how long init, invite and add wait for the profile's
// prekeys to reach its home.
const readyWait = 15 * time.Second

// waitReady waits until the profile's prekeys are at its home (its relay),
// so that whoever is given its invite right after can add it. When the home
// cannot be reached in time it says so and goes on: the messenger uploads
// them the next time it runs.
func (c *cli) waitReady(m *chat.Messenger) {
	ctx, cancel := context.WithTimeout(context.Background(), readyWait)
	defer cancel()
	if err := m.Ready(ctx); err != nil {
		c.note("Your home at %s did not answer; your invite works once ratchat has reached it.", m.Home())
	}
}
