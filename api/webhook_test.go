package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
)

// TestWebhookMethods drives webhook.* through the socket: add (a secret
// made or given, a bad URL refused), list (never a secret), dead letters
// listed with their event's id and type, replay of one or all, remove
// (its cursor goes too), and each error's code.
func TestWebhookMethods(t *testing.T) {
	ctx := context.Background()
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{})
	c := dial(t, alice)

	made := call[WebhookAddResult](t, c, "webhook.add", WebhookAddParams{URL: "https://desk.example.com/hook"})
	if !strings.HasPrefix(made.Secret, "whsec_") || made.Webhook.ID != 1 || made.Webhook.URL != "https://desk.example.com/hook" {
		t.Errorf("add: %+v", made)
	}
	given := call[WebhookAddResult](t, c, "webhook.add", WebhookAddParams{URL: "http://127.0.0.1:9/x", Secret: "a secret of ours!"})
	if given.Secret != "a secret of ours!" || given.Webhook.ID != 2 {
		t.Errorf("add with a secret: %+v", given)
	}
	for _, p := range []WebhookAddParams{
		{URL: "ftp://example.com/"}, {URL: "/relative"}, {URL: "https://"}, {URL: "http://x", Secret: "short"},
	} {
		err := c.Call(ctx, "webhook.add", p, nil)
		wantCode(t, err, CodeInvalidWebhook, chat.ErrInvalidWebhook)
	}

	var raw json.RawMessage
	if err := c.Call(ctx, "webhook.list", nil, &raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "whsec_") || strings.Contains(string(raw), "ours") {
		t.Errorf("webhook.list shows a secret: %s", raw)
	}

	body := []byte(`{"id":"ev-9","seq":9,"type":"message.received"}`)
	now := time.Now()
	if _, err := alice.AddDeadLetter(ctx, chat.DeadLetter{Webhook: 2, EventSeq: 9, Body: body, Error: "webhook: receiver answered 500",
		FirstTry: now.Add(-time.Hour), DeadAt: now, Attempts: 12}); err != nil {
		t.Fatal(err)
	}
	list := call[WebhookListResult](t, c, "webhook.list", nil)
	if len(list.Webhooks) != 2 || list.Webhooks[0].Dead != 0 || list.Webhooks[1].Dead != 1 {
		t.Errorf("list: %+v", list)
	}
	dead := call[WebhookDeadResult](t, c, "webhook.dead", WebhookDeadParams{Webhook: 2})
	if len(dead.Letters) != 1 {
		t.Fatalf("dead: %+v", dead)
	}
	l := dead.Letters[0]
	if l.EventID != "ev-9" || l.Type != "message.received" || l.Seq != 9 || l.Attempts != 12 || l.Replay || !strings.Contains(l.Error, "500") {
		t.Errorf("dead letter: %+v", l)
	}
	if d := call[WebhookDeadResult](t, c, "webhook.dead", WebhookDeadParams{Webhook: 1}); len(d.Letters) != 0 {
		t.Errorf("webhook 1's dead letters: %+v", d)
	}

	for _, p := range []WebhookReplayParams{{}, {ID: 1, All: true}, {ID: 1, Webhook: 2}} {
		wantCode(t, c.Call(ctx, "webhook.replay", p, nil), CodeInvalidParams, ErrInvalidParams)
	}
	wantCode(t, c.Call(ctx, "webhook.replay", WebhookReplayParams{ID: 99}, nil), CodeNoDeadLetter, chat.ErrNoDeadLetter)
	if r := call[WebhookReplayResult](t, c, "webhook.replay", WebhookReplayParams{All: true, Webhook: 1}); r.Queued != 0 {
		t.Errorf("replay of webhook 1: %+v", r)
	}
	if r := call[WebhookReplayResult](t, c, "webhook.replay", WebhookReplayParams{ID: l.ID}); r.Queued != 1 {
		t.Errorf("replay: %+v", r)
	}
	if d := call[WebhookDeadResult](t, c, "webhook.dead", nil); len(d.Letters) != 1 || !d.Letters[0].Replay {
		t.Errorf("after replay: %+v", d)
	}

	call[WebhookRemoveResult](t, c, "webhook.remove", WebhookParams{ID: 2})
	wantCode(t, c.Call(ctx, "webhook.remove", WebhookParams{ID: 2}, nil), CodeNoWebhook, chat.ErrNoWebhook)
	if d := call[WebhookDeadResult](t, c, "webhook.dead", nil); len(d.Letters) != 0 {
		t.Errorf("a removed webhook's dead letters stay: %+v", d)
	}
	consumers, err := alice.EventConsumers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := consumers[chat.WebhookConsumer(2)]; ok || len(consumers) != 1 {
		t.Errorf("consumers after remove: %v", consumers)
	}
	if l := call[WebhookListResult](t, c, "webhook.list", nil); len(l.Webhooks) != 1 || l.Webhooks[0].ID != 1 {
		t.Errorf("list after remove: %+v", l)
	}
	// Adding, removing and replaying are administrative: each is audited.
	log, err := alice.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, r := range log {
		actions[r.Action]++
		if strings.Contains(r.Detail, "?") {
			t.Errorf("audit entry keeps a url's query: %+v", r)
		}
	}
	if actions["webhook.add"] < 2 || actions["webhook.remove"] != 1 || actions["webhook.replay"] != 2 {
		t.Errorf("audited actions %v, want two adds or more, a remove and two replays", actions)
	}
}
