package cli

import (
	"context"
	"errors"
	"flag"

	"ratchat/webhook"
)

func init() { addServePart(30, func() servePart { return &webhooksPart{} }) }

// webhooksPart runs the webhook dispatcher: every webhook's events are
// posted from its own cursor in the event log (see package webhook).
type webhooksPart struct{}

func (p *webhooksPart) flags(*flag.FlagSet) {}

func (p *webhooksPart) start(ctx context.Context, c *cli, env *serveEnv) (func() error, error) {
	cfg := webhook.Config{Messenger: env.M, Logger: env.Log}
	if mp := findServePart[*metricsPart](c); mp != nil {
		cfg.Observer = mp.metrics(env)
	}
	d, err := webhook.New(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return func() error {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}, nil
}

// findServePart returns this invocation's part of type P, or the zero P.
func findServePart[P servePart](c *cli) P {
	for _, p := range c.o.serveParts {
		if q, ok := p.(P); ok {
			return q
		}
	}
	var zero P
	return zero
}
