package ui

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"ratchat/chat"
	"ratchat/config"
)

// openGroup waits for the contacts, then opens the group (the newest
// chat, first in the list).
var openGroup = []step{
	{wait: "Carol", also: []string{"Climbing", "Mallory"}},
	{send: keyMsgs("enter"), wait: "count me in", also: []string{"4 members"}},
}

// groupSizes are the sizes group screens are checked at: the usual
// terminal, and the small ones of split windows.
var groupSizes = [][2]int{{80, 24}, {60, 20}, {50, 20}}

func TestGoldenGroupChat(t *testing.T) {
	runGoldenAt(t, groupSizes, mainModel(withGroup(newFakeCore())), openGroup...)
}

func TestGoldenGroupHeld(t *testing.T) {
	runGoldenAt(t, [][2]int{{80, 24}, {50, 20}}, mainModel(holdGroup(withGroup(newFakeCore()))), append(openGroup,
		step{send: keyMsgs("hello all", "enter"), wait: "Not sent"})...)
}

func TestGoldenGroupMembers(t *testing.T) {
	runGoldenAt(t, groupSizes, mainModel(holdGroup(withGroup(newFakeCore()))), append(openGroup,
		step{send: keyMsgs("shift+tab", "g"), wait: "Members of Climbing"})...)
}

func TestGoldenGroupInfo(t *testing.T) {
	runGoldenAt(t, sizes, mainModel(withGroup(newFakeCore())), append(openGroup,
		step{send: keyMsgs("shift+tab", "up", "i"), wait: "Members:", also: []string{"delivered"}})...)
}

// groupApp returns the main screen over f with the group's chat open and
// the composer focused.
func groupApp(t *testing.T, f *fakeCore) *App {
	t.Helper()
	a := mainApp(t, f)
	drive(a, keyMsgs("enter")...)
	if c, ok := a.chat.Contact(); !ok || c.Contact.ID != climbing {
		t.Fatalf("open chat %+v, want the group", c)
	}
	if _, ok := a.chat.Group(); !ok {
		t.Fatal("the group's info did not load")
	}
	return a
}

// TestGroupCommands drives /group through the main screen and checks
// what reaches the core and what the user is told.
func TestGroupCommands(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		check  func(*fakeCore) bool
		notice string // in the status bar or the composer's hint
	}{
		{"create", `/group create "Book club" Alice bob`, func(f *fakeCore) bool {
			return len(f.created) == 1 && f.created[0].Name == "Book club" && len(f.created[0].Members) == 3
		}, "Created Book club"},
		{"create by id", "/group create Duo 3", func(f *fakeCore) bool {
			return len(f.created) == 1 && f.created[0].Members[1].Contact.Name == "Carol"
		}, "Created Duo"},
		{"create without members", "/group create Lonely", func(f *fakeCore) bool { return len(f.created) == 0 }, "Usage: /group create"},
		{"create with a stranger", "/group create X Zed", func(f *fakeCore) bool { return len(f.created) == 0 }, `No contact "Zed"`},
		{"a group is no member", "/group create X Climbing", func(f *fakeCore) bool { return len(f.created) == 0 }, `No contact "Climbing"`},
		{"remove", "/group remove bob", func(f *fakeCore) bool { return len(f.groups[0].Members) == 3 }, "Removed bob"},
		{"remove a stranger", "/group remove Zed", func(f *fakeCore) bool { return len(f.groups[0].Members) == 4 }, "not a member"},
		{"promote", "/group promote Carol", func(f *fakeCore) bool { return f.groups[0].Members[3].Admin }, "Carol is an admin now"},
		{"rename", `/group rename "Crag rats"`, func(f *fakeCore) bool { return f.groups[0].Name == "Crag rats" }, "Renamed the group"},
		{"leave", "/group leave", func(f *fakeCore) bool { return !f.groups[0].Member }, "Left the group"},
		{"unknown", "/group join", func(f *fakeCore) bool { return f.groups[0].Version == 3 }, "Usage: /group"},
		{"members", "/group members", func(f *fakeCore) bool { return true }, "Members of Climbing"},
		{"a contact's rename", "/rename Crag", func(f *fakeCore) bool { return f.groups[0].Name == "Climbing" }, "In a group: /group rename"},
		{"a contact's remove", "/remove yes", func(f *fakeCore) bool { return len(f.removed) == 0 }, "/group leave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withGroup(newFakeCore())
			a := groupApp(t, f)
			drive(a, keyMsgs(tt.input, "enter")...)
			f.mu.Lock()
			ok := tt.check(f)
			f.mu.Unlock()
			if !ok {
				t.Errorf("%s: the core has %+v", tt.input, f.groups)
			}
			if view := a.View(); !strings.Contains(view, tt.notice) {
				t.Errorf("%s: the screen does not say %q:\n%s", tt.input, tt.notice, view)
			}
		})
	}
}

