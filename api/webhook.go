package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"ratchat/chat"
)

// Webhook is a webhook as the api shows it: never its secret, which only
// webhook.add returns, once.
type Webhook struct {
	ID      int64     `json:"id"`
	URL     string    `json:"url"`
	Created time.Time `json:"created"`
	// Failing is the event being retried now, if one is.
	Failing *WebhookFailing `json:"failing,omitempty"`
	// Dead counts its dead letters.
	Dead int `json:"dead"`
}

// WebhookFailing is the event a webhook is retrying: its sequence number,
// its first failure and the attempts so far.
type WebhookFailing struct {
	Seq      int64     `json:"seq"`
	Since    time.Time `json:"since"`
	Attempts int       `json:"attempts"`
}

// DeadLetter is an event a webhook gave up on after the maximum age.
type DeadLetter struct {
	ID       int64     `json:"id"`
	Webhook  int64     `json:"webhook"`
	Seq      int64     `json:"seq"`
	EventID  string    `json:"event_id"`
	Type     string    `json:"type"`
	Error    string    `json:"error"`
	FirstTry time.Time `json:"first_try"`
	DeadAt   time.Time `json:"dead_at"`
	Attempts int       `json:"attempts"`
	// Replay says a replay is queued.
	Replay bool `json:"replay"`
}

// WebhookAddParams are a webhook's URL (absolute http or https) and its
// secret: absent, a random one is made.
type WebhookAddParams struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// WebhookAddResult is the new webhook and its secret, shown this once.
type WebhookAddResult struct {
	Webhook Webhook `json:"webhook"`
	Secret  string  `json:"secret"`
}

// WebhookListParams are the params of webhook.list: none.
type WebhookListParams struct{}

// WebhookListResult lists the webhooks, oldest first.
type WebhookListResult struct {
	Webhooks []Webhook `json:"webhooks"`
}

// WebhookParams name a webhook by its id.
type WebhookParams struct {
	ID int64 `json:"id"`
}

// WebhookRemoveResult is the webhook removed.
type WebhookRemoveResult struct {
	ID int64 `json:"id"`
}

// WebhookDeadParams name the webhook whose dead letters to list (0 or
// absent: every webhook's).
type WebhookDeadParams struct {
	Webhook int64 `json:"webhook,omitempty"`
}

// WebhookDeadResult lists dead letters, oldest first.
type WebhookDeadResult struct {
	Letters []DeadLetter `json:"letters"`
}

// WebhookReplayParams name the dead letters to replay: one by id, or with
// all every letter (of webhook, when it is set).
type WebhookReplayParams struct {
	ID      int64 `json:"id,omitempty"`
	All     bool  `json:"all,omitempty"`
	Webhook int64 `json:"webhook,omitempty"`
}

// WebhookReplayResult says how many letters were queued for a replay.
type WebhookReplayResult struct {
	Queued int `json:"queued"`
}

// The webhook methods that change where events go (add, remove, replay)
// record themselves in the audit log; the method table gives them the
// admin role, as every method it does not name.

// webhookAdd adds a webhook.
func webhookAdd(ctx context.Context, m *chat.Messenger, p WebhookAddParams) (WebhookAddResult, error) {
	h, err := m.AddWebhook(ctx, p.URL, p.Secret)
	if err != nil {
		return WebhookAddResult{}, err
	}
	if err := auditFrom(ctx, m, "webhook.add", fmt.Sprintf("webhook %d to %s", h.ID, redactURL(h.URL))); err != nil {
		return WebhookAddResult{}, err
	}
	return WebhookAddResult{Webhook: webhookOf(h, 0), Secret: h.Secret}, nil
}

// webhookList lists the webhooks with their dead letters' counts.
func webhookList(ctx context.Context, m *chat.Messenger, _ WebhookListParams) (WebhookListResult, error) {
	hooks, err := m.Webhooks(ctx)
	if err != nil {
		return WebhookListResult{}, err
	}
	dead, err := m.DeadLetters(ctx, 0, false)
	if err != nil {
		return WebhookListResult{}, err
	}
	count := map[int64]int{}
	for _, d := range dead {
		count[d.Webhook]++
	}
	out := WebhookListResult{Webhooks: []Webhook{}}
	for _, h := range hooks {
		out.Webhooks = append(out.Webhooks, webhookOf(h, count[h.ID]))
	}
	return out, nil
}

// webhookRemove removes a webhook and its dead letters.
func webhookRemove(ctx context.Context, m *chat.Messenger, p WebhookParams) (WebhookRemoveResult, error) {
	if err := m.RemoveWebhook(ctx, p.ID); err != nil {
		return WebhookRemoveResult{}, err
	}
	return WebhookRemoveResult{ID: p.ID}, auditFrom(ctx, m, "webhook.remove", fmt.Sprintf("webhook %d", p.ID))
}

// redactURL is a webhook's URL for the audit log: without its query and
// user info, which may hold a secret of the receiver's.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// webhookDead lists dead letters.
func webhookDead(ctx context.Context, m *chat.Messenger, p WebhookDeadParams) (WebhookDeadResult, error) {
	letters, err := m.DeadLetters(ctx, p.Webhook, false)
	if err != nil {
		return WebhookDeadResult{}, err
	}
	out := WebhookDeadResult{Letters: []DeadLetter{}}
	for _, l := range letters {
		out.Letters = append(out.Letters, deadLetterOf(l))
	}
	return out, nil
}

// webhookReplay queues dead letters for a replay.
func webhookReplay(ctx context.Context, m *chat.Messenger, p WebhookReplayParams) (WebhookReplayResult, error) {
	if (p.ID == 0) == !p.All {
		return WebhookReplayResult{}, errorf(CodeInvalidParams, "api: invalid params: give a dead letter's id, or all")
	}
	if p.ID != 0 && p.Webhook != 0 {
		return WebhookReplayResult{}, errorf(CodeInvalidParams, "api: invalid params: webhook goes with all")
	}
	n, err := m.ReplayDeadLetters(ctx, p.Webhook, p.ID)
	if err != nil {
		return WebhookReplayResult{}, err
	}
	what := fmt.Sprintf("dead letter %d", p.ID)
	if p.All {
		what = fmt.Sprintf("all dead letters of webhook %d (0: every webhook)", p.Webhook)
	}
	return WebhookReplayResult{Queued: n}, auditFrom(ctx, m, "webhook.replay", fmt.Sprintf("%s: %d queued", what, n))
}

// webhookOf is a webhook as the api shows it.
func webhookOf(h chat.Webhook, dead int) Webhook {
	w := Webhook{ID: h.ID, URL: h.URL, Created: h.Created, Dead: dead}
	if h.Head.Seq != 0 && h.Head.Attempts > 0 {
		w.Failing = &WebhookFailing{Seq: h.Head.Seq, Since: h.Head.Since, Attempts: h.Head.Attempts}
	}
	return w
}

// deadLetterOf is a dead letter as the api shows it: its event's id and
// type from the body posted, never the body (it holds the message).
func deadLetterOf(d chat.DeadLetter) DeadLetter {
	var ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	json.Unmarshal(d.Body, &ev) // a body that does not parse leaves them empty
	return DeadLetter{ID: d.ID, Webhook: d.Webhook, Seq: d.EventSeq, EventID: ev.ID, Type: ev.Type,
		Error: d.Error, FirstTry: d.FirstTry, DeadAt: d.DeadAt, Attempts: d.Attempts, Replay: d.Replay}
}
