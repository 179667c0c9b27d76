package store

import (
	"crypto/rand"
	"io"
	"time"
)

// Option configures [Create], [Open] and [Restore].
type Option func(*options)

// options are the settings an [Option] changes.
type options struct {
	kdf      KDFParams
	kdfSet   bool
	rand     io.Reader
	now      func() time.Time
	progress func(Progress)
	force    bool
}

// WithProgress sets a function [Restore] calls as it reads the backup, with
// the bytes read so far (and the file's size when the reader is a file).
func WithProgress(fn func(Progress)) Option {
	return func(o *options) { o.progress = fn }
}

// WithForce lets [Restore] replace an existing profile without reading it
// first: a backup of another identity ([ErrOtherIdentity]) is restored,
// and the profile need not open with the passphrase. The replaced
// database is kept aside in the profile folder, never deleted.
func WithForce() Option {
	return func(o *options) { o.force = true }
}

// WithKDF sets the Argon2id cost of a new key ring: the one [Create] makes,
// the one [Store.ChangePassphrase] writes, and that of a restored profile.
// Tests use a tiny cost; [DefaultKDF] applies otherwise.
func WithKDF(p KDFParams) Option {
	return func(o *options) { o.kdf = p }
}

// WithRand sets the source of randomness for keys, salts and nonces.
// The default is crypto/rand.
func WithRand(r io.Reader) Option {
	return func(o *options) { o.rand = r }
}

// WithClock sets the clock used for timestamps the store makes itself and
// for deciding which disappearing messages and outbox items are due.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// buildOptions applies opts over the defaults.
func buildOptions(opts []Option) options {
	o := options{kdf: DefaultKDF, rand: rand.Reader, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
