package jetstream

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// DefaultPartitions is the number of mailbox partitions when
// [Config.Partitions] is zero.
const DefaultPartitions = 1024

// DefaultRetention is the envelopes' MaxAge when [Config.Retention] is
// zero, as a relay's default retention.
const DefaultRetention = 30 * 24 * time.Hour

// Config configures a JetStream backend.
type Config struct {
	URLs       []string        // nats://host:port, one or more (a cluster)
	CredsFile  string          // optional NATS credentials file
	Name       string          // this front end's id (default: random); leases are held under it
	Replicas   int             // stream/KV replicas (1 single node; 3 in a cluster); default 1
	Partitions int             // mailbox partitions (default 1024); fixed for a stream's life
	Retention  time.Duration   // MaxAge of envelopes (default 30 days)
	Limits     mailbox.Options // per-mailbox quotas, as the SQLite store's
	Logger     *slog.Logger    // default: discard
}

// Store is a [mailbox.Backend] on NATS JetStream. It is safe for
// concurrent use.
type Store struct {
	cfg Config
	nc  *nats.Conn
	js  jetstream.JetStream
}

var _ mailbox.Backend = (*Store)(nil)

// Open connects, creates or checks the stream and buckets, and starts
// taking partition leases.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.URLs) == 0 {
		return nil, fmt.Errorf("%w: no NATS URL", ErrConfig)
	}
	opts := []nats.Option{nats.Name("ratchat relay " + cfg.Name)}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("jetstream: connecting: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Store{cfg: cfg, nc: nc, js: js}, nil
}

// Register implements [mailbox.Backend].
func (s *Store) Register(owner keys.PublicKey, now time.Time) (bool, error) {
	return s.RegisterWith(owner, now, nil)
}

// RegisterWith implements [mailbox.Backend].
func (s *Store) RegisterWith(owner keys.PublicKey, now time.Time, mayCreate func() error) (bool, error) {
	return false, ErrNotImplemented
}

// Registered implements [mailbox.Backend].
func (s *Store) Registered(ctx context.Context, owner keys.PublicKey) (bool, error) {
	return false, ErrNotImplemented
}

// Usage implements [mailbox.Backend].
func (s *Store) Usage(ctx context.Context, owner keys.PublicKey) (int, int64, error) {
	return 0, 0, ErrNotImplemented
}

// HomeIdentity implements [mailbox.Backend].
func (s *Store) HomeIdentity(ctx context.Context, rand io.Reader) (keys.PublicKey, error) {
	return keys.PublicKey{}, ErrNotImplemented
}

// DepositTokenAsync implements [mailbox.Backend].
func (s *Store) DepositTokenAsync(owner keys.PublicKey, token mailbox.TokenHash, body []byte, now time.Time, done func(mailbox.DepositResult)) {
	done(mailbox.DepositResult{Err: ErrNotImplemented})
}

// Pending implements [mailbox.Backend].
func (s *Store) Pending(ctx context.Context, owner keys.PublicKey, after uint64, notBefore time.Time, limit int) ([]mailbox.Envelope, error) {
	return nil, ErrNotImplemented
}

// Ack implements [mailbox.Backend].
func (s *Store) Ack(owner keys.PublicKey, ids []uint64) (int, error) {
	return 0, ErrNotImplemented
}

// Subscribe implements [mailbox.Backend].
func (s *Store) Subscribe(owner keys.PublicKey, offer func(mailbox.Envelope)) (cancel func()) {
	return func() {}
}

// PutPreKeys implements [mailbox.Backend].
func (s *Store) PutPreKeys(owner keys.PublicKey, u mailbox.PreKeyUpload) error {
	return ErrNotImplemented
}

// TakePreKeys implements [mailbox.Backend].
func (s *Store) TakePreKeys(owner keys.PublicKey) (mailbox.Handout, error) {
	return mailbox.Handout{}, ErrNotImplemented
}

// PeekPreKeys implements [mailbox.Backend].
func (s *Store) PeekPreKeys(ctx context.Context, owner keys.PublicKey) (mailbox.Handout, error) {
	return mailbox.Handout{}, ErrNotImplemented
}

// PreKeyCounts implements [mailbox.Backend].
func (s *Store) PreKeyCounts(ctx context.Context, owner keys.PublicKey) (int, int, error) {
	return 0, 0, ErrNotImplemented
}

// AddTokens implements [mailbox.Backend].
func (s *Store) AddTokens(owner keys.PublicKey, tokens []mailbox.Token) error {
	return ErrNotImplemented
}

// RevokeTokens implements [mailbox.Backend].
func (s *Store) RevokeTokens(owner keys.PublicKey, hashes []mailbox.TokenHash) error {
	return ErrNotImplemented
}

// Expire implements [mailbox.Backend].
func (s *Store) Expire(cutoff time.Time) (int, int64, error) {
	return 0, 0, ErrNotImplemented
}

// ExpireMailboxes implements [mailbox.Backend].
func (s *Store) ExpireMailboxes(cutoff time.Time, keep []keys.PublicKey, now time.Time) (int, int, int64, error) {
	return 0, 0, 0, ErrNotImplemented
}

// Close implements [mailbox.Backend].
func (s *Store) Close() error {
	s.nc.Close()
	return nil
}
