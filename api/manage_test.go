package api

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/chat"
)

// TestSearchRenameRemoveExport drives search, rename, export, block with
// contacts' blocked listing, unblock and remove through Alice's socket,
// with Bob online on loopback.
func TestSearchRenameRemoveExport(t *testing.T) {
	bob, alice := newProfile(t, "Bob"), newProfile(t, "Alice")
	waitOnline(t, bob)
	listen(t, alice, Config{})
	c := dial(t, alice)
	bobInvite, _ := bob.Invite()
	call[AddResult](t, c, "add", AddParams{Invite: bobInvite, Name: "Bob"})
	sent := call[SendResult](t, c, "send", SendParams{Contact: "1", Text: "Lunch at the Café?"})
	select {
	case <-alice.SearchReady():
	case <-time.After(10 * time.Second):
		t.Fatal("the search index was not built")
	}

	found := call[SearchResult](t, c, "search", SearchParams{Query: "cafe"})
	if !found.Complete || len(found.Results) != 1 || found.Results[0].Message.ID != sent.ID ||
		found.Results[0].Contact.Name != "Bob" || found.Results[0].Snippet != "Lunch at the Café?" {
		t.Fatalf("search: %+v", found)
	}
	if r := call[SearchResult](t, c, "search", SearchParams{Query: "lunch", Contact: "Bob", Limit: 1}); len(r.Results) != 1 {
		t.Errorf("search within Bob's chat: %+v", r)
	}

	renamed := call[RenameResult](t, c, "rename", RenameParams{Contact: "Bob", Name: "Robert"})
	if renamed.Contact.Name != "Robert" || renamed.Contact.ID != 1 {
		t.Errorf("rename: %+v", renamed)
	}
	if r := call[SearchResult](t, c, "search", SearchParams{Query: "lunch"}); r.Results[0].Contact.Name != "Robert" {
		t.Errorf("search after the rename: %+v", r.Results[0].Contact)
	}

	wantCode(t, c.Call(context.Background(), "rename", RenameParams{Contact: "1", Name: " "}, nil), CodeInvalidParams, ErrInvalidParams)
	wantCode(t, c.Call(context.Background(), "export", ExportParams{Contact: "1", Format: "csv"}, nil), CodeInvalidParams, ErrInvalidParams)

	text := call[ExportResult](t, c, "export", ExportParams{Contact: "Robert", Format: "text"})
	if text.Rows == 0 || !strings.Contains(text.Content, "me: Lunch at the Café?") || text.Warning != chat.ExportWarning {
		t.Errorf("text export: %+v", text)
	}
	path := filepath.Join(t.TempDir(), "chat.json")
	js := call[ExportResult](t, c, "export", ExportParams{Contact: "1", Format: "json", Path: path})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc chat.ExportedChat
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Messages) != js.Rows || doc.Contact.Name != "Robert" {
		t.Errorf("json export: %d rows, %v, %+v", js.Rows, err, doc.Contact)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode: %v %v", fi.Mode(), err)
	}

	call[RequestResult](t, c, "block", RequestParams{Contact: "1"})
	if l := call[ContactsResult](t, c, "contacts", nil); len(l.Contacts) != 0 {
		t.Errorf("contacts lists a blocked sender: %+v", l)
	}
	if l := call[ContactsResult](t, c, "contacts", ContactsParams{Blocked: true}); len(l.Contacts) != 1 || !l.Contacts[0].Blocked {
		t.Errorf("contacts with blocked: %+v", l)
	}
	call[RequestResult](t, c, "unblock", RequestParams{Contact: "1"})
	if l := call[ContactsResult](t, c, "contacts", ContactsParams{Blocked: true}); len(l.Contacts) != 0 {
		t.Errorf("after unblock (a request now): %+v", l)
	}
	rm := call[RemoveResult](t, c, "remove", RemoveParams{Contact: "1"})
	if rm.ID != 1 || rm.KeptHistory {
		t.Errorf("remove: %+v", rm)
	}

	errs := []struct {
		name, method string
		params       any
		code         int
		cause        error
	}{
		{"empty query", "search", SearchParams{Query: " ! "}, CodeInvalidParams, ErrInvalidParams},
		{"limit too large", "search", SearchParams{Query: "x", Limit: chat.MaxSearchLimit + 1}, CodeInvalidParams, ErrInvalidParams},
		{"search unknown chat", "search", SearchParams{Query: "x", Contact: "nobody"}, CodeNoContact, chat.ErrNoContact},
		{"rename unknown", "rename", RenameParams{Contact: "Alice", Name: "A"}, CodeNoContact, chat.ErrNoContact},
		{"removed contact", "remove", RemoveParams{Contact: "1"}, CodeNoContact, chat.ErrNoContact},
		{"export removed", "export", ExportParams{Contact: "1", Format: "text"}, CodeNoContact, chat.ErrNoContact},
		{"relative path", "export", ExportParams{Contact: "1", Format: "json", Path: "x.json"}, CodeInvalidParams, ErrInvalidParams},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, c.Call(context.Background(), tt.method, tt.params, nil), tt.code, tt.cause)
		})
	}
}

// TestTokenDetail checks the audit entry of a made token: skills and a chat
// limit appear only where the token has them.
func TestTokenDetail(t *testing.T) {
	tests := []struct {
		name     string
		role     Role
		skills   []string
		maxChats int
		want     string
	}{
		{"admin", RoleAdmin, nil, 0, `token 1 role admin name "desk"`},
		{"agent with skills", RoleAgent, []string{"billing", "refunds"}, 0, `token 1 role agent name "desk" skills billing,refunds`},
		{"agent with a limit", RoleAgent, []string{"billing"}, 8, `token 1 role agent name "desk" skills billing max 8 chats`},
		{"limit alone", RoleAgent, nil, 3, `token 1 role agent name "desk" max 3 chats`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tokenDetail(1, tc.role, "desk", tc.skills, tc.maxChats); got != tc.want {
				t.Errorf("tokenDetail = %s, want %s", got, tc.want)
			}
		})
	}
}
