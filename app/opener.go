package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/ui"
)

// TestKDFEnv names the environment variable that, set to "fast", makes new
// key rings use [FastKDF]. Only tests set it.
const TestKDFEnv = "RATCHAT_TEST_KDF"

// FastKDF is the Argon2id cost tests use: about a millisecond, and no
// protection at all against guessing.
var FastKDF = store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// Options says where a profile lives and how its messenger runs.
type Options struct {
	// Dir is the profile folder (--data, or store.DefaultDir(--profile)).
	Dir string
	// Listen, Advertise and Relay are chat.Config's. Empty values take
	// the ones the profile used last (see [Core.Start]), then chat's
	// defaults.
	Listen, Advertise, Relay string
	// Store holds options for store.Create, store.Open and store.Restore.
	Store []store.Option
	// Logger receives the messenger's logs; nil discards them.
	Logger *slog.Logger
}

// StoreOptionsFromEnv returns the store options the environment asks for:
// [FastKDF] when RATCHAT_TEST_KDF is "fast", none otherwise.
func StoreOptionsFromEnv() []store.Option {
	if os.Getenv(TestKDFEnv) == "fast" {
		return []store.Option{store.WithKDF(FastKDF)}
	}
	return nil
}

// Opener creates and unlocks one profile: it implements [ui.Opener] and
// serves the command line.
type Opener struct {
	opts Options
}

var _ ui.Opener = (*Opener)(nil)

// NewOpener returns an opener for the profile that opts describes.
func NewOpener(opts Options) *Opener { return &Opener{opts: opts} }

// Dir returns the profile folder.
func (o *Opener) Dir() string { return o.opts.Dir }

// Exists reports whether the profile folder holds a profile.
func (o *Opener) Exists() (bool, error) {
	// store keeps its database in ratchat.db; it has no Exists of its own.
	_, err := os.Stat(filepath.Join(o.opts.Dir, "ratchat.db"))
	switch {
	case err == nil:
		return true, nil
	case os.IsNotExist(err):
		return false, nil
	}
	return false, fmt.Errorf("app: %w", err)
}

// Create makes a new profile with its keys and starts its messenger.
func (o *Opener) Create(name, passphrase string) (ui.Core, error) {
	c, err := o.CreateCore(name, []byte(passphrase))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Unlock opens the profile and starts its messenger; a wrong passphrase
// gives an error that matches ui.ErrWrongPassphrase.
func (o *Opener) Unlock(passphrase string) (ui.Core, error) {
	c, err := o.Open([]byte(passphrase))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CreateCore is Create for the command line: it returns the *Core.
func (o *Opener) CreateCore(name string, passphrase []byte) (*Core, error) {
	st, err := store.Create(o.opts.Dir, passphrase, o.opts.Store...)
	if err != nil {
		return nil, err
	}
	if err := chat.CreateProfile(context.Background(), st, name, nil); err != nil {
		st.Close()
		return nil, fmt.Errorf("app: creating the keys: %w", err)
	}
	return start(st, passphrase, o.opts)
}

// Open is Unlock for the command line: it returns the *Core.
func (o *Opener) Open(passphrase []byte) (*Core, error) {
	st, err := store.Open(o.opts.Dir, passphrase, o.opts.Store...)
	if err != nil {
		return nil, mapErr(err)
	}
	return start(st, passphrase, o.opts)
}
