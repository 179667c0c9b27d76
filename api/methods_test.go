package api

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ratchat/chat"
)

// TestMethods drives every method through the socket of Alice's profile,
// with Bob's and Carol's online on loopback: add, invite, contacts, send,
// messages, verify, backup.export and rpc.discover, and their errors.
func TestMethods(t *testing.T) {
	bob, carol, alice := newProfile(t, "Bob"), newProfile(t, "Carol"), newProfile(t, "Alice")
	waitOnline(t, bob)
	waitOnline(t, carol)
	listen(t, alice, Config{})
	c := dial(t, alice)
	bobInvite, _ := bob.Invite()
	carolInvite, _ := carol.Invite()

	inv := call[InviteResult](t, c, "invite", nil)
	if want, _ := alice.Invite(); inv.Invite != want {
		t.Errorf("invite %q, want %q", inv.Invite, want)
	}
	added := call[AddResult](t, c, "add", AddParams{Invite: bobInvite, Name: "Bobby"})
	if added.Contact.ID != 1 || added.Contact.Name != "Bobby" {
		t.Errorf("add: %+v", added)
	}
	call[AddResult](t, c, "add", AddParams{Invite: carolInvite, Name: "Bobby"}) // a second "Bobby", id 2

	list := call[ContactsResult](t, c, "contacts", nil)
	if len(list.Contacts) != 2 || list.Contacts[0].Name != "Bobby" || list.Contacts[0].Verified {
		t.Errorf("contacts: %+v", list)
	}

	sent := call[SendResult](t, c, "send", SendParams{Contact: "1", Text: "hello there", WaitSeconds: 10})
	if len(sent.ID) != 32 || sent.Seq == 0 || (sent.Status != "sent" && sent.Status != "delivered") {
		t.Errorf("send: %+v", sent)
	}
	hist := call[MessagesResult](t, c, "messages", MessagesParams{Contact: "1"}) // n left out: DefaultMessages
	i := slices.IndexFunc(hist.Messages, func(m Message) bool { return m.ID == sent.ID })
	if hist.Contact.ID != 1 || i < 0 || hist.Messages[i].Text != "hello there" || hist.Messages[i].Direction != "out" ||
		hist.Messages[i].Kind != "text" || hist.Messages[i].Seq != sent.Seq {
		t.Errorf("messages: %+v", hist)
	}

	sn := call[VerifyResult](t, c, "verify", VerifyParams{Contact: "1"})
	if !regexp.MustCompile(`^\d{60}$`).MatchString(sn.SafetyNumber) || sn.Verified || sn.Contact.ID != 1 {
		t.Errorf("verify without code: %+v", sn)
	}
	ok := call[VerifyResult](t, c, "verify", VerifyParams{Contact: "1", Code: sn.SafetyNumber})
	if !ok.Verified || !ok.Contact.Verified || ok.SafetyNumber != sn.SafetyNumber {
		t.Errorf("verify with the code: %+v", ok)
	}

	muted := call[MuteResult](t, c, "mute", MuteParams{Contact: "1", For: "always"})
	if muted.ID != 1 || !muted.Until.Equal(chat.MuteForever) {
		t.Errorf("mute: %+v", muted)
	}
	if l := call[ContactsResult](t, c, "contacts", nil); !l.Contacts[0].MutedUntil.Equal(chat.MuteForever) && !l.Contacts[1].MutedUntil.Equal(chat.MuteForever) {
		t.Errorf("contacts after mute: %+v", l)
	}
	if r := call[MuteResult](t, c, "mute", MuteParams{Contact: "1", For: "off"}); !r.Until.IsZero() {
		t.Errorf("mute off: %+v", r)
	}
	var bad MuteResult
	wantCode(t, c.Call(context.Background(), "mute", MuteParams{Contact: "1", For: "2h"}, &bad), CodeInvalidParams, nil)

	path := filepath.Join(t.TempDir(), "alice.rcb")
	key := call[BackupExportResult](t, c, "backup.export", BackupExportParams{Path: path})
	if !regexp.MustCompile(`^(\d{4} ){15}\d{4}$`).MatchString(key.RecoveryKey) {
		t.Errorf("recovery key %q", key.RecoveryKey)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("backup file: %v", err)
	}

	wrong := "1" + sn.SafetyNumber[1:]
	if sn.SafetyNumber[0] == '1' {
		wrong = "2" + sn.SafetyNumber[1:]
	}
	ownInvite, _ := alice.Invite()
	errs := []struct {
		name, method string
		params       any
		code         int
		cause        error
	}{
		{"unknown contact", "send", SendParams{Contact: "nobody", Text: "hi"}, CodeNoContact, chat.ErrNoContact},
		{"unknown id", "messages", MessagesParams{Contact: "7", N: 1}, CodeNoContact, chat.ErrNoContact},
		{"two of that name", "verify", VerifyParams{Contact: "bobby"}, CodeAmbiguous, chat.ErrAmbiguous},
		{"numbers differ", "verify", VerifyParams{Contact: "2", Code: wrong}, CodeCodeMismatch, chat.ErrCodeMismatch},
		{"short code", "verify", VerifyParams{Contact: "2", Code: "1234"}, CodeMalformedCode, chat.ErrMalformedCode},
		{"invite as code", "verify", VerifyParams{Contact: "2", Code: bobInvite}, CodeMalformedCode, chat.ErrMalformedCode},
		{"bad invite", "add", AddParams{Invite: "RATCHAT1:nonsense"}, CodeInvalidInvite, chat.ErrInvalidInvite},
		{"own invite", "add", AddParams{Invite: ownInvite}, CodeOwnInvite, chat.ErrSelf},
		{"n negative", "messages", MessagesParams{Contact: "1", N: -1}, CodeInvalidParams, ErrInvalidParams},
		{"n too large", "messages", MessagesParams{Contact: "1", N: MaxMessages + 1}, CodeInvalidParams, ErrInvalidParams},
		{"no contact", "send", SendParams{Text: "hi"}, CodeInvalidParams, ErrInvalidParams},
		{"empty text", "send", SendParams{Contact: "1"}, CodeInvalidParams, ErrInvalidParams},
		{"negative wait", "send", SendParams{Contact: "1", Text: "hi", WaitSeconds: -1}, CodeInvalidParams, ErrInvalidParams},
		{"relative path", "backup.export", BackupExportParams{Path: "b.rcb"}, CodeInvalidParams, ErrInvalidParams},
		{"unknown member", "contacts", map[string]int{"n": 1}, CodeInvalidParams, ErrInvalidParams},
		{"params by position", "messages", []any{"1", 5}, CodeInvalidParams, ErrInvalidParams},
		{"wrong type", "messages", map[string]string{"contact": "1", "n": "five"}, CodeInvalidParams, ErrInvalidParams},
		{"code without as", "accept", RequestParams{Contact: "1", Code: "1234"}, CodeInvalidParams, ErrInvalidParams},
		{"as without code", "accept", RequestParams{Contact: "1", As: "2"}, CodeInvalidParams, ErrInvalidParams},
		{"no such method", "contacts.delete", nil, CodeMethodNotFound, ErrMethodNotFound},
		{"internal", "backup.export", BackupExportParams{Path: "/nonexistent-folder/b.rcb"}, CodeInternal, ErrInternal},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, c.Call(context.Background(), tt.method, tt.params, nil), tt.code, tt.cause)
		})
	}
}

