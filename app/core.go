package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"ratchat/chat"
	"ratchat/keys"
	"ratchat/store"
	"ratchat/ui"
)

// eventBuffer is how many translated events wait for the interface before
// the forwarder waits too (the core's own queue never blocks).
const eventBuffer = 256

// netTimeout bounds a call that reaches another home (adding a contact).
const netTimeout = 30 * time.Second

// Settings in which the adapter remembers how the profile ran, so that its
// home keeps its address from one start to the next: invites given out
// earlier stay valid.
const (
	settingListen    = "app.listen"
	settingAdvertise = "app.advertise"
	settingRelay     = "app.relay"
)

// Core is one open profile: the store and its running messenger, presented
// to the interface as a [ui.Core] and to the command line directly. Its
// methods are safe for concurrent use.
type Core struct {
	opts Options
	pass []byte // to reopen the profile after a restore

	// mu guards st and m, which RestoreBackup replaces.
	mu sync.RWMutex
	st *store.Store
	m  *chat.Messenger

	events chan any
	done   chan struct{}
	emitMu sync.RWMutex // held to send on events; Close takes it to close them
	fwd    sync.WaitGroup
	closed sync.Once

	state  viewState
	metaMu sync.Mutex // serializes updates of the chats' metadata
}

var _ ui.Core = (*Core)(nil)

// start runs the messenger of an open store.
func start(st *store.Store, passphrase []byte, opts Options) (*Core, error) {
	c := &Core{opts: opts, pass: append([]byte(nil), passphrase...), st: st,
		events: make(chan any, eventBuffer), done: make(chan struct{})}
	c.state.reset()
	if err := c.startMessenger(); err != nil {
		st.Close()
		return nil, err
	}
	return c, nil
}

// startMessenger starts chat on c.st and forwards its events. The caller
// holds c.mu for writing, or is the only user of c.
func (c *Core) startMessenger() error {
	ctx := context.Background()
	cfg := c.netConfig(ctx)
	cfg.Store, cfg.Logger = c.st, c.opts.Logger
	m, err := chat.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("app: starting the messenger: %w", err)
	}
	c.m = m
	c.remember(ctx, cfg)
	if name, err := c.st.DisplayName(ctx); err == nil {
		c.state.setProfile(name, m.Home())
	}
	c.fwd.Add(1)
	go c.forward(m)
	return nil
}

// netConfig chooses the home: the options given, else what the profile
// used last, else chat's defaults.
func (c *Core) netConfig(ctx context.Context) chat.Config {
	cfg := chat.Config{Listen: c.opts.Listen, Advertise: c.opts.Advertise, Relay: c.opts.Relay}
	if cfg.Relay == "" && cfg.Listen == "" {
		cfg.Relay = c.setting(ctx, settingRelay)
		if cfg.Relay == "" {
			cfg.Listen = c.setting(ctx, settingListen)
		}
	}
	if cfg.Relay == "" && cfg.Advertise == "" {
		cfg.Advertise = c.setting(ctx, settingAdvertise)
	}
	return cfg
}

// remember stores the home the profile runs with, for the next start.
func (c *Core) remember(ctx context.Context, cfg chat.Config) {
	if cfg.Relay != "" {
		c.st.SetSetting(ctx, settingRelay, cfg.Relay)
		return
	}
	c.st.DeleteSetting(ctx, settingRelay)
	listen := cfg.Listen
	if _, port, err := net.SplitHostPort(listen); listen == "" || err == nil && port == "0" {
		listen = ""
		if cfg.Advertise == "" {
			listen = c.m.Home() // the port the system chose, kept from now on
		}
	}
	if listen != "" {
		c.st.SetSetting(ctx, settingListen, listen)
	}
	if cfg.Advertise != "" {
		c.st.SetSetting(ctx, settingAdvertise, cfg.Advertise)
	}
}

// setting reads a setting, "" when unset or unreadable.
func (c *Core) setting(ctx context.Context, name string) string {
	v, err := c.st.Setting(ctx, name)
	if err != nil {
		return ""
	}
	return v
}

// Close stops the messenger, closes the event channel and the store, and
// forgets the passphrase. It is safe to call more than once.
func (c *Core) Close() error {
	var err error
	c.closed.Do(func() {
		close(c.done)
		c.mu.Lock()
		if c.m != nil { // nil after a restore that could not restart it
			err = c.m.Close()
		}
		c.mu.Unlock()
		c.fwd.Wait() // the forwarder may still take the read lock
		c.mu.Lock()
		defer c.mu.Unlock()
		err = errors.Join(err, c.st.Close())
		c.emitMu.Lock() // no send is under way (done makes waiting ones give up)
		close(c.events)
		c.emitMu.Unlock()
		clear(c.pass)
	})
	return err
}

// Events returns the interface's events: see [ui.Core].
func (c *Core) Events() <-chan any { return c.events }

// Status reports the profile, its home and the connection to it.
func (c *Core) Status() (ui.Status, error) { return c.state.status(), nil }

// Invite returns the profile's invite text.
func (c *Core) Invite() (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.Invite()
}

// Home returns the address of the profile's home.
func (c *Core) Home() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.Home()
}

// Identity returns the profile's identity public key.
func (c *Core) Identity() keys.PublicKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.Identity()
}

// ChangePassphrase re-wraps the profile's data key under a new passphrase.
func (c *Core) ChangePassphrase(old, newPassphrase []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.st.ChangePassphrase(context.Background(), old, newPassphrase); err != nil {
		return mapErr(err)
	}
	clear(c.pass)
	c.pass = append([]byte(nil), newPassphrase...)
	return nil
}

// emit hands an event to the interface, unless the core is closing.
func (c *Core) emit(ev any) {
	c.emitMu.RLock()
	defer c.emitMu.RUnlock()
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.events <- ev:
	case <-c.done:
	}
}
