package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"ratchat/chat"
)

// Observer is told of every delivery attempt: result is "ok", "failed" or
// "dead" (the metrics' labels), took how long the POST took (0 for dead).
// It must not block.
type Observer interface {
	WebhookDelivered(result string, took time.Duration)
}

// Results of an attempt, as an [Observer] is told.
const (
	resultOK     = "ok"
	resultFailed = "failed"
	resultDead   = "dead"
)

// Config configures a [Dispatcher].
type Config struct {
	// Messenger is the profile whose events are delivered (required).
	Messenger *chat.Messenger
	// Client posts the deliveries; default: a client with Timeout
	// [DefaultTimeout] that follows no redirect (a 3xx is a failure: a
	// signed delivery goes where the operator said, nowhere else).
	Client *http.Client
	// MinBackoff, MaxBackoff and MaxAge set the retry schedule; defaults
	// [DefaultMinBackoff], [DefaultMaxBackoff], [DefaultMaxAge].
	MinBackoff, MaxBackoff, MaxAge time.Duration
	// Batch is how many events a worker reads at once; default
	// [DefaultBatch].
	Batch int
	// Observer, if set, is told of every attempt (the metrics).
	Observer Observer
	// Now is the clock (default time.Now): the timestamps signed and the
	// maximum age are read from it; waits between attempts are real.
	Now func() time.Time
	// Jitter, if set, replaces the random part of the backoff: it returns
	// a number in [0, n). Tests make it 0.
	Jitter func(n int64) int64
	// Logger gets the failures (never a body or a secret); default discard.
	Logger *slog.Logger
}

// Dispatcher delivers a profile's events to its webhooks: one worker per
// webhook, each reading the event log from its own cursor (consumer
// "webhook:<id>") and posting one event at a time, in order, so that a
// receiver sees a conversation's events in the order they happened.
type Dispatcher struct {
	cfg     Config
	m       *chat.Messenger
	backoff backoff
	log     *slog.Logger
}

// New checks cfg, fills its defaults and returns a dispatcher; [Dispatcher.Run]
// runs it.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Messenger == nil {
		return nil, fmt.Errorf("%w: no messenger", ErrConfig)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			Timeout:       DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.MinBackoff, DefaultMinBackoff)
	def(&cfg.MaxBackoff, DefaultMaxBackoff)
	def(&cfg.MaxAge, DefaultMaxAge)
	if cfg.MinBackoff < 0 || cfg.MaxBackoff < cfg.MinBackoff || cfg.MaxAge < 0 {
		return nil, fmt.Errorf("%w: backoff %v to %v, max age %v", ErrConfig, cfg.MinBackoff, cfg.MaxBackoff, cfg.MaxAge)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{
		cfg: cfg, m: cfg.Messenger, log: cfg.Logger,
		backoff: backoff{min: cfg.MinBackoff, max: cfg.MaxBackoff, jitter: cfg.Jitter},
	}, nil
}

// Run delivers until ctx ends, starting a worker for each webhook and
// stopping the worker of one removed; it returns ctx's error once every
// worker stopped. A store that fails is logged and tried again: delivery
// resumes from the cursors.
func (d *Dispatcher) Run(ctx context.Context) error {
	type running struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	workers := map[int64]running{}
	var wg sync.WaitGroup
	defer func() {
		for _, w := range workers {
			w.cancel()
		}
		wg.Wait()
	}()
	first := true
	for {
		changed := d.m.WebhooksChanged() // before reading: no change is missed
		hooks, err := d.m.Webhooks(ctx)
		if err != nil {
			// The store failing now may not fail later: the workers go
			// on, and the webhooks are read again after a pause.
			d.log.Warn("webhook: reading the webhooks", "err", err)
			if !sleep(ctx, d.backoff.delay(1)) {
				return ctx.Err()
			}
			continue
		}
		live := map[int64]bool{}
		for _, h := range hooks {
			live[h.ID] = true
			if _, ok := workers[h.ID]; ok {
				continue
			}
			wctx, cancel := context.WithCancel(ctx)
			w := running{cancel: cancel, done: make(chan struct{})}
			workers[h.ID] = w
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(w.done)
				d.newWorker(h).run(wctx)
			}()
		}
		stopped := false
		for id, w := range workers {
			if !live[id] {
				w.cancel()
				<-w.done // its last ack is made before its cursor is dropped
				delete(workers, id)
				stopped = true
			}
		}
		if stopped || first {
			if err := d.m.DropStaleWebhookCursors(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("webhook: dropping the cursors of removed webhooks", "err", err)
			}
		}
		first = false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// observe tells the observer of an attempt.
func (d *Dispatcher) observe(result string, took time.Duration) {
	if d.cfg.Observer != nil {
		d.cfg.Observer.WebhookDelivered(result, took)
	}
}

// sleep waits for dur or ctx's end, and reports whether dur passed.
func sleep(ctx context.Context, dur time.Duration) bool {
	if dur <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