// TestSendTimeout sends to a contact whose home is gone: the call fails
// with CodeTimeout, and its data holds the message, queued.
func TestSendTimeout(t *testing.T) {
	bob, alice := newProfile(t, "Bob"), newProfile(t, "Alice")
	waitOnline(t, bob)
	listen(t, alice, Config{})
	c := dial(t, alice)
	bobInvite, _ := bob.Invite()
	call[AddResult](t, c, "add", AddParams{Invite: bobInvite})
	bob.Close()

	err := c.Call(context.Background(), "send", SendParams{Contact: "1", Text: "anyone?", WaitSeconds: 0.3}, nil)
	wantCode(t, err, CodeTimeout, chat.ErrTimeout)
	var e *Error
	if !errors.As(err, &e) || e.Data.Message == nil || e.Data.Message.Status != "queued" || len(e.Data.Message.ID) != 32 {
		t.Fatalf("the timeout does not name the queued message: %+v", e)
	}
	queued := call[SendResult](t, c, "send", SendParams{Contact: "1", Text: "later"})
	if queued.Status != "queued" {
		t.Errorf("send without waiting: %+v", queued)
	}
}

// TestDiscover checks that rpc.discover lists the method table, with the
// params' names and whether they are required.
func TestDiscover(t *testing.T) {
	alice := newProfile(t, "Alice")
	listen(t, alice, Config{})
	d := call[DiscoverResult](t, dial(t, alice), "rpc.discover", nil)
	var names []string
	for _, m := range d.Methods {
		names = append(names, m.Name)
	}
	want := []string{"contacts", "messages", "send", "verify", "invite", "add", "requests", "accept", "block", "files", "mute",
		"reply", "edit", "delete", "react", "info", "backup.export", "search", "rename", "remove", "unblock", "export",
		"group.create", "group.add", "group.remove", "group.leave", "group.rename", "group.promote", "group.members", "group.list",
		"rpc.discover",
		"events.read", "events.ack", "events.subscribe", "events.unsubscribe", // issue 13, part A
		"token.create", "token.list", "token.revoke", "conversations.mine", "conversation.assign", "conversation.close", "conversation.read", // part B
		"archive.enable", "archive.status", "archive.verify", "archive.export", "archive.hold", "audit.log", // C
		"webhook.add", "webhook.list", "webhook.remove", "webhook.dead", "webhook.replay", // issue 13, part D
	}
	if !slices.Equal(names, want) || d.OpenRPC != OpenRPCVersion {
		t.Fatalf("methods %v, want %v", names, want)
	}
	send := d.Methods[2]
	var params []string
	for _, p := range send.Params {
		params = append(params, p.Name+map[bool]string{true: "!", false: "?"}[p.Required]+":"+p.Schema.Type)
	}
	if got := strings.Join(params, " "); got != "contact!:string text!:string wait_seconds?:number" {
		t.Errorf("send params: %s", got)
	}
	if r := send.Result.Schema; r.Type != "object" || r.Properties["status"] == nil || r.Properties["seq"].Type != "integer" {
		t.Errorf("send result: %+v", r)
	}
}
