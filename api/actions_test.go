package api

import (
	"context"
	"testing"
	"time"

	"ratchat/chat"
)

// waitEvent reads m's events until ok accepts one, failing after 10 s.
func waitEvent(t *testing.T, m *chat.Messenger, what string, ok func(chat.Event) bool) chat.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-m.Events():
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s", what)
		}
	}
}

// TestMessageActionMethods drives reply, edit, react, info and delete
// through Alice's socket, with Bob on loopback, and their errors.
func TestMessageActionMethods(t *testing.T) {
	ctx := context.Background()
	bob, alice := newProfile(t, "Bob"), newProfile(t, "Alice")
	waitOnline(t, bob)
	waitOnline(t, alice)
	listen(t, alice, Config{})
	c := dial(t, alice)
	bobInvite, _ := bob.Invite()
	call[AddResult](t, c, "add", AddParams{Invite: bobInvite, Name: "Bob"})
	e := waitEvent(t, bob, "Alice's request", func(e chat.Event) bool {
		cc, ok := e.(chat.ContactChanged)
		return ok && cc.Contact.State == chat.StateRequest && cc.Contact.Name == "Alice"
	})
	aliceAtBob := e.(chat.ContactChanged).Contact.ID
	if err := bob.Accept(ctx, aliceAtBob); err != nil {
		t.Fatal(err)
	}
	theirs, err := bob.Send(ctx, aliceAtBob, "from bob")
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, alice, "bob's message", func(e chat.Event) bool {
		r, ok := e.(chat.MessageReceived)
		return ok && r.Message.ID == theirs.ID
	})
	theirsID := newMessage(theirs).ID

	sent := call[SendResult](t, c, "send", SendParams{Contact: "Bob", Text: "first", WaitSeconds: 10})
	short := sent.ID[:chat.ShortIDLen]
	r := call[MessageResult](t, c, "reply", ReplyParams{Contact: "Bob", Message: theirsID[:10], Text: "a reply"})
	if r.Message.Quote != theirsID || r.Message.Text != "a reply" {
		t.Errorf("reply: %+v", r)
	}
	r = call[MessageResult](t, c, "edit", EditParams{Contact: "Bob", Message: short, Text: "second"})
	if r.Message.Text != "second" || r.Message.Edited.IsZero() || r.Message.ID != sent.ID {
		t.Errorf("edit: %+v", r)
	}
	r = call[MessageResult](t, c, "react", ReactParams{Contact: "Bob", Message: theirsID, Emoji: "🎉"})
	if len(r.Message.Reactions) != 1 || r.Message.Reactions[0] != (Reaction{From: "out", Emoji: "🎉"}) {
		t.Errorf("react: %+v", r)
	}
	info := call[InfoResult](t, c, "info", MessageParams{Contact: "Bob", Message: short})
	if len(info.Versions) != 1 || info.Versions[0].Text != "first" || info.Written.IsZero() || info.Sent.IsZero() {
		t.Errorf("info: %+v", info)
	}
	r = call[MessageResult](t, c, "delete", DeleteParams{Contact: "Bob", Message: short, ForEveryone: true})
	if r.Message.Kind != "deleted" || r.Message.Text != "" {
		t.Errorf("delete: %+v", r)
	}
	hist := call[MessagesResult](t, c, "messages", MessagesParams{Contact: "Bob", N: 50})
	kinds := map[string]string{}
	for _, m := range hist.Messages {
		kinds[m.ID] = m.Kind
	}
	if kinds[sent.ID] != "deleted" || kinds[theirsID] != "text" {
		t.Errorf("messages after delete: %+v", hist.Messages)
	}

	for _, tt := range []struct {
		name, method string
		params       any
		code         int
		cause        error
	}{
		{"no such message", "info", MessageParams{Contact: "Bob", Message: "00000000"}, CodeNoMessage, chat.ErrNoMessage},
		{"id too short", "edit", EditParams{Contact: "Bob", Message: "abc", Text: "x"}, CodeNoMessage, chat.ErrNoMessage},
		{"no message", "react", ReactParams{Contact: "Bob", Emoji: "👍"}, CodeInvalidParams, ErrInvalidParams},
		{"empty edit", "edit", EditParams{Contact: "Bob", Message: short}, CodeInvalidParams, ErrInvalidParams},
		{"bob's message", "edit", EditParams{Contact: "Bob", Message: theirsID, Text: "x"}, CodeNotOwnMessage, chat.ErrNotOwnMessage},
		{"bob's, for everyone", "delete", DeleteParams{Contact: "Bob", Message: theirsID, ForEveryone: true}, CodeNotOwnMessage, chat.ErrNotOwnMessage},
		{"deleted", "react", ReactParams{Contact: "Bob", Message: short, Emoji: "👍"}, CodeNotActionable, chat.ErrNotActionable},
		{"two emoji", "react", ReactParams{Contact: "Bob", Message: theirsID, Emoji: "👍👍"}, CodeBadEmoji, chat.ErrBadEmoji},
		{"unknown contact", "reply", ReplyParams{Contact: "nobody", Message: short, Text: "x"}, CodeNoContact, chat.ErrNoContact},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, c.Call(ctx, tt.method, tt.params, nil), tt.code, tt.cause)
		})
	}
}
