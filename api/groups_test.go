package api

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"ratchat/chat"
	"ratchat/keys"
	"ratchat/store"
)

// TestGroupMethods drives the group methods through Alice's socket, with
// Bob and Carol online on loopback: create, list, members, send to the
// group (both receive it), a member's message named by its sender in
// messages, rename, promote, remove, leave, and their errors: 27 for no
// such group or member, 28 for a member who is no admin.
func TestGroupMethods(t *testing.T) {
	ctx := context.Background()
	bob, carol, alice := newProfile(t, "Bob"), newProfile(t, "Carol"), newProfile(t, "Alice")
	waitOnline(t, bob)
	waitOnline(t, carol)
	waitOnline(t, alice)
	listen(t, alice, Config{})
	listen(t, bob, Config{})
	c, cb := dial(t, alice), dial(t, bob)
	for name, m := range map[string]*chat.Messenger{"Bob": bob, "Carol": carol} {
		inv, _ := m.Invite()
		call[AddResult](t, c, "add", AddParams{Invite: inv, Name: name})
	}
	for _, m := range []*chat.Messenger{bob, carol} { // both accept Alice: the group is no request then
		e := waitEvent(t, m, "Alice's request", isRequest)
		if err := m.Accept(ctx, e.(chat.ContactChanged).Contact.ID); err != nil {
			t.Fatal(err)
		}
	}

	made := call[GroupResult](t, c, "group.create", GroupCreateParams{Name: "Climbers", Members: []string{"Bob", "carol"}})
	g := made.Group
	if g.Name != "Climbers" || !g.Admin || !g.Member || len(g.Members) != 3 || g.Held {
		t.Fatalf("group.create: %+v", made)
	}
	if names := memberNames(g); !slices.Equal(names, []string{"Bob", "Carol", "me"}) {
		t.Errorf("members %v", names)
	}
	bobGroup := waitGroup(t, bob)
	waitGroup(t, carol)
	var notAdmin GroupResult // Bob is a member, no admin
	err := cb.Call(ctx, "group.rename", GroupRenameParams{Group: itoaID(int64(bobGroup)), Name: "x"}, &notAdmin)
	wantCode(t, err, CodeNotAdmin, chat.ErrNotAdmin)

	list := call[GroupListResult](t, c, "group.list", nil)
	if len(list.Groups) != 1 || list.Groups[0].ID != g.ID || list.Groups[0].Name != "Climbers" {
		t.Errorf("group.list: %+v", list)
	}
	if people := call[ContactsResult](t, c, "contacts", nil); len(people.Contacts) != 2 {
		t.Errorf("contacts lists %d rows, want the 2 people only: %+v", len(people.Contacts), people)
	}
	members := call[GroupResult](t, c, "group.members", GroupParams{Group: "climbers"})
	for _, m := range members.Group.Members {
		if m.Self != (m.ID == 0) || m.Admin != m.Self || m.Verified || m.Held {
			t.Errorf("member %+v", m)
		}
	}

	sent := call[SendResult](t, c, "send", SendParams{Contact: "Climbers", Text: "Saturday 9am?", WaitSeconds: 10})
	if sent.Status != "sent" && sent.Status != "delivered" {
		t.Errorf("send to the group: %+v", sent)
	}
	for _, m := range []*chat.Messenger{bob, carol} {
		waitEvent(t, m, "the group message", func(e chat.Event) bool {
			r, ok := e.(chat.MessageReceived)
			return ok && string(r.Message.Body) == "Saturday 9am?"
		})
	}
	theirs, err := bob.Send(ctx, bobGroup, "count me in")
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, alice, "Bob's group message", func(e chat.Event) bool {
		r, ok := e.(chat.MessageReceived)
		return ok && r.Message.ID == theirs.ID
	})
	hist := call[MessagesResult](t, c, "messages", MessagesParams{Contact: "Climbers", N: 20})
	i := slices.IndexFunc(hist.Messages, func(m Message) bool { return m.Text == "count me in" })
	if !hist.Contact.Group || i < 0 || hist.Messages[i].Sender != "Bob" || hist.Messages[i].Direction != "in" {
		t.Errorf("messages of the group: %+v", hist)
	}
	if !slices.ContainsFunc(hist.Messages, func(m Message) bool { return m.Kind == "membership" && m.Text != "" }) {
		t.Errorf("no membership line in %+v", hist.Messages)
	}

	renamed := call[GroupResult](t, c, "group.rename", GroupRenameParams{Group: itoaID(g.ID), Name: "Crag"})
	if renamed.Group.Name != "Crag" {
		t.Errorf("group.rename: %+v", renamed)
	}
	promoted := call[GroupResult](t, c, "group.promote", GroupMemberParams{Group: "Crag", Member: "Bob"})
	if i := slices.IndexFunc(promoted.Group.Members, func(m GroupMember) bool { return m.Name == "Bob" }); i < 0 || !promoted.Group.Members[i].Admin {
		t.Errorf("group.promote: %+v", promoted)
	}
	removed := call[GroupResult](t, c, "group.remove", GroupMemberParams{Group: "Crag", Member: "Carol"})
	if names := memberNames(removed.Group); !slices.Equal(names, []string{"Bob", "me"}) {
		t.Errorf("group.remove left %v", names)
	}

	tests := []struct {
		name   string
		client *Client
		method string
		params any
		code   int
		cause  error
	}{
		{"no such group", c, "group.members", GroupParams{Group: "nothing"}, CodeNotGroup, chat.ErrNotGroup},
		{"no such member", c, "group.remove", GroupMemberParams{Group: "Crag", Member: "Carol"}, CodeNotGroup, chat.ErrNotGroup},
		{"a group is no member", c, "group.create", GroupCreateParams{Name: "x", Members: []string{"Crag"}}, CodeNoContact, chat.ErrNoContact},
		{"no members", c, "group.create", GroupCreateParams{Name: "x"}, CodeInvalidParams, ErrInvalidParams},
		{"empty name", c, "group.rename", GroupRenameParams{Group: "Crag", Name: " "}, CodeInvalidParams, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r GroupResult
			wantCode(t, tt.client.Call(ctx, tt.method, tt.params, &r), tt.code, tt.cause)
		})
	}

	// A group named like a contact: the name is ambiguous, the ids are not.
	named := call[GroupResult](t, c, "group.create", GroupCreateParams{Name: "Bob", Members: []string{"Carol"}})
	var amb SendResult
	wantCode(t, c.Call(ctx, "send", SendParams{Contact: "bob", Text: "which?"}, &amb), CodeAmbiguous, chat.ErrAmbiguous)
	if h := call[MessagesResult](t, c, "messages", MessagesParams{Contact: itoaID(named.Group.ID), N: 5}); !h.Contact.Group {
		t.Errorf("messages by the group's id: %+v", h.Contact)
	}

	left := call[GroupResult](t, c, "group.leave", GroupParams{Group: "Crag"})
	if left.Group.Member || left.Group.Admin {
		t.Errorf("group.leave: %+v", left)
	}
	var r SendResult
	err = c.Call(ctx, "send", SendParams{Contact: "Crag", Text: "still here?"}, &r)
	if !errors.Is(err, chat.ErrNotGroup) {
		t.Errorf("send after leaving: %v, want code %d", err, CodeNotGroup)
	}
}

