package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"ratchat/transport"
	"ratchat/transport/jetstream"
)

// natsOpenTimeout bounds connecting to NATS and creating or checking the
// stream and buckets when a relay starts.
const natsOpenTimeout = 30 * time.Second

// maxNATSURLs bounds the URLs of --nats: a NATS cluster is a handful of
// nodes, and the client tries each.
const maxNATSURLs = 32

// natsFlags are the relay's flags for the JetStream backend.
type natsFlags struct {
	urls       string // --nats, comma-separated
	creds      string // --nats-creds
	replicas   int    // --nats-replicas
	partitions int    // --nats-partitions
}

// register adds the JetStream backend's flags to fs.
func (n *natsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.urls, "nats", "", "keep the mailboxes on NATS JetStream at `URLS` (nats://HOST:PORT, "+
		"comma-separated: a cluster's nodes) instead of SQLite in --data; any number of relays may share them")
	fs.StringVar(&n.creds, "nats-creds", "", "NATS credentials `FILE` (a user JWT and seed, from nsc)")
	fs.IntVar(&n.replicas, "nats-replicas", 1, "replicas of the JetStream stream and buckets (3 on a 3-node cluster)")
	fs.IntVar(&n.partitions, "nats-partitions", 0, fmt.Sprintf("mailbox partitions of a new stream "+
		"(0: %d); an existing stream keeps its own, and a front end given another refuses to start", jetstream.DefaultPartitions))
}

// parseNATSURLs splits and checks the value of --nats: one to
// [maxNATSURLs] URLs, each nats:// or tls:// with a host and a port, and
// nothing else (credentials go in --nats-creds, never on a command line
// that ps shows).
func parseNATSURLs(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxNATSURLs {
		return nil, usagef("--nats lists %d URLs (at most %d)", len(parts), maxNATSURLs)
	}
	urls := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Opaque != "" {
			return nil, usagef("--nats: %q is not a nats://HOST:PORT URL", p)
		}
		if u.User != nil {
			return nil, usagef("--nats: %q holds credentials: give them in --nats-creds FILE", u.Redacted())
		}
		if u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, usagef("--nats: %q has more than a host and a port", p)
		}
		if host, port, err := net.SplitHostPort(u.Host); err != nil || host == "" || port == "" {
			return nil, usagef("--nats: %q needs a host and a port (nats://HOST:PORT)", p)
		}
		urls = append(urls, u.String())
	}
	return urls, nil
}

// checkNATSFlags checks the backend flags against the rest of the
// command line, before anything is opened.
func checkNATSFlags(c *cli) ([]string, error) {
	n := c.o.nats
	if n.urls == "" {
		if n.creds != "" || n.replicas != 1 || n.partitions != 0 {
			return nil, usagef("--nats-creds, --nats-replicas and --nats-partitions go with --nats")
		}
		return nil, nil
	}
	if c.g.data != "" {
		return nil, usagef("--data is the SQLite backend's folder: with --nats the mailboxes live in " +
			"JetStream and the relay keeps nothing on disk (leave out one of them)")
	}
	if n.replicas < 1 || n.replicas > 5 {
		return nil, usagef("--nats-replicas %d: JetStream takes 1 to 5", n.replicas)
	}
	if n.partitions < 0 || n.partitions > 1<<16 {
		return nil, usagef("--nats-partitions %d: give 1 to 65536, or 0 for the stream's", n.partitions)
	}
	if n.creds != "" {
		if _, err := os.Stat(n.creds); err != nil {
			return nil, fmt.Errorf("--nats-creds: %w", err)
		}
	}
	return parseNATSURLs(n.urls)
}

// openNATS opens the JetStream backend a relay with --nats runs on.
func openNATS(urls []string, n natsFlags, limits transport.Limits, log *slog.Logger) (*jetstream.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), natsOpenTimeout)
	defer cancel()
	b, err := jetstream.Open(ctx, jetstream.Config{URLs: urls, CredsFile: n.creds, Replicas: n.replicas,
		Partitions: n.partitions, Retention: limits.Retention, Limits: limits.MailboxOptions(), Logger: log})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("NATS JetStream at %s did not answer within %v: %w",
				strings.Join(urls, ","), natsOpenTimeout, err)
		}
		return nil, fmt.Errorf("cannot use NATS JetStream at %s: %w", strings.Join(urls, ","), err)
	}
	return b, nil
}
