package cli

import (
	"context"
	"flag"
	"time"
)

// eventsPart is serve's part of the durable event log: the log itself is
// written by the store's triggers and read through the api (events.read,
// events.ack, and /events, which the http part mounts), so what is left
// to run is retention: events past store.EventRetention that every
// consumer acknowledged are pruned at start and every pruneInterval.
type eventsPart struct{}

// pruneInterval is how often serve prunes the event log.
const pruneInterval = time.Hour

func init() { addServePart(10, func() servePart { return &eventsPart{} }) }

// flags: the event log has none (its retention is fixed at 7 days).
func (*eventsPart) flags(*flag.FlagSet) {}

// start prunes in the background until stop.
func (*eventsPart) start(ctx context.Context, _ *cli, env *serveEnv) (func() error, error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(pruneInterval)
		defer tick.Stop()
		for {
			if n, err := env.M.PruneEvents(ctx); err != nil && ctx.Err() == nil {
				env.Log.Warn("pruning the event log", "err", err)
			} else if n > 0 {
				env.Log.Info("pruned the event log", "events", n)
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() error { cancel(); <-done; return nil }, nil
}
