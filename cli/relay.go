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
	args:  "--data DIR [--listen ADDR] [--retention 720h] [--allow KEYFILE]",
	summary: "Run a relay: a home for many profiles, which stores their sealed envelopes and sees\n" +
		"no content. It runs until SIGINT or SIGTERM. --allow names a file of invites or identity\n" +
		"keys (hex), one a line: only those may register; without it anyone may.",
	example: "ratchat relay --listen 0.0.0.0:7070 --data /var/lib/ratchat-relay --allow friends.txt",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.DurationVar(&o.retention, "retention", transport.DefaultRetention, "delete envelopes not fetched after this long")
		fs.StringVar(&o.allow, "allow", "", "`KEYFILE` of the identities that may register")
	},
	nargs: [2]int{0, 0},
	run:   runRelay,
}

// runRelay serves a relay until a signal asks it to stop.
func runRelay(c *cli, _ []string) error {
	if c.g.data == "" {
		return usagef("relay needs --data DIR")
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
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, AllowList: allow,
		DataDir: c.g.data, Limits: transport.Limits{Retention: c.o.retention}, Logger: log})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		srv.Close()
		return err
	}
	log.Info("relay listening", "addr", l.Addr().String(), "identity", srv.Identity().String(),
		"allowed", len(allow), "retention", c.o.retention)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
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

// readAllowList reads the identities of an --allow file (none without one).
func readAllowList(path string) ([]keys.PublicKey, error) {
	if path == "" {
		return nil, nil
	}
	return transport.ReadAllowList(path)
}
