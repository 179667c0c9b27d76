package jetstream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/transport/mailbox"
)

// Defaults of a [Config].
const (
	// DefaultPartitions is the number of mailbox partitions of a new
	// stream. Why not more: each is a consumer with the stream's replicas
	// (a work-queue stream allows no other), so a Raft group in a
	// cluster, and a group commit packs each partition's deposits into a
	// segment of its own: on a 2-core 3-node cluster, NATS spent 188-213
	// µs an envelope with 64 partitions against 93-136 with 8 or 16
	// (docs/BENCHMARKS.md). Why not fewer: 16 spread over up to 16 front
	// ends, and a shard of the index holds a million mailboxes' lines in
	// 125 KB. Each partition serves any number of mailboxes.
	DefaultPartitions = 16
	// DefaultRetention is the envelopes' MaxAge, a relay's default
	// retention.
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultLeaseTTL is how long a partition lease lasts unrenewed: a
	// dead front end's partitions move within about this long.
	DefaultLeaseTTL = 6 * time.Second
	// DefaultRequestTimeout bounds a request to a partition's holder,
	// including the wait for a partition to find one.
	DefaultRequestTimeout = 15 * time.Second
	// DefaultResyncEvery is how often a home reads a connected owner's
	// mailbox again for a missed live offer: at most this late.
	DefaultResyncEvery = 10 * time.Second
	// DefaultIdleMailboxes is [Config.IdleMailboxes]'s default.
	DefaultIdleMailboxes = 4096
	// kvStreamPrefix names a bucket's stream.
	kvStreamPrefix = "KV_"
	// dupWindow is the stream's deduplication window: a deposit retried
	// within it is stored once.
	dupWindow = 2 * time.Minute
)

