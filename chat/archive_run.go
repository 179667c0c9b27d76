package chat

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// WaitArchiveQueue returns when the archive's queue holds a row (a
// message row was inserted, changed or deleted while the archive is on),
// or with ctx's error when ctx ends first. It is woken by the store's
// commits, not by polling.
func (m *Messenger) WaitArchiveQueue(ctx context.Context) error {
	for {
		next := m.st.Committed() // before the count: a commit in between closes it
		n, err := m.st.ArchiveQueued(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// RunArchive drains the archive's queue until ctx ends: as soon as a
// commit queues a row ([Messenger.WaitArchiveQueue]), and at least every
// fallback besides (a drain that failed is tried again then, and a
// wake-up missed for any reason costs at most that). Rows committed
// while a drain runs are taken by the next one, so a burst of messages
// is archived in a few batches, not one drain per message. Failures are
// logged to log (nil: discarded); the queue keeps what could not be
// drained. It returns ctx's error.
func (m *Messenger) RunArchive(ctx context.Context, fallback time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, fallback)
		err := m.WaitArchiveQueue(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			log.Error("archive: waiting for the queue", "err", err)
		}
		if _, err := m.DrainArchive(ctx); err != nil && ctx.Err() == nil {
			log.Error("archive: drain failed", "err", err)
			if err := sleepCtx(ctx, fallback); err != nil {
				return err
			}
		}
	}
}

// sleepCtx waits d or until ctx ends. RunArchive waits so after a failed
// drain: the queue still holds its rows, so waiting on the queue would
// return at once and spin on the failure.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
