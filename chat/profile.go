package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"ratchat/store"
)

// Settings in which a profile remembers its home, so that it keeps its
// address from one start to the next: invites given out earlier stay
// valid. (The names predate this package's owning them.)
const (
	settingListen    = "app.listen"
	settingAdvertise = "app.advertise"
	settingRelay     = "app.relay"
)

// Profile says where a profile lives and how its messenger runs, for
// [Create], [Open] and [RestoreProfile].
type Profile struct {
	// Dir is the profile folder.
	Dir string
	// Listen, Advertise and Relay are [Config]'s. Empty values take the
	// ones the profile used last, then Config's defaults.
	Listen, Advertise, Relay string
	// Store holds options for store.Create, store.Open and store.Restore.
	Store []store.Option
	// Logger receives the messenger's logs; nil discards them.
	Logger *slog.Logger
	// Config, if set, adjusts the rest of the messenger's configuration
	// (tests shorten timeouts); Store, Listen, Advertise and Relay are
	// filled in after it runs.
	Config func(*Config)
}

// Exists reports whether the profile folder holds a profile.
func (p Profile) Exists() (bool, error) {
	_, err := os.Stat(filepath.Join(p.Dir, "ratchat.db"))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("chat: %w", err)
}

// Create makes a new profile with its keys under name and passphrase and
// starts its messenger, which owns the store: Close closes it.
func Create(ctx context.Context, p Profile, name string, passphrase []byte) (*Messenger, error) {
	if len([]rune(string(passphrase))) < MinPassphrase {
		return nil, fmt.Errorf("%w: at least %d characters", ErrShortPassphrase, MinPassphrase)
	}
	st, err := store.Create(p.Dir, passphrase, p.Store...)
	if err != nil {
		return nil, err
	}
	if err := CreateProfile(ctx, st, name, nil); err != nil {
		st.Close()
		return nil, fmt.Errorf("chat: creating the keys: %w", err)
	}
	return startOwned(ctx, p, st, passphrase)
}

// Open unlocks the profile and starts its messenger, which owns the
// store. A wrong passphrase gives an error matching store.ErrWrongPassphrase.
func Open(ctx context.Context, p Profile, passphrase []byte) (*Messenger, error) {
	st, err := store.Open(p.Dir, passphrase, p.Store...)
	if err != nil {
		return nil, err
	}
	return startOwned(ctx, p, st, passphrase)
}

// startOwned runs a messenger on st, which it owns from now on (it is
// closed on any error too).
func startOwned(ctx context.Context, p Profile, st *store.Store, passphrase []byte) (*Messenger, error) {
	var cfg Config
	if p.Config != nil {
		p.Config(&cfg)
	}
	cfg.Store, cfg.Logger = st, p.Logger
	cfg.Listen, cfg.Advertise, cfg.Relay = homeConfig(ctx, st, p)
	m, err := Start(ctx, cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	m.profile, m.owned = p, true
	m.pass = append([]byte(nil), passphrase...)
	m.rememberHome(ctx, cfg)
	return m, nil
}

// homeConfig chooses the home: what the profile is told, else what it
// used last, else chat's defaults.
func homeConfig(ctx context.Context, st *store.Store, p Profile) (listen, advertise, relay string) {
	listen, advertise, relay = p.Listen, p.Advertise, p.Relay
	setting := func(name string) string {
		v, err := st.Setting(ctx, name)
		if err != nil {
			return ""
		}
		return v
	}
	if relay == "" && listen == "" {
		if relay = setting(settingRelay); relay == "" {
			listen = setting(settingListen)
		}
	}
	if relay == "" && advertise == "" {
		advertise = setting(settingAdvertise)
	}
	return listen, advertise, relay
}

// rememberHome stores the home the profile runs with, for the next start.
// Failing to remember it is logged, not fatal: the profile runs.
func (m *Messenger) rememberHome(ctx context.Context, cfg Config) {
	set := func(name, v string) {
		if err := m.st.SetSetting(ctx, name, v); err != nil {
			m.log.Warn("cannot remember the home", "err", err)
		}
	}
	if cfg.Relay != "" {
		set(settingRelay, cfg.Relay)
		return
	}
	m.st.DeleteSetting(ctx, settingRelay)
	listen := cfg.Listen
	if _, port, err := net.SplitHostPort(listen); listen == "" || err == nil && port == "0" {
		listen = ""
		if cfg.Advertise == "" {
			listen = m.home // the port the system chose, kept from now on
		}
	}
	if listen != "" {
		set(settingListen, listen)
	}
	if cfg.Advertise != "" {
		set(settingAdvertise, cfg.Advertise)
	}
}

// ChangePassphrase re-wraps the profile's data key under a new passphrase.
func (m *Messenger) ChangePassphrase(ctx context.Context, old, passphrase []byte) error {
	if len([]rune(string(passphrase))) < MinPassphrase {
		return fmt.Errorf("%w: at least %d characters", ErrShortPassphrase, MinPassphrase)
	}
	if err := m.st.ChangePassphrase(ctx, old, passphrase); err != nil {
		return err
	}
	clear(m.pass)
	m.pass = append([]byte(nil), passphrase...)
	return nil
}

// ProfileDir returns the folder of the profile the messenger owns (it was
// started by [Open] or [Create], and holds the profile's lock while it
// runs). A messenger started on a store it was given fails with
// [ErrNotOwner]: only the owner of a profile may speak for it, for example
// on the api socket in its folder.
func (m *Messenger) ProfileDir() (string, error) {
	if !m.owned {
		return "", ErrNotOwner
	}
	return m.st.Dir(), nil
}
