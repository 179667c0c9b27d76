package ui

import (
	"strings"
	"testing"

	"ratchat/chat"
)

func TestAppFocusAndHelp(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		focus focus
		help  bool
	}{
		{"starts on the contacts", nil, focusContacts, false},
		{"tab", []string{"tab"}, focusChat, false},
		{"tab tab", []string{"tab", "tab"}, focusComposer, false},
		{"shift+tab wraps", []string{"shift+tab"}, focusComposer, false},
		{"enter opens a chat in the composer", []string{"enter"}, focusComposer, false},
		{"? opens help", []string{"?"}, focusContacts, true},
		{"esc closes help", []string{"?", "esc"}, focusContacts, false},
		{"? is typed in the composer", []string{"enter", "?"}, focusComposer, false},
		{"f1 opens help anywhere", []string{"enter", "f1"}, focusComposer, true},
		{"tab completes in the composer", []string{"enter", "/he", "tab"}, focusComposer, false},
	}
	for _, tt := range tests {
		a := mainApp(t, newFakeCore())
		drive(a, keyMsgs(tt.keys...)...)
		if a.focus != tt.focus || a.showHelp != tt.help {
			t.Errorf("%s: focus %d, help %v; want %d, %v", tt.name, a.focus, a.showHelp, tt.focus, tt.help)
		}
	}
}

func TestAppNextUnread(t *testing.T) {
	a := mainApp(t, newFakeCore())
	drive(a, keyMsgs("alt+a")...)
	if c, ok := a.chat.Contact(); !ok || c.Contact.ID != 2 {
		t.Fatalf("alt+a opened %d, want Bob (2)", c.Contact.ID)
	}
	drive(a, keyMsgs("alt+a")...)
	if c, _ := a.chat.Contact(); c.Contact.ID != 3 {
		t.Fatalf("second alt+a opened %d, want Carol (3)", c.Contact.ID)
	}
}

func TestAppSendAndKeyChange(t *testing.T) {
	f := newFakeCore()
	a := mainApp(t, f)
	drive(a, keyMsgs("enter", "hello there", "enter")...)
	if len(f.sent) != 1 || f.sent[0] != "hello there" {
		t.Fatalf("sent %q", f.sent)
	}
	if !strings.Contains(a.View(), "hello there …") {
		t.Fatalf("the queued message is not shown:\n%s", a.View())
	}
	// Carol's key changed: sending waits, and the user is told why.
	drive(a, keyMsgs("shift+tab", "shift+tab", "down", "down", "enter", "hi", "enter")...)
	if len(f.sent) != 1 {
		t.Fatalf("sent to a contact whose key changed: %q", f.sent)
	}
	if !strings.Contains(a.View(), "key changed") || a.composer.Value() != "hi" {
		t.Fatalf("no explanation of the unsent message:\n%s", a.View())
	}
}

func TestAppCommands(t *testing.T) {
	f := newFakeCore()
	a := mainApp(t, f)
	drive(a, keyMsgs("enter", "/verify", "enter")...)
	if _, ok := a.page.(*VerifyView); !ok || a.screen != screenPage {
		t.Fatalf("/verify did not open the verification screen")
	}
	drive(a, keyMsgs("esc")...)
	if a.screen != screenMain || a.page != nil {
		t.Fatal("esc did not return to the main screen")
	}
	drive(a, keyMsgs("tab", "tab", "tab", "/backup restore", "enter")...)
	if _, ok := a.page.(*RestoreView); !ok {
		t.Fatalf("/backup restore opened %T", a.page)
	}
	drive(a, keyMsgs("esc", "/add ratchat:v1:x", "enter")...)
	if c, _ := a.chat.Contact(); c.Contact.Name != "Dave" || len(a.contacts.Items()) != 4 {
		t.Fatalf("/add did not add and open Dave: %+v", c)
	}
	drive(a, keyMsgs("/bogus", "enter")...)
	if !strings.Contains(a.View(), "unknown command /bogus") {
		t.Fatalf("no hint for an unknown command:\n%s", a.View())
	}
}

func TestAppSendFileAndTimer(t *testing.T) {
	a := mainApp(t, newFakeCore())
	drive(a, keyMsgs("enter", "/file /tmp/photo.jpg", "enter")...)
	if !strings.Contains(a.View(), "File sent.") {
		t.Fatalf("no result for /file:\n%s", a.View())
	}
	drive(a, keyMsgs("/timer 1h", "enter")...)
	if !strings.Contains(a.View(), "Disappearing messages: 1h") {
		t.Fatalf("no notice for /timer:\n%s", a.View())
	}
	drive(a, keyMsgs("/timer soon", "enter")...)
	if !strings.Contains(a.View(), "usage: /timer") {
		t.Fatalf("no usage for a bad /timer:\n%s", a.View())
	}
}

func TestAppEvents(t *testing.T) {
	f := newFakeCore()
	a := mainApp(t, f)
	drive(a, keyMsgs("enter")...)
	f.mu.Lock()
	c := &f.contacts[1]
	c.Contact.Name, c.Unread = "Bobby", 4
	f.mu.Unlock()
	drive(a,
		chat.MessageReceived{Contact: 1, Message: text(10, chat.Incoming, "fresh news", t0, chat.StatusDelivered)},
		chat.ContactChanged{Contact: c.Contact},
		chat.HomeState{Connected: false})
	out := a.View()
	for _, want := range []string{"fresh news", "Bobby", "4", "offline"} {
		if !strings.Contains(out, want) {
			t.Fatalf("%q missing after events:\n%s", want, out)
		}
	}
	if f.marked[1] != 10 {
		t.Fatalf("a message shown at the bottom was not marked read (%d)", f.marked[1])
	}
}

func TestAppScrollFromTheComposer(t *testing.T) {
	f := newFakeCore()
	f.msgs[1] = bigChat(300)
	a := mainApp(t, f)
	drive(a, keyMsgs("enter", "pgup", "pgup")...)
	if a.focus != focusComposer || a.chat.offset == 0 {
		t.Fatalf("pgup from the composer did not scroll (offset %d)", a.chat.offset)
	}
	drive(a, keyMsgs("draft", "end")...)
	if a.chat.offset == 0 {
		t.Fatal("end in a draft jumped the chat instead of the cursor")
	}
	drive(a, keyMsgs("ctrl+u", "end")...)
	if a.chat.offset != 0 {
		t.Fatalf("end with an empty composer left the chat at %d", a.chat.offset)
	}
}