// TestGroupAddNeedsGroupChat: /group add and /group members need a
// group's chat open; /group create does not.
func TestGroupAddNeedsGroupChat(t *testing.T) {
	f := withGroup(newFakeCore())
	a := mainApp(t, f)
	drive(a, keyMsgs("down", "enter", "/group add Carol", "enter")...)
	if c, _ := a.chat.Contact(); c.Contact.ID != 1 || !strings.Contains(a.View(), "Open a group's chat first") {
		t.Fatalf("in %v's chat: %s", c.Contact.Name, a.View())
	}
	drive(a, keyMsgs("/group create Pair Alice", "enter")...)
	if c, _ := a.chat.Contact(); len(f.created) != 1 || c.Contact.ID != f.created[0].Conversation {
		t.Fatalf("the new group's chat is not open: %+v", c)
	}
}

// TestGroupMembersKey: g lists the members from the chat pane and esc
// goes back; in a contact's chat it says to open a group's.
func TestGroupMembersKey(t *testing.T) {
	a := groupApp(t, holdGroup(withGroup(newFakeCore())))
	drive(a, keyMsgs("shift+tab", "g")...)
	view := a.View()
	for _, want := range []string{"Members of Climbing", "Alice", "✔ verified", "★ admin", "! key changed", "not verified"} {
		if !strings.Contains(view, want) {
			t.Errorf("the member list lacks %q:\n%s", want, view)
		}
	}
	if !strings.Contains(view, "▸ Alice") {
		t.Errorf("the first member is not selected:\n%s", view)
	}
	drive(a, keyMsgs("esc")...)
	if a.chat.members || !strings.Contains(a.View(), "count me in") {
		t.Errorf("esc did not go back to the chat:\n%s", a.View())
	}
	// v on the held member (↓ ↓: past Bob, to Carol) opens her verification;
	// ↑ never selects us; enter opens the member's chat.
	drive(a, keyMsgs("g", "down", "down", "down", "v")...)
	if vv, ok := a.page.(*VerifyView); !ok || vv.contact.ID != 3 {
		t.Fatalf("v on Carol opened %T %+v", a.page, a.page)
	}
	drive(a, keyMsgs("esc", "g", "up", "up", "down", "enter")...)
	if c, _ := a.chat.Contact(); c.Contact.ID != 2 || a.chat.members {
		t.Errorf("enter on Bob opened %+v", c.Contact)
	}
	l := mainApp(t, withGroup(newFakeCore())) // g on the group in the contact list
	drive(l, keyMsgs("g")...)
	if c, _ := l.chat.Contact(); c.Contact.ID != climbing || !l.chat.members || l.focus != focusChat {
		t.Errorf("g in the contact list: chat %+v, members %v", c.Contact, l.chat.members)
	}
	b := mainApp(t, withGroup(newFakeCore()))
	drive(b, keyMsgs("down", "enter", "shift+tab", "g")...)
	if b.chat.members || !strings.Contains(b.View(), "Open a group's chat") {
		t.Errorf("g in a contact's chat:\n%s", b.View())
	}
}

// TestGroupSenders: each incoming message of a group shows who wrote it,
// a former member by the name its contact row has, else as a stand-in,
// and membership lines are system lines.
func TestGroupSenders(t *testing.T) {
	a := groupApp(t, withGroup(newFakeCore()))
	view := a.View()
	for _, want := range []string{"Alice: who's in for Saturday?", "contact 9: me, if it's dry", "Bob: me!", "me: count me in",
		"· You removed Dave ·"} {
		if !strings.Contains(view, want) {
			t.Errorf("the group's chat lacks %q:\n%s", want, view)
		}
	}
}

