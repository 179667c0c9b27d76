package transport

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"ratchat/internal/natstest"
	"ratchat/transport/jetstream"
	"ratchat/transport/mailbox"
)

// testPartitions is the number of mailbox partitions of the test kits'
// JetStream backends: few, so that a node per test starts fast.
const testPartitions = 8

// kitBackend returns the backend a test home runs on: cfg's own if it
// has one, nil (SQLite in cfg.DataDir) by default, and with
// RATCHAT_RELAY_BACKEND=jetstream a JetStream backend on the embedded
// NATS node of cfg.DataDir (see [natstest.ForDir]), with cfg's limits.
func kitBackend(t testing.TB, cfg Config) mailbox.Backend {
	t.Helper()
	if cfg.Backend != nil || !natstest.OnJetStream(t) {
		return cfg.Backend
	}
	return openJetStream(t, natstest.ForDir(t, cfg.DataDir).URLs(), cfg.Limits.withDefaults(cfg.Mode), 1, testPartitions, nil)
}

// openJetStream opens a JetStream backend on urls with lim's retention
// and quotas. The home that takes it closes it.
func openJetStream(t testing.TB, urls []string, lim Limits, replicas, partitions int, logger *slog.Logger) mailbox.Backend {
	t.Helper()
	// Why 30 s: a cluster just started (a load benchmark's second
	// start, right after its first) can take a while to make the stream.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := jetstream.Open(ctx, jetstream.Config{URLs: urls, Replicas: replicas, Partitions: partitions,
		Retention: lim.Retention, Limits: lim.MailboxOptions(), Logger: logger})
	if err != nil {
		fmt.Printf("error %v\n", err) // a relay child's parent reads it (see relayProc.line)
		t.Fatal(err)
	}
	return b
}
