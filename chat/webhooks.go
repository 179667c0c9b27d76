package chat

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"ratchat/store"
)

// Webhook is a URL that every event is posted to, signed with its secret
// (package webhook delivers them; the api's webhook.* methods manage them).
type Webhook = store.Webhook

// DeadLetter is an event a webhook gave up on (see [store.DeadLetter]).
type DeadLetter = store.DeadLetter

// Errors of the webhook methods. They live here, with the webhooks, rather
// than in errors.go, which another part of issue 13 edits.
var (
	// ErrInvalidWebhook is returned by [Messenger.AddWebhook] for a URL
	// that is not absolute http or https, or a secret too short or long.
	ErrInvalidWebhook = errors.New("chat: invalid webhook")
	// ErrNoWebhook is returned for a webhook id that does not exist.
	ErrNoWebhook = errors.New("chat: no such webhook")
	// ErrNoDeadLetter is returned for a dead letter id that does not exist.
	ErrNoDeadLetter = errors.New("chat: no such dead letter")
)

// noWebhook makes the store's ErrNotFound [ErrNoWebhook].
func noWebhook(err error, id int64) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %d", ErrNoWebhook, id)
	}
	return err
}

// noDeadLetter makes the store's ErrNotFound [ErrNoDeadLetter].
func noDeadLetter(err error, id int64) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %d", ErrNoDeadLetter, id)
	}
	return err
}

// webhookSecretPrefix starts every generated secret, so that one pasted
// in the wrong place is recognised.
const webhookSecretPrefix = "whsec_"

// webhookConsumerPrefix starts the name of every webhook's event cursor.
const webhookConsumerPrefix = "webhook:"

// WebhookConsumer is the name of webhook id's cursor in the event log.
func WebhookConsumer(id int64) string { return webhookConsumerPrefix + strconv.FormatInt(id, 10) }

// hookState wakes the webhook dispatcher when the webhooks or their
// replays change; the zero value is ready.
type hookState struct {
	mu sync.Mutex
	ch chan struct{}
}

// changed returns a channel closed at the next change.
func (h *hookState) changed() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ch == nil {
		h.ch = make(chan struct{})
	}
	return h.ch
}

// notify closes the channel of the waiters.
func (h *hookState) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ch != nil {
		close(h.ch)
		h.ch = nil
	}
}

// WebhooksChanged returns a channel closed the next time a webhook is
// added or removed, or dead letters are queued for a replay.
func (m *Messenger) WebhooksChanged() <-chan struct{} { return m.hooks.changed() }

// AddWebhook adds a webhook posting to rawURL (http or https, absolute),
// signed with secret, or with a new random secret ("whsec_" and 64 hex
// digits) when it is empty. It delivers the events from now on: its
// cursor starts at the log's last event.
func (m *Messenger) AddWebhook(ctx context.Context, rawURL, secret string) (Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Webhook{}, fmt.Errorf("%w: %q is no http or https URL", ErrInvalidWebhook, rawURL)
	}
	if secret == "" {
		var b [32]byte
		if _, err := io.ReadFull(m.rand, b[:]); err != nil {
			return Webhook{}, err
		}
		secret = webhookSecretPrefix + hex.EncodeToString(b[:])
	}
	if len(secret) < 16 || len(secret) > store.MaxWebhookSecret || len(rawURL) > store.MaxWebhookURL {
		return Webhook{}, fmt.Errorf("%w: a secret has 16 to %d bytes, a URL at most %d", ErrInvalidWebhook,
			store.MaxWebhookSecret, store.MaxWebhookURL)
	}
	last, err := m.st.LastEventSeq(ctx)
	if err != nil {
		return Webhook{}, err
	}
	h, err := m.st.AddWebhook(ctx, rawURL, secret)
	if err != nil {
		return Webhook{}, err
	}
	if err := m.st.AckEvents(ctx, WebhookConsumer(h.ID), last); err != nil {
		return Webhook{}, err
	}
	m.hooks.notify()
	return h, nil
}

// Webhooks returns every webhook, oldest first.
func (m *Messenger) Webhooks(ctx context.Context) ([]Webhook, error) { return m.st.Webhooks(ctx) }

// Webhook returns webhook id, or [ErrNoWebhook].
func (m *Messenger) Webhook(ctx context.Context, id int64) (Webhook, error) {
	h, err := m.st.Webhook(ctx, id)
	return h, noWebhook(err, id)
}

// RemoveWebhook removes webhook id, its dead letters and its cursor.
func (m *Messenger) RemoveWebhook(ctx context.Context, id int64) error {
	if err := noWebhook(m.st.RemoveWebhook(ctx, id), id); err != nil {
		return err
	}
	m.hooks.notify()
	return m.st.RemoveEventConsumer(ctx, WebhookConsumer(id))
}

// SetWebhookHead records the retry state of webhook id's head event.
func (m *Messenger) SetWebhookHead(ctx context.Context, id int64, h store.WebhookHead) error {
	return m.st.SetWebhookHead(ctx, id, h)
}

// AddDeadLetter stores a letter a webhook gave up on (clearing its head
// state).
func (m *Messenger) AddDeadLetter(ctx context.Context, d DeadLetter) (int64, error) {
	return m.st.AddDeadLetter(ctx, d)
}

// DeadLetters returns the dead letters of webhook (0: every webhook's),
// oldest first; with replaying, only those queued for a replay.
func (m *Messenger) DeadLetters(ctx context.Context, webhook int64, replaying bool) ([]DeadLetter, error) {
	return m.st.DeadLetters(ctx, webhook, replaying)
}

// ReplayDeadLetters queues dead letters for a replay: letter id, or with
// id 0 every letter of webhook (0: of every webhook), and wakes the
// dispatcher. It returns how many were queued.
func (m *Messenger) ReplayDeadLetters(ctx context.Context, webhook, id int64) (int, error) {
	n, err := m.st.ReplayDeadLetters(ctx, webhook, id)
	if err != nil {
		return 0, noDeadLetter(err, id)
	}
	m.hooks.notify()
	return n, nil
}

// ReplayDone records a replay's outcome: delivered (the letter goes), or
// failed with reason (it returns to the dead list).
func (m *Messenger) ReplayDone(ctx context.Context, id int64, reason string, delivered bool) error {
	if delivered {
		return m.st.DeleteDeadLetter(ctx, id)
	}
	return m.st.ReplayFailed(ctx, id, reason)
}

// DropStaleWebhookCursors removes the event cursors of webhooks that no
// longer exist: a worker stopping after [Messenger.RemoveWebhook] may have
// acknowledged once more, and a crash may fall between the two removals.
// A stale cursor would hold events back from pruning for ever.
func (m *Messenger) DropStaleWebhookCursors(ctx context.Context) error {
	cursors, err := m.st.EventConsumers(ctx)
	if err != nil {
		return err
	}
	hooks, err := m.st.Webhooks(ctx)
	if err != nil {
		return err
	}
	live := make(map[string]bool, len(hooks))
	for _, h := range hooks {
		live[WebhookConsumer(h.ID)] = true
	}
	for name := range cursors {
		if strings.HasPrefix(name, webhookConsumerPrefix) && !live[name] {
			if err := m.st.RemoveEventConsumer(ctx, name); err != nil {
				return err
			}
		}
	}
	return nil
}
