package cli

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
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

// readAllowList reads the identities of an --allow file: invites or hex
// identity keys, one a line; blank lines and # comments are skipped.
func readAllowList(path string) ([]keys.PublicKey, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []keys.PublicKey
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, err := parseIdentity(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, k)
	}
	return out, sc.Err()
}

// parseIdentity reads an invite, or an identity key in hex (32 bytes, or
// 33 with libsignal's 0x05 type byte).
func parseIdentity(s string) (keys.PublicKey, error) {
	if strings.HasPrefix(s, transport.InvitePrefix) {
		inv, err := transport.ParseInvite(s)
		return inv.Identity, err
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return keys.PublicKey{}, fmt.Errorf("neither an invite nor a hex key: %w", err)
	}
	if len(b) == keys.KeySize+1 {
		return keys.ParsePublicKey(b)
	}
	return keys.NewPublicKey(b)
}
