package cli

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"ratchat/keys"
	"ratchat/transport"
)

// shutdownGrace bounds a relay's graceful shutdown.
const shutdownGrace = 10 * time.Second

var relayCommand = &command{
	brief: "run a relay for many profiles",
	name:  "relay",
	args:  "--data DIR | --nats URLS [--nats-creds FILE] [--nats-replicas N] [--nats-partitions N] [--listen ADDR] [--retention 720h] [--allow KEYFILE] [limits]",
	summary: "Run a relay: a home for many profiles, which stores their sealed envelopes and sees\n" +
		"no content. It runs until SIGINT or SIGTERM. --allow names a file of invites or identity\n" +
		"keys (hex), one a line: only those may register; without it anyone may (an open relay,\n" +
		"which it says when it starts), and a file listing no one is refused. The limits below\n" +
		"keep one address or one flood from taking the relay; per-address limits count an IPv4\n" +
		"address or an IPv6 /64, and a negative number lifts a limit. docs/TRANSPORT.md has the table.\n" +
		"The mailboxes live in SQLite in --data (one relay process), or with --nats in a NATS\n" +
		"JetStream cluster that any number of relays share (docs/DEPLOY.md).",
	example: "ratchat relay --listen 0.0.0.0:7070 --data /var/lib/ratchat-relay --allow friends.txt\n" +
		"  ratchat relay --listen 0.0.0.0:7070 --nats nats://10.0.0.1:4222,nats://10.0.0.2:4222,nats://10.0.0.3:4222 --nats-replicas 3",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.DurationVar(&o.retention, "retention", transport.DefaultRetention,
			"delete envelopes not fetched, and mailboxes whose owner stayed away, after this long")
		fs.StringVar(&o.allow, "allow", "", "`KEYFILE` of the identities that may register")
		fs.DurationVar(&o.statsEvery, "stats-every", defaultStatsEvery,
			"log the relay's counters this often (0: never)")
		relayLimitFlags(fs, &o.limits)
		o.nats.register(fs)
	},
	nargs: [2]int{0, 0},
	run:   runRelay,
}

// relayLimitFlags registers a flag for each of the relay's limits, with
// transport's defaults.
func relayLimitFlags(fs *flag.FlagSet, l *transport.Limits) {
	d := transport.DefaultLimits(transport.RelayMode)
	fs.IntVar(&l.MaxConns, "max-conns", d.MaxConns, "open connections in all")
	fs.IntVar(&l.MaxConnsPerAddr, "max-conns-per-addr", d.MaxConnsPerAddr, "open connections per address")
	fs.DurationVar(&l.AnonTimeout, "anon-timeout", d.AnonTimeout,
		"close an unauthenticated connection after this long without a deposit or bundle fetch")
	fs.Int64Var(&l.MaxTotalBytes, "max-total-bytes", d.MaxTotalBytes, "bytes of envelopes in all mailboxes")
	fs.IntVar(&l.MaxMailboxes, "max-mailboxes", d.MaxMailboxes, "mailboxes (registered identities)")
	fs.IntVar(&l.MaxEnvelopes, "max-envelopes", d.MaxEnvelopes, "envelopes per mailbox")
	fs.Int64Var(&l.MaxBytes, "max-bytes", d.MaxBytes, "bytes of envelopes per mailbox")
	fs.IntVar(&l.RegisterBurst, "register-burst", d.RegisterBurst, "new mailboxes per address at once")
	fs.DurationVar(&l.RegisterEvery, "register-every", d.RegisterEvery, "then one more new mailbox per address this often")
	fs.IntVar(&l.DepositBurst, "deposit-burst", d.DepositBurst, "deposits per address at once")
	fs.DurationVar(&l.DepositEvery, "deposit-every", d.DepositEvery, "then one more deposit per address this often")
	fs.IntVar(&l.BundleBurst, "bundle-burst", d.BundleBurst, "bundle fetches per address at once")
	fs.DurationVar(&l.BundleEvery, "bundle-every", d.BundleEvery, "then one more bundle fetch per address this often")
	fs.IntVar(&l.TargetBundleBurst, "target-bundle-burst", d.TargetBundleBurst,
		"bundles of one owner handed out with one-time prekeys at once (beyond: without)")
	fs.DurationVar(&l.TargetBundleEvery, "target-bundle-every", d.TargetBundleEvery,
		"then one more such bundle per owner this often")
}

// runRelay serves a relay until a signal asks it to stop.
func runRelay(c *cli, _ []string) error {
	urls, err := checkNATSFlags(c)
	if err != nil {
		return err
	}
	if c.g.data == "" && urls == nil {
		return usagef("relay needs --data DIR (or --nats URLS)")
	}
	listen := c.g.listen
	if listen == "" {
		listen = ":7070"
	}
	allow, err := readAllowList(c.o.allow)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	limits := c.o.limits
	limits.Retention = c.o.retention
	cfg := transport.Config{Mode: transport.RelayMode, AllowList: allow, DataDir: c.g.data, Limits: limits, Logger: log}
	backend := "sqlite"
	if urls != nil {
		b, err := openNATS(urls, c.o.nats, limits, log)
		if err != nil {
			return err
		}
		cfg.Backend, backend = b, "jetstream"
	}
	srv, err := transport.NewServer(cfg)
	if err != nil {
		if cfg.Backend != nil {
			cfg.Backend.Close()
		}
		return err
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		srv.Close()
		return err
	}
	log.Info("relay listening", "addr", l.Addr().String(), "identity", srv.Identity().String(),
		"allowed", len(allow), "retention", c.o.retention, "backend", backend)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	go logStats(ctx, log, srv, backend, c.o.statsEvery)
	select {
	case <-ctx.Done():
	case err := <-served:
		return errors.Join(err, srv.Close())
	}
	log.Info("relay stopping")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return srv.Shutdown(sctx)
}

// readAllowList reads the identities of an --allow file (none without
// one). A file that lists no one is a usage error: taken as "no list", it
// would start an open relay the operator meant to close.
func readAllowList(path string) ([]keys.PublicKey, error) {
	if path == "" {
		return nil, nil
	}
	list, err := transport.ReadAllowList(path)
	if errors.Is(err, transport.ErrAllowListEmpty) {
		return nil, usagef("--allow %s lists no identity: refusing to start a relay open to anyone "+
			"(leave out --allow to run an open relay on purpose)", path)
	}
	return list, err
}
