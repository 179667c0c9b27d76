package cli

import (
	"context"
	"errors"
	"time"

	"ratchat/api"
	"ratchat/chat"
)

// openCore opens the profile and starts its messenger.
func (c *cli) openCore() (*chat.Messenger, error) {
	p, err := c.profile()
	if err != nil {
		return nil, err
	}
	return c.openProfile(p)
}

// openProfile opens p with the passphrase and starts its messenger.
func (c *cli) openProfile(p chat.Profile) (*chat.Messenger, error) {
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

// waitReady waits until the profile's prekeys are at its home (its relay),
// so that whoever is given its invite right after can add it. When the home
// cannot be reached in time it says so and goes on: the messenger uploads
// them the next time it runs.
func (c *cli) waitReady(m *chat.Messenger) {
	ctx, cancel := context.WithTimeout(context.Background(), api.ReadyWait)
	defer cancel()
	c.noteNotReady(m.Ready(ctx) == nil)
}

// noteNotReady says, when the profile's prekeys are not at its home yet,
// that its invite works only once they are.
func (c *cli) noteNotReady(ready bool) {
	if !ready {
		c.note("Your home has not answered yet; your invite works once ratchat has reached it.")
	}
}

// settleWait bounds how long a command that opened the profile itself
// waits for what waited at its home before it goes on without it.
const settleWait = 5 * time.Second

// waitSettled waits until what waited at the profile's home while it was
// closed (messages, contacts' names) has been received, so that the
// command sees it. When the home does not answer in time it says so and
// goes on with what the profile holds.
func (c *cli) waitSettled(m *chat.Messenger) {
	ctx, cancel := context.WithTimeout(context.Background(), settleWait)
	defer cancel()
	if m.Settled(ctx) != nil {
		c.note("Your home did not answer in time; what waits there is not shown yet.")
	}
}

// caller answers the api's methods: an [*api.Client] of the process that
// owns the profile, or an [*api.Server] on the profile this command opened.
type caller interface {
	Call(ctx context.Context, method string, params, result any) error
}

// withAPI runs fn with the profile's api: over the socket when a process
// (the interface, `ratchat serve`) owns the profile, else on the profile
// opened here, through the same method handlers, so that a command prints
// the same either way. The socket needs no passphrase: it is the owner's
// alone (0600 in a 0700 folder), and its process has the profile open,
// receiving all along; a profile opened here first receives what waited
// at its home while it was closed (see [cli.waitSettled]).
func (c *cli) withAPI(fn func(rpc caller) error) error {
	p, err := c.profile()
	if err != nil {
		return err
	}
	cl, err := api.Dial(p.Dir)
	switch {
	case err == nil:
		defer cl.Close()
		return fn(cl)
	case !errors.Is(err, api.ErrNotRunning):
		return err
	}
	return c.withCore(func(m *chat.Messenger) error {
		c.waitSettled(m)
		srv := api.NewServer(m, api.Config{}) // listens nowhere: called in-process only
		defer srv.Close()
		return fn(srv)
	})
}
