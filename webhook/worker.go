package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ratchat/api"
	"ratchat/chat"
	"ratchat/store"
)

// maxAnswer bounds how much of a receiver's answer is read (and dropped),
// so that the connection can be reused.
const maxAnswer = 64 << 10

// worker delivers the events of one webhook, in order, one at a time.
type worker struct {
	d        *Dispatcher
	hook     chat.Webhook
	consumer string
	head     store.WebhookHead // the failing head event's retry state
}

func (d *Dispatcher) newWorker(h chat.Webhook) *worker {
	return &worker{d: d, hook: h, consumer: chat.WebhookConsumer(h.ID), head: h.Head}
}

// run delivers until ctx ends. A store failure pauses it and starts it
// again from its acknowledged cursor.
func (w *worker) run(ctx context.Context) {
	for {
		err := w.loop(ctx)
		if ctx.Err() != nil {
			return
		}
		w.d.log.Warn("webhook: delivering", "webhook", w.hook.ID, "err", err)
		if !sleep(ctx, w.d.backoff.delay(1)) {
			return
		}
	}
}

// loop reads events past the cursor and delivers them. It acknowledges
// each batch once every event of it was delivered or dead-lettered (a
// write per batch rather than per event: after a crash at most a batch is
// posted again, under the same ids, which receivers drop), replays queued
// dead letters when a replay was asked for, and waits for new events when
// there are none.
func (w *worker) loop(ctx context.Context) error {
	m := w.d.m
	cursor, err := m.EventCursor(ctx, w.consumer)
	if err != nil {
		return err
	}
	changed, replay := m.WebhooksChanged(), true
	for {
		if replay {
			changed = m.WebhooksChanged() // before the read: no replay asked later is missed
			if err := w.replays(ctx); err != nil {
				return err
			}
			replay = false
		}
		events, err := m.EventsAfter(ctx, cursor, w.d.cfg.Batch)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			w.wait(ctx, cursor, changed)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		for _, e := range events {
			if err := w.deliver(ctx, e); err != nil {
				return err
			}
			cursor = e.Seq
		}
		if len(events) > 0 {
			if err := m.AckEvents(ctx, w.consumer, cursor); err != nil {
				return err
			}
		}
		select {
		case <-changed:
			replay = true
		default:
		}
	}
}

// wait returns when an event past cursor was committed, a webhook change
// or replay was asked for, or ctx ended.
func (w *worker) wait(ctx context.Context, cursor int64, changed <-chan struct{}) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-changed:
			cancel()
		case <-wctx.Done():
		}
	}()
	w.d.m.WaitEvents(wctx, cursor) // its error is wctx's, checked by the caller
}

// deliver posts one event until the receiver takes it or the event is
// older than the maximum age since its first failure; then it is
// dead-lettered. It returns an error only when ctx ended or the store
// failed: the event is then not acknowledged, and is tried again.
func (w *worker) deliver(ctx context.Context, e chat.LoggedEvent) error {
	body, err := json.Marshal(api.EventOf(e))
	if err != nil {
		return fmt.Errorf("webhook: encoding event %d: %w", e.Seq, err)
	}
	if w.head.Seq != e.Seq {
		w.head = store.WebhookHead{Seq: e.Seq}
	}
	for {
		took, perr := w.post(ctx, e.ID, body)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if perr == nil {
			w.d.observe(resultOK, took)
			if w.head.Attempts > 0 {
				w.head = store.WebhookHead{}
				return w.d.m.SetWebhookHead(ctx, w.hook.ID, w.head)
			}
			return nil
		}
		wait, dead, err := w.failed(ctx, e.Seq, body, perr)
		if err != nil {
			return err
		}
		// Told after the store: an observer sees the outcome kept.
		w.d.observe(resultFailed, took)
		if dead {
			w.d.observe(resultDead, 0)
			return nil
		}
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// failed records a failed attempt at the head event: it dead-letters the
// event once the maximum age has passed since its first failure, or else
// stores the retry state and returns how long to wait before the next
// attempt (never past the maximum age: the last attempt is made then).
func (w *worker) failed(ctx context.Context, seq int64, body []byte, perr error) (time.Duration, bool, error) {
	now := w.d.cfg.Now()
	if w.head.Since.IsZero() {
		w.head.Since = now
	}
	w.head.Attempts++
	age := now.Sub(w.head.Since)
	w.d.log.Info("webhook: delivery failed", "webhook", w.hook.ID, "event", seq,
		"attempt", w.head.Attempts, "err", perr)
	if age >= w.d.cfg.MaxAge {
		_, err := w.d.m.AddDeadLetter(ctx, chat.DeadLetter{
			Webhook: w.hook.ID, EventSeq: seq, Body: body, Error: perr.Error(),
			FirstTry: w.head.Since, DeadAt: now, Attempts: w.head.Attempts,
		})
		if err != nil {
			return 0, false, err
		}
		w.d.log.Warn("webhook: event dead-lettered", "webhook", w.hook.ID, "event", seq, "attempts", w.head.Attempts)
		// Acknowledged at once: a crash now must not make a second letter.
		if err := w.d.m.AckEvents(ctx, w.consumer, seq); err != nil {
			return 0, false, err
		}
		w.head = store.WebhookHead{}
		return 0, true, nil
	}
	if err := w.d.m.SetWebhookHead(ctx, w.hook.ID, w.head); err != nil {
		return 0, false, err
	}
	return min(w.d.backoff.delay(w.head.Attempts), w.d.cfg.MaxAge-age), false, nil
}

// replays delivers the dead letters queued for a replay, once each: a
// letter delivered is deleted, one that fails goes back to the dead list
// with its new error (the operator replays it again when the receiver is
// fixed). A replay never holds up the live events for long.
func (w *worker) replays(ctx context.Context) error {
	letters, err := w.d.m.DeadLetters(ctx, w.hook.ID, true)
	if err != nil {
		return err
	}
	for _, l := range letters {
		var ev struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(l.Body, &ev); err != nil || ev.ID == "" {
			ev.ID = "ev-" + strconv.FormatInt(l.EventSeq, 10)
		}
		took, perr := w.post(ctx, ev.ID, l.Body)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		reason, result := "", resultOK
		if perr != nil {
			reason, result = perr.Error(), resultFailed
		}
		if err := w.d.m.ReplayDone(ctx, l.ID, reason, perr == nil); err != nil {
			return err
		}
		w.d.observe(result, took) // after the store: an observer sees the outcome kept
	}
	return nil
}

// post makes one attempt: the body, signed, with the event's id. It
// returns how long the receiver took to answer and nil for a 2xx answer.
// The error never names the URL (it may carry a token of the receiver's).
func (w *worker) post(ctx context.Context, id string, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook: request: %w", errors.Unwrap(err))
	}
	ts := w.d.cfg.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ratchat-webhook/1")
	req.Header.Set(HeaderEventID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.hook.Secret, ts, body))
	start := time.Now()
	resp, err := w.d.cfg.Client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return time.Since(start), fmt.Errorf("webhook: posting: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode/100 != 2 {
		return took, &StatusError{Status: resp.StatusCode}
	}
	return took, nil
}
