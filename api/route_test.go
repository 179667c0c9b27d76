package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// TestRouterEndToEnd: customers write to a business (message requests);
// the router, reading the event log, gives each conversation to the agent
// with the skill its first message names; the agent sees it over HTTP,
// accepts and answers it, closes it, and the customer's next message
// opens a new conversation. Every step is in the audit log's hands (its
// entries are C's to verify).
func TestRouterEndToEnd(t *testing.T) {
	k := newHTTPKit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tech, _, err := k.m.CreateAPIToken(ctx, chat.TokenSpec{Role: store.TokenAgent, Name: "Ted", Skills: []string{"tech"}})
	if err != nil {
		t.Fatal(err)
	}
	rule, err := chat.ParseRouteRule("tech=crash,bug")
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	routed := make(chan error, 1)
	go func() { routed <- k.m.RunRouter(rctx, []chat.RouteRule{rule}) }()
	defer func() {
		stop()
		if err := <-routed; !errors.Is(err, context.Canceled) {
			t.Errorf("the router: %v", err)
		}
	}()

	dave := newProfile(t, "Dave")
	waitOnline(t, dave)
	inv, _ := k.m.Invite()
	if _, err := dave.AddContact(ctx, inv, "biz"); err != nil {
		t.Fatal(err)
	}
	c, err := dave.FindContact(ctx, "biz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dave.Send(ctx, c.ID, "the app shows a bug"); err != nil {
		t.Fatal(err)
	}
	conv := waitAssigned(t, k, tech)
	if a, err := k.m.Assignment(ctx, conv); err != nil || a.Skill != "tech" {
		t.Errorf("assignment %+v, %v: want skill tech", a, err)
	}
	id := fmt.Sprint(conv)
	for _, m := range []struct {
		method string
		params any
	}{
		{"accept", RequestParams{Contact: id}},
		{"send", SendParams{Contact: id, Text: "on it"}},
		{"conversation.read", ReadParams{Contact: id}},
		{"conversation.close", ConversationParams{Contact: id}},
	} {
		if code := k.rpcCode(t, tech, m.method, m.params); code != 0 {
			t.Fatalf("%s by the agent: code %d", m.method, code)
		}
	}
	if code := k.rpcCode(t, tech, "messages", MessagesParams{Contact: id, N: 5}); code != CodeForbidden {
		t.Errorf("messages after close: code %d, want %d", code, CodeForbidden)
	}
	if _, err := dave.Send(ctx, c.ID, "thanks! another crash though"); err != nil {
		t.Fatal(err)
	}
	if again := waitAssigned(t, k, tech); again != conv {
		t.Errorf("the reopened conversation is %d, want %d", again, conv)
	}
	log, err := k.m.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	routes := 0
	for _, e := range log {
		if e.Actor == "router" && e.Action == "conversation.route" && strings.Contains(e.Detail, fmt.Sprintf("conversation %d ", conv)) {
			routes++
		}
	}
	if routes != 2 {
		t.Errorf("the audit log has %d routings of conversation %d, want 2: %+v", routes, conv, log)
	}
}

// waitAssigned waits until the agent of token has a conversation, and
// returns it: after each new event, until the router has handled it.
func waitAssigned(t *testing.T, k *httpKit, token string) store.ContactID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		last, err := k.m.LastEventSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.m.WaitRouted(ctx, last); err != nil {
			t.Fatalf("the router did not reach event %d: %v", last, err)
		}
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "conversations.mine"})
		_, out := k.post(t, PathRPC, token, string(body))
		var resp struct {
			Result ConversationsResult `json:"result"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Result.Conversations) > 0 {
			return store.ContactID(resp.Result.Conversations[0].Contact.ID)
		}
		if err := k.m.WaitEvents(ctx, last); err != nil {
			t.Fatalf("no conversation for the agent: %v", err)
		}
	}
}