// TestGroupHeldCode checks that a member's key change, which holds a
// group, is code 29 and no contact's key change (8).
func TestGroupHeldCode(t *testing.T) {
	e := toError(heldErr(&chat.IdentityChangedError{Contact: 3}))
	if e.Code != CodeGroupHeld || e.Data.Cause != "group_held" || !errors.Is(e, errGroupHeld) {
		t.Errorf("held group: %+v", e)
	}
	if e := toError(&chat.IdentityChangedError{Contact: 3}); e.Code != CodeKeyChanged {
		t.Errorf("a contact's key change: %+v", e)
	}
	if e := toError(heldErr(chat.ErrNotAdmin)); e.Code != CodeNotAdmin {
		t.Errorf("heldErr changed another error: %+v", e)
	}
}

// isRequest accepts the event of a message request arriving.
func isRequest(e chat.Event) bool {
	cc, ok := e.(chat.ContactChanged)
	return ok && cc.Contact.State == chat.StateRequest
}

// waitGroup waits until m is told of a group, and returns its id.
func waitGroup(t *testing.T, m *chat.Messenger) chat.ContactID {
	t.Helper()
	e := waitEvent(t, m, "a group", func(e chat.Event) bool { _, ok := e.(chat.GroupChanged); return ok })
	return e.(chat.GroupChanged).Contact
}