// Config configures a JetStream backend.
type Config struct {
	URLs       []string        // nats://host:port, one or more (a cluster)
	CredsFile  string          // optional NATS credentials file
	Name       string          // this front end's id (default: random); leases are held under it
	Replicas   int             // stream/KV replicas (1 single node; 3 in a cluster); default 1
	Partitions int             // mailbox partitions, fixed for a stream's life (0: the stream's, or DefaultPartitions for a new one)
	Retention  time.Duration   // MaxAge of envelopes (default 30 days)
	Limits     mailbox.Options // per-mailbox quotas, as the SQLite store's
	Logger     *slog.Logger    // default: discard

	// LeaseTTL is how long a partition lease lasts unrenewed (default
	// [DefaultLeaseTTL]); leases are renewed three times as often.
	LeaseTTL time.Duration
	// RequestTimeout bounds a request to another front end (default
	// [DefaultRequestTimeout]).
	RequestTimeout time.Duration
	// ResyncEvery is how often a home on this backend reads each connected
	// owner's mailbox again for envelopes whose live offer was missed
	// (default [DefaultResyncEvery]; see [mailbox.Resyncer]).
	ResyncEvery time.Duration
	// IdleMailboxes is how many mailboxes that hold no envelope a front
	// end keeps in memory (their tokens, read from the keys bucket),
	// across the partitions it holds (default [DefaultIdleMailboxes]).
	// Beyond it, those not used for a lease round are forgotten and read
	// again on their next deposit: so a front end's memory follows the
	// mailboxes in use, not all there are.
	IdleMailboxes int
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() (Config, error) {
	if len(c.URLs) == 0 {
		return c, fmt.Errorf("%w: no NATS URL", ErrConfig)
	}
	if c.Name == "" {
		var b [6]byte
		rand.Read(b[:])
		c.Name = hex.EncodeToString(b[:])
	}
	if strings.ContainsAny(c.Name, ".*> \t") {
		return c, fmt.Errorf("%w: front end name %q", ErrConfig, c.Name)
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Partitions < 0 {
		return c, fmt.Errorf("%w: %d partitions", ErrConfig, c.Partitions)
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.LeaseTTL < time.Second {
		return c, fmt.Errorf("%w: lease TTL under a second", ErrConfig)
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.ResyncEvery <= 0 {
		c.ResyncEvery = DefaultResyncEvery
	}
	if c.IdleMailboxes <= 0 {
		c.IdleMailboxes = DefaultIdleMailboxes
	}
	c.Limits = c.Limits.WithDefaults()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Store is a [mailbox.Backend] on NATS JetStream, one relay front end's
// view of mailboxes that all front ends share. It is safe for concurrent
// use. See the package doc for the design.
type Store struct {
	cfg     Config
	log     *slog.Logger
	nc      *nats.Conn
	replies *replies // answers to acknowledgements and batched reads
	js      jetstream.JetStream
	stream  jetstream.Stream
	index   jetstream.KeyValue // the mailboxes (index.go) and their counts
	records jetstream.Stream   // their token and prekey records
	kv      jetstream.KeyValue // home identity, layout
	leases  jetstream.KeyValue

	countMu sync.Mutex
	counts  mailboxCounts // for MaxMailboxes (counts.go)
	// partCounts are the partitions' counts as last read or written here.
	partCounts []partCount

	subs  subscriptions
	lease leaseState // the partitions and who holds them
	w     *writer    // deposits to the partitions held here

	ctx    context.Context // ends at Close
	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

var _ mailbox.Backend = (*Store)(nil)

// Open connects, creates or checks the stream and buckets, and starts
// taking partition leases. It returns before it holds any: requests for
// a partition nobody holds yet wait for one (up to the request timeout).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// Why NoEcho: a holder offers new envelopes to its own subscribers
	// directly, and must not get its live announcements back.
	opts := []nats.Option{nats.Name("ratchat relay " + cfg.Name), nats.NoEcho(), nats.MaxReconnects(-1)}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("jetstream: connecting: %w", err)
	}
	s := &Store{cfg: cfg, log: cfg.Logger.With("frontend", cfg.Name), nc: nc}
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.subs.m = map[[32]byte]*ownerSubs{}
	if s.replies, err = newReplies(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: subscribing: %w", err)
	}
	if err := s.setup(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	s.w = newWriter(s)
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.w.run() }()
	if err := s.startLeases(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// setup creates or updates the stream and the buckets, and checks the
// partition count against the one the stream was made with.
func (s *Store) setup(ctx context.Context) error {
	// Why the request timeout for API calls: a cluster under load, or
	// just started, takes longer than the default 5 s to make a
	// replicated stream.
	// Why a timeout on async publishes: a publish lost with a node never
	// gets its acknowledgement, and would hold its slot for ever.
	js, err := jetstream.New(s.nc, jetstream.WithDefaultTimeout(s.cfg.RequestTimeout),
		jetstream.WithPublishAsyncTimeout(2*s.cfg.LeaseTTL))
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	s.js = js
	sc := jetstream.StreamConfig{
		Name: streamName, Subjects: []string{subjectPrefix + "*.*"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Replicas: s.cfg.Replicas,
		MaxAge: s.cfg.Retention, Discard: jetstream.DiscardNew,
		Duplicates: dupWindow, AllowDirect: true, AllowMsgTTL: true, MaxMsgSize: -1,
		// Why not MaxBytes = MaxTotalBytes: JetStream reserves a stream's
		// MaxBytes from the account's storage when the stream is made,
		// used or not. See totalBytes.
		MaxBytes: -1,
	}
	err = retry(ctx, func(ctx context.Context) (err error) {
		s.stream, err = js.CreateOrUpdateStream(ctx, sc)
		return err
	})
	if err != nil {
		return fmt.Errorf("jetstream: creating stream: %w", err)
	}
	// Direct gets: see readRecord.
	rc := jetstream.StreamConfig{
		Name: recordsName, Subjects: []string{"r.*.*"}, Storage: jetstream.FileStorage,
		Replicas: s.cfg.Replicas, MaxMsgSize: -1, MaxBytes: -1, AllowDirect: true,
	}
	err = retry(ctx, func(ctx context.Context) (err error) {
		s.records, err = js.CreateOrUpdateStream(ctx, rc)
		return err
	})
	if err != nil {
		return fmt.Errorf("jetstream: creating stream %s: %w", recordsName, err)
	}
	kvs := []struct {
		kv       *jetstream.KeyValue
		cfg      jetstream.KeyValueConfig
		fromLead bool // reads go to the leader (see leaderReads)
	}{
		{&s.index, jetstream.KeyValueConfig{Bucket: bucketIndex, MaxValueSize: 1 << 20}, false}, // see indexGet
		{&s.kv, jetstream.KeyValueConfig{Bucket: bucketKeys, MaxValueSize: 1 << 20}, true},
		{&s.leases, jetstream.KeyValueConfig{Bucket: bucketLeases, TTL: s.cfg.LeaseTTL,
			LimitMarkerTTL: s.cfg.LeaseTTL, Storage: jetstream.MemoryStorage}, false},
	}
	for _, b := range kvs {
		b.cfg.Replicas = s.cfg.Replicas
		// Each try bounded (see retry): on a cluster just started, a
		// request of the first try went unanswered and held the whole
		// start (the R3 benchmark's front end said "creating bucket
		// ratchat_keys: context deadline exceeded" after 30 s, twice in
		// about 30 starts).
		err = retry(ctx, func(ctx context.Context) (err error) {
			if b.fromLead {
				*b.kv, err = leaderReads(ctx, js, b.cfg)
			} else {
				*b.kv, err = js.CreateOrUpdateKeyValue(ctx, b.cfg)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("jetstream: creating bucket %s: %w", b.cfg.Bucket, err)
		}
	}
	return s.layout(ctx)
}

// bucketTries bounds retry's tries.
const bucketTries = 8

// setupTry bounds one try of retry.
const setupTry = 4 * time.Second

// retry calls fn until it succeeds, at most bucketTries times, each try
// within setupTry and all within ctx. Why: on a cluster just started, or
// with front ends starting together, a JetStream API request can go
// unanswered (seen: creating the stream waited out a 10 s context once in
// some twenty starts of a 3-node cluster), and the same request asked
// again is answered.
func retry(ctx context.Context, fn func(context.Context) error) error {
	var err error
	for try := range bucketTries {
		tctx, cancel := context.WithTimeout(ctx, setupTry)
		err = fn(tctx)
		cancel()
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrConfig) {
			return err
		}
		t := time.NewTimer(time.Duration(try+1) * 100 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
	return err
}

// leaderReads binds the bucket cfg names, creating it if it is missing,
// with direct gets turned off, so that every read is answered by the
// stream's leader. Why: a bucket made by nats.go allows direct gets,
// which any replica answers, and a follower that has not yet applied a
// write answers with what was there before: an owner registered a moment
// ago through another front end had "no mailbox", and a token just added
// was refused (seen on a 3-node cluster). An existing bucket is bound,
// not updated, so that front ends starting together do not turn direct
// gets back on for one another. It is one try: the caller retries (front
// ends starting together on a cluster race to create and update the
// bucket's stream, and a stream just made on one node may not be found on
// another yet).
func leaderReads(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	_, err := js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		_, err = js.CreateKeyValue(ctx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) {
			err = nil // another front end made it meanwhile
		}
	}
	if err != nil {
		return nil, err
	}
	str, err := js.Stream(ctx, kvStreamPrefix+cfg.Bucket)
	if err != nil {
		return nil, err
	}
	if sc := str.CachedInfo().Config; sc.AllowDirect {
		sc.AllowDirect = false
		if _, err := js.UpdateStream(ctx, sc); err != nil {
			return nil, err
		}
	}
	return js.KeyValue(ctx, cfg.Bucket) // bound now: reads go to the leader
}

// Close gives up this front end's partitions (so that others take them
// at once), finishes the deposits already queued and disconnects. Later
// calls fail with [mailbox.ErrClosed].
func (s *Store) Close() error {
	err := mailbox.ErrClosed
	s.closed.Do(func() {
		err = nil
		s.stopLeases()
		s.releaseAll()
		s.w.close()
		s.stop()
		if s.lease.watcher != nil {
			s.lease.watcher.Stop()
		}
		s.wg.Wait()
		s.nc.Close()
	})
	return err
}

// isClosed reports whether Close began.
func (s *Store) isClosed() bool { return s.ctx.Err() != nil }

// opCtx is the context of one operation: the request timeout, ended early
// by Close.
func (s *Store) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
}

// ResyncEvery tells a home how often to look for envelopes whose live
// offer it missed ([mailbox.Resyncer]): in a cluster an offer can be
// missed while a new subscription spreads to the other nodes or while a
// partition moves.
func (s *Store) ResyncEvery() time.Duration { return s.cfg.ResyncEvery }

var _ mailbox.Resyncer = (*Store)(nil)
