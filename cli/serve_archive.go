package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"time"

	"ratchat/chat"
)

func init() { addServePart(20, func() servePart { return &archivePart{} }) }

// archivePrune is how often serve prunes the archive (retention) and the
// audit log (one year).
const archivePrune = time.Hour

// archivePart runs the compliance archive under serve: with --archive it
// enables the archive and drains its queue as soon as a commit fills it
// (chat.Messenger.RunArchive), and at least every --archive-every besides
// (the queue is durable: a row waits there, never lost, until drained),
// and prunes the archive and the audit log hourly. Without --archive it
// still prunes the audit log.
type archivePart struct {
	on        bool
	retention string
	every     time.Duration
}

// flags registers --archive, --retention and --archive-every.
func (p *archivePart) flags(fs *flag.FlagSet) {
	fs.BoolVar(&p.on, "archive", false, "keep the compliance archive: every message in and out, edits, deletions, reactions")
	fs.StringVar(&p.retention, "retention", "", "with --archive: how long the archive keeps records, such as 7y or 90d (default: as set, else 7y)")
	fs.DurationVar(&p.every, "archive-every", time.Minute, "with --archive: a fallback: the archive's queue is drained as soon as a message is stored, and at least this often")
}

// start enables the archive if asked and starts the drain loop.
func (p *archivePart) start(ctx context.Context, c *cli, env *serveEnv) (func() error, error) {
	if p.retention != "" && !p.on {
		return nil, usagef("--retention goes with --archive")
	}
	if p.on {
		if err := p.enable(ctx, env.M); err != nil {
			return nil, err
		}
	}
	if p.every <= 0 { // serve started without its flags (tests), or a nonsense value
		p.every = time.Minute
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.run(ctx, env)
	}()
	if p.on {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env.M.RunArchive(ctx, p.every, env.Log)
		}()
	}
	return func() error {
		cancel()
		wg.Wait()
		if !p.on {
			return nil
		}
		_, err := env.M.DrainArchive(context.Background())
		return err
	}, nil
}

// enable turns the archive on, unless it already is with that retention
// (so that a restart writes no audit entry).
func (p *archivePart) enable(ctx context.Context, m *chat.Messenger) error {
	var d time.Duration
	if p.retention != "" {
		var err error
		if d, err = chat.ParseRetention(p.retention); err != nil {
			return usagef("%v", err)
		}
	}
	s, err := m.ArchiveStatus(ctx)
	switch {
	case err != nil && !errors.Is(err, chat.ErrArchiveOff):
		return err
	case err == nil && s.Enabled && (d == 0 || d == s.Retention):
		return nil
	}
	return m.EnableArchive(ctx, d, "serve")
}

// run prunes until ctx ends, logging failures.
func (p *archivePart) run(ctx context.Context, env *serveEnv) {
	prune := time.NewTicker(archivePrune)
	defer prune.Stop()
	p.prune(ctx, env)
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			p.prune(ctx, env)
		}
	}
}

// prune applies the archive's retention (unless held) and the audit
// log's year.
func (p *archivePart) prune(ctx context.Context, env *serveEnv) {
	if p.on {
		if n, err := env.M.PruneArchive(ctx); err != nil && ctx.Err() == nil {
			env.Log.Error("archive: prune failed", "err", err)
		} else if n > 0 {
			env.Log.Info("archive: pruned", "segments", n)
		}
	}
	if n, err := env.M.PruneAudit(ctx, 0); err != nil && ctx.Err() == nil {
		env.Log.Error("audit: prune failed", "err", err)
	} else if n > 0 {
		env.Log.Info("audit: pruned", "entries", fmt.Sprint(n))
	}
}