// memberNames are a group's members' names, sorted.
func memberNames(g Group) []string {
	var out []string
	for _, m := range g.Members {
		out = append(out, m.Name)
	}
	slices.Sort(out)
	return out
}

// itoaID formats an id as params take it.
func itoaID(id int64) string { return strconv.FormatInt(id, 10) }

// TestGroupHeldOverSocket: a member whose identity key changed (and was
// not accepted) holds the group: group.members says who, send to the
// group fails with code 29, and the member's own chat with code 8.
func TestGroupHeldOverSocket(t *testing.T) {
	ctx := context.Background()
	bob, carol, alice := newProfile(t, "Bob"), newProfile(t, "Carol"), newProfile(t, "Alice")
	waitOnline(t, bob)
	waitOnline(t, carol)
	var ids []chat.ContactID
	for _, m := range []*chat.Messenger{bob, carol} {
		inv, _ := m.Invite()
		c, err := alice.AddContact(ctx, inv, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		e := waitEvent(t, m, "Alice's request", isRequest)
		if err := m.Accept(ctx, e.(chat.ContactChanged).Contact.ID); err != nil {
			t.Fatal(err)
		}
	}
	g, err := alice.CreateGroup(ctx, "Climbers", ids)
	if err != nil {
		t.Fatal(err)
	}
	// Carol's key changes, and changes back, while Alice's profile is
	// closed: her contact row is held until Alice accepts it.
	dir := profileDir(t, alice)
	alice.Close()
	st, err := store.Open(dir, []byte("correct horse"), cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []keys.PublicKey{{9, 9, 9}, carol.Identity()} {
		if err := st.ChangeIdentity(ctx, ids[1], k); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	alice, err = chat.Open(ctx, chat.Profile{Dir: dir, Store: []store.Option{cheapKDF}}, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alice.Close() })
	listen(t, alice, Config{})
	c := dial(t, alice)

	members := call[GroupResult](t, c, "group.members", GroupParams{Group: "Climbers"})
	i := slices.IndexFunc(members.Group.Members, func(m GroupMember) bool { return m.ID == int64(ids[1]) })
	if !members.Group.Held || i < 0 || !members.Group.Members[i].Held || !members.Group.Members[i].KeyChanged {
		t.Errorf("group.members of a held group: %+v", members.Group)
	}
	var r SendResult
	wantCode(t, c.Call(ctx, "send", SendParams{Contact: itoaID(int64(g.Conversation)), Text: "held?"}, &r), CodeGroupHeld, errGroupHeld)
	wantCode(t, c.Call(ctx, "send", SendParams{Contact: itoaID(int64(ids[1])), Text: "held?"}, &r), CodeKeyChanged, nil)
}

// TestAcceptGroupRequest: a group that a stranger adds us to is listed by
// requests under its id, and accept takes that id (it was refused as "no
// such contact"); the group then takes our messages.
func TestAcceptGroupRequest(t *testing.T) {
	bob, alice := newProfile(t, "Bob"), newProfile(t, "Alice")
	waitOnline(t, bob)
	waitOnline(t, alice)
	listen(t, alice, Config{})
	listen(t, bob, Config{})
	c, cb := dial(t, alice), dial(t, bob)
	inv, _ := bob.Invite()
	call[AddResult](t, c, "add", AddParams{Invite: inv, Name: "Bob"})
	call[GroupResult](t, c, "group.create", GroupCreateParams{Name: "Climbers", Members: []string{"Bob"}})
	conv := waitGroup(t, bob)

	reqs := call[RequestsResult](t, cb, "requests", nil)
	listed := false
	for _, r := range reqs.Requests {
		listed = listed || r.ID == int64(conv) && r.Group
	}
	if !listed {
		t.Fatalf("requests %+v do not list the group %d", reqs, conv)
	}
	var sent SendResult
	wantCode(t, cb.Call(context.Background(), "send", SendParams{Contact: itoaID(int64(conv)), Text: "hi"}, &sent), CodeNotAccepted, nil)
	if r := call[RequestResult](t, cb, "accept", RequestParams{Contact: itoaID(int64(conv))}); r.ID != int64(conv) {
		t.Fatalf("accept returned %+v, want the group %d", r, conv)
	}
	call[SendResult](t, cb, "send", SendParams{Contact: itoaID(int64(conv)), Text: "count me in"})
	wantCode(t, cb.Call(context.Background(), "accept", RequestParams{Contact: "999"}, nil), CodeNoContact, chat.ErrNoContact)
}
