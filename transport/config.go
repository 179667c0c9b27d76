package transport

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"time"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// Mode says whom a home serves.
type Mode uint8

const (
	// PeerMode is the home inside every ratchat: it serves one owner, its
	// own profile, whose identity key is also the home's.
	PeerMode Mode = iota + 1
	// RelayMode serves many owners: any identity that authenticates gets
	// a mailbox (or only those of an allow-list).
	RelayMode
)

// Config configures a [Server]. Zero fields take the defaults noted.
type Config struct {
	Mode Mode

	// Owner is the one owner of a peer-mode home, and the identity key it
	// presents. Unused in relay mode, whose identity key is generated on
	// first start and kept in its database.
	Owner keys.PublicKey

	// AllowList, in relay mode, lists the only identities that may
	// register. Empty means an open relay: anyone who proves an identity
	// key gets a mailbox. Why open by default: a mailbox costs the relay
	// only its quota, and deposits to it need the owner's cooperation to
	// be read; a relay operator who wants to serve only friends sets the
	// list.
	AllowList []keys.PublicKey

	// DataDir holds the mailbox database (created 0700 if missing).
	DataDir string

	Limits Limits

	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now (for stored times, expiry, rate limits)
	Rand   io.Reader        // default: crypto/rand (for challenges)
}

// Limits bound what a home spends on its clients.
type Limits struct {
	MaxConns         int           // open connections (default 64 in peer mode, 4096 in relay mode)
	HandshakeTimeout time.Duration // for the first request to start after Hello (default 10s)
	IdleTimeout      time.Duration // for a request to start afterwards (default 5m)
	FrameTimeout     time.Duration // for a frame to arrive once started (default 30s)
	WriteTimeout     time.Duration // for a frame to be written (default 30s)
	Retention        time.Duration // envelopes are deleted after this (default 30 days)
	ExpireEvery      time.Duration // how often expired envelopes are swept (default 1h)
	RequestRate      float64       // requests per second per connection (default 500)
	RequestBurst     int           // bucket size of the rate limit (default 1000)
	MaxInFlight      int           // deposits per connection awaiting their commit (default 16)
	PushWindow       int           // deliveries pushed and not yet acknowledged (default 256)
	MaxEnvelopes     int           // envelopes per mailbox (default 10,000)
	MaxBytes         int64         // bytes per mailbox (default 256 MiB)
	MaxPreKeys       int           // one-time prekeys of each kind per owner (default 200)
}

// DefaultRetention is how long a home keeps an unacknowledged envelope.
const DefaultRetention = 30 * 24 * time.Hour

// withDefaults fills the zero fields.
func (l Limits) withDefaults(mode Mode) Limits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.HandshakeTimeout, 10*time.Second)
	def(&l.IdleTimeout, 5*time.Minute)
	def(&l.FrameTimeout, 30*time.Second)
	def(&l.WriteTimeout, 30*time.Second)
	def(&l.Retention, DefaultRetention)
	def(&l.ExpireEvery, time.Hour)
	if l.MaxConns <= 0 {
		l.MaxConns = map[Mode]int{PeerMode: 64, RelayMode: 4096}[mode]
	}
	if l.RequestRate <= 0 {
		l.RequestRate = 500
	}
	if l.RequestBurst <= 0 {
		l.RequestBurst = 1000
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = 16
	}
	if l.PushWindow <= 0 {
		l.PushWindow = 256
	}
	return l
}

// check validates the configuration and fills its defaults.
func (c Config) check() (Config, error) {
	switch c.Mode {
	case PeerMode:
		if _, err := keys.NewPublicKey(c.Owner[:]); err != nil {
			return c, fmt.Errorf("%w: peer mode needs the owner's identity key: %w", ErrConfig, err)
		}
		if len(c.AllowList) > 0 {
			return c, fmt.Errorf("%w: an allow-list is for relay mode", ErrConfig)
		}
	case RelayMode:
	default:
		return c, fmt.Errorf("%w: unknown mode %d", ErrConfig, c.Mode)
	}
	if c.DataDir == "" {
		return c, fmt.Errorf("%w: no data folder", ErrConfig)
	}
	c.Limits = c.Limits.withDefaults(c.Mode)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return c, nil
}

// mailboxOptions are the store's quotas.
func (l Limits) mailboxOptions() mailbox.Options {
	return mailbox.Options{MaxEnvelopes: l.MaxEnvelopes, MaxBytes: l.MaxBytes, MaxPreKeys: l.MaxPreKeys}
}