// TestGroupHeldSend: a held group refuses to send and says whose key
// changed, keeping the text in the composer.
func TestGroupHeldSend(t *testing.T) {
	f := holdGroup(withGroup(newFakeCore()))
	a := groupApp(t, f)
	drive(a, keyMsgs("hello all", "enter")...)
	if slices.Contains(f.sent, "hello all") || a.composer.Value() != "hello all" {
		t.Fatalf("sent %v, composer %q", f.sent, a.composer.Value())
	}
	if view := a.View(); !strings.Contains(view, "Not sent: Carol's key changed") || !strings.Contains(view, "Sending waits: Carol") {
		t.Errorf("the held group does not say why:\n%s", view)
	}
}

// TestGroupEvents: GroupChanged reloads the open group's info and the
// list's row.
func TestGroupEvents(t *testing.T) {
	f := withGroup(newFakeCore())
	a := groupApp(t, f)
	f.RenameGroup(t.Context(), climbing, "Crag")
	drive(a, chat.GroupChanged{Contact: climbing})
	if g, _ := a.chat.Group(); g.Name != "Crag" {
		t.Errorf("the open group is %q after the change", g.Name)
	}
	if s, ok := a.summaryOf(climbing); !ok || s.Contact.Name != "Crag" {
		t.Errorf("the list's row: %+v", s)
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Bob Carol", []string{"Bob", "Carol"}},
		{`"Book club" Bob`, []string{"Book club", "Bob"}},
		{"  Bob   Carol  ", []string{"Bob", "Carol"}},
		{`""`, []string{""}}, // an empty quoted argument is one
		{`"open quote Bob`, []string{"open quote Bob"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := splitArgs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGroupNotAdmin: a member who is no admin is told so, in the
// composer's hint (wider than the status bar), and nothing changes.
func TestGroupNotAdmin(t *testing.T) {
	f := withGroup(newFakeCore())
	f.groups[0].Admin = false
	a := groupApp(t, f)
	drive(a, keyMsgs("/group rename Mine", "enter")...)
	if f.groups[0].Name != "Climbing" || !strings.Contains(a.View(), "Not done: only admins change the group") {
		t.Errorf("a member's rename: %q\n%s", f.groups[0].Name, a.View())
	}
}

// TestGroupLeftListed: a group we left stays in the list, from the core's
// summaries, marked so; SummaryCmd loads a group's summary as a
// contact's.
func TestGroupLeftListed(t *testing.T) {
	f := withGroup(newFakeCore())
	if err := f.LeaveGroup(context.Background(), climbing); err != nil {
		t.Fatal(err)
	}
	msg := ContactsCmd(f)().(contactsMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	i := slices.IndexFunc(msg.items, func(s chat.Summary) bool { return s.Contact.ID == climbing })
	if i < 0 {
		t.Fatalf("no group in %+v", msg.items)
	}
	s := msg.items[i]
	if s.Contact.Name != "Climbing" || !s.Contact.IsGroup() || s.Contact.State != chat.StateRemoved ||
		s.Last == nil || string(s.Last.Body) != "count me in" {
		t.Errorf("the left group's summary %+v", s)
	}
	if got := SummaryCmd(f, climbing)().(summaryMsg); got.err != nil || got.summary.Contact.ID != climbing {
		t.Errorf("SummaryCmd of the group: %+v", got)
	}
	if got := SummaryCmd(f, 99)().(summaryMsg); got.err == nil {
		t.Errorf("SummaryCmd of nothing: %+v", got)
	}
	l := NewContactList(testCommon(30, 10))
	l.SetItems(msg.items)
	if view := l.View(); !strings.Contains(view, "# Climbing out") {
		t.Errorf("the list:\n%s", view)
	}
}

// TestGroupNotification: a group's message out of view is announced as
// its sender's in the group.
func TestGroupNotification(t *testing.T) {
	var got string
	n := config.Default().Notifications
	n.Previews = true
	a, _ := notifyApp(t, withGroup(newFakeCore()), n, func(title, body string) { got = title + "|" + body })
	drive(a, keyMsgs("shift+tab", "shift+tab")...) // the contact list: no chat in view
	ev := incoming(climbing, "rope's in the car")
	ev.Message.Sender = 2
	drive(a, ev)
	if got != "Bob in Climbing|rope's in the car" {
		t.Errorf("notify-send got %q", got)
	}
}
