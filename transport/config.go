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

	// DataDir holds the mailbox database (created 0700 if missing). It
	// is not needed (nor used) when Backend is set.
	DataDir string

	// Backend, when set, keeps the mailboxes instead of the SQLite
	// database in DataDir: transport/jetstream's Store, shared by any
	// number of relay front ends. The server closes it when it closes.
	Backend mailbox.Backend

	Limits Limits

	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now (for stored times, expiry, rate limits)
	Rand   io.Reader        // default: crypto/rand (for challenges)
}

// Limits bound what a home spends on its clients. Zero fields take the
// defaults noted; for the per-address limits, the home-wide caps and
// MaxConnsPerAddr, a negative value means no limit. docs/TRANSPORT.md
// lists them all with what happens beyond each.
type Limits struct {
	MaxConns         int           // open connections (default 64 in peer mode, 4096 in relay mode)
	HandshakeTimeout time.Duration // for the first request to start after Hello (default 10s)
	IdleTimeout      time.Duration // for a request to start afterwards (default 5m)
	FrameTimeout     time.Duration // for a frame to arrive once started (default 30s)
	WriteTimeout     time.Duration // for a frame to be written (default 30s)
	Retention        time.Duration // envelopes, and mailboxes whose owner stays away, are deleted after this (default 30 days)
	ExpireEvery      time.Duration // how often expired envelopes and mailboxes are swept (default 1h)
	RequestRate      float64       // requests per second per connection (default 500)
	RequestBurst     int           // bucket size of the rate limit (default 1000)
	MaxInFlight      int           // deposits per connection awaiting their commit (default 128)
	MaxInFlightBytes int64         // their bytes (default 2 MiB: 16 of the largest envelopes)
	PushWindow       int           // deliveries pushed and not yet acknowledged (default 256)
	MaxEnvelopes     int           // envelopes per mailbox (default 10,000)
	MaxBytes         int64         // bytes per mailbox (default 256 MiB)
	MaxPreKeys       int           // one-time prekeys of each kind per owner (default 200)

	// Home-wide caps: a full home refuses deposits and registrations
	// (CodeHomeFull); it never drops what it holds.
	MaxTotalBytes int64 // bytes of envelopes in all mailboxes (default 8 GiB)
	MaxMailboxes  int   // mailboxes (default 100,000)

	// Deposit-token quotas, within the mailbox's: the deposits made with
	// a mailbox's request tokens (its invite's) share one small quota, so
	// that a flood of requests leaves the mailbox open to contacts; each
	// contact token has its own (CodeQuotaExceeded beyond either).
	MaxRequestEnvelopes int   // envelopes from request tokens per mailbox (default 200)
	MaxRequestBytes     int64 // bytes from request tokens per mailbox (default 8 MiB)
	MaxContactEnvelopes int   // envelopes per contact token (default 5,000)
	MaxContactBytes     int64 // bytes per contact token (default 128 MiB)
	MaxTokens           int   // tokens one owner registers (default 10,000)

	// AnonTimeout closes an unauthenticated connection once this passes
	// without a deposit or a bundle fetch it was allowed to make (default
	// 10s). Pings and refused requests do not count: a connection that
	// does nothing useful cannot hold a slot. Why not a fixed lifetime: a
	// sender that keeps depositing keeps its connection.
	AnonTimeout time.Duration

	// Per-address limits, counted per IPv4 address or IPv6 /64. A rate is
	// a burst at once, then one more every interval.
	MaxConnsPerAddr int           // open connections (default 32 in peer mode, 64 in relay mode)
	RegisterBurst   int           // new mailboxes in an open relay (default 10)
	RegisterEvery   time.Duration // (default 6m: 10 an hour)
	DepositBurst    int           // deposits (default 2,000)
	DepositEvery    time.Duration // (default 2ms: 500/s)
	BundleBurst     int           // bundle fetches (default 50)
	BundleEvery     time.Duration // (default 1s)

	// Per-owner limit on the bundles handed out with one-time prekeys,
	// whoever asks. Beyond it a bundle still comes, with the last-resort
	// KEM prekey and no one-time prekey: sessions can still start, and
	// nobody can drain the owner's one-time prekeys. Why 25: below the
	// 40 one-time KEM prekeys a ratchat owner keeps, so that a flood
	// leaves some in stock and the owner time to replenish.
	TargetBundleBurst int           // (default 25)
	TargetBundleEvery time.Duration // (default 1m)
}

// DefaultLimits returns the limits a home in mode runs with when
// [Config.Limits] is left zero.
func DefaultLimits(mode Mode) Limits { return Limits{}.withDefaults(mode) }

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
		l.MaxInFlight = 128
	}
	if l.MaxInFlightBytes <= 0 {
		l.MaxInFlightBytes = 16 * MaxEnvelopeSize
	}
	if l.PushWindow <= 0 {
		l.PushWindow = 256
	}
	return l.abuseDefaults(mode)
}

// abuseDefaults fills the zero fields of the caps and per-address limits.
func (l Limits) abuseDefaults(mode Mode) Limits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.AnonTimeout, 10*time.Second)
	defInt(&l.MaxEnvelopes, mailbox.DefaultMaxEnvelopes)
	defInt(&l.MaxPreKeys, mailbox.DefaultMaxPreKeys)
	if l.MaxBytes <= 0 {
		l.MaxBytes = mailbox.DefaultMaxBytes
	}
	if l.MaxTotalBytes == 0 {
		l.MaxTotalBytes = mailbox.DefaultMaxTotalBytes
	}
	defInt(&l.MaxMailboxes, mailbox.DefaultMaxMailboxes)
	defInt(&l.MaxConnsPerAddr, map[Mode]int{PeerMode: 32, RelayMode: 64}[mode])
	defInt(&l.RegisterBurst, 10)
	def(&l.RegisterEvery, 6*time.Minute)
	defInt(&l.DepositBurst, 2000)
	def(&l.DepositEvery, 2*time.Millisecond)
	defInt(&l.BundleBurst, 50)
	def(&l.BundleEvery, time.Second)
	defInt(&l.TargetBundleBurst, 25)
	def(&l.TargetBundleEvery, time.Minute)
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
	if c.DataDir == "" && c.Backend == nil {
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

// MailboxOptions are the mailbox quotas among l, as a backend takes them
// (see [mailbox.Options]).
func (l Limits) MailboxOptions() mailbox.Options {
	return mailbox.Options{MaxEnvelopes: l.MaxEnvelopes, MaxBytes: l.MaxBytes, MaxPreKeys: l.MaxPreKeys,
		MaxTotalBytes: l.MaxTotalBytes, MaxMailboxes: l.MaxMailboxes,
		MaxRequestEnvelopes: l.MaxRequestEnvelopes, MaxRequestBytes: l.MaxRequestBytes,
		MaxContactEnvelopes: l.MaxContactEnvelopes, MaxContactBytes: l.MaxContactBytes, MaxTokens: l.MaxTokens}
}
