package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/config"
)

// notifyApp is a main screen whose terminal output is captured, with
// Alice's chat open and the composer focused unless setup changes it.
func notifyApp(t *testing.T, f *fakeCore, n config.Notifications, desktop func(title, body string)) (*App, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	c := testCommon(0, 0)
	c.Terminal = &out
	c.Settings.Notifications = n
	c.DesktopNotify = desktop
	a := NewMainApp(c, f)
	drive(a, a.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(a, keyMsgs("enter")...) // open Alice's chat; the composer has the keyboard
	return a, &out
}

// incoming is a message from contact id.
func incoming(id chat.ContactID, body string) chat.MessageReceived {
	return chat.MessageReceived{Contact: id, Message: text(200, chat.Incoming, body, t0, chat.StatusDelivered)}
}

// TestNotifications: a message for a chat not in view rings the bell and
// asks for a desktop notification; one for the chat in view, or a muted
// chat, writes nothing; the text shows only with previews, and a name
// cannot smuggle an escape sequence.
func TestNotifications(t *testing.T) {
	def := config.Default().Notifications
	osc9 := def
	osc9.Desktop, osc9.Bell = config.DesktopOSC9, false
	previews := def
	previews.Previews = true
	quiet := def
	quiet.Bell, quiet.Desktop, quiet.NotifySend = false, config.DesktopOff, false
	tests := []struct {
		name    string
		n       config.Notifications
		setup   func(a *App, f *fakeCore)
		ev      chat.MessageReceived
		want    string // the bytes written; "" for none
		desktop string // what notify-send was given; "" for nothing
	}{
		{name: "another chat", n: def, ev: incoming(2, "secret plans"),
			want:    "\a\x1b]777;notify;ratchat;New message from Bob\a",
			desktop: "ratchat|New message from Bob"},
		{name: "the chat in view", n: def, ev: incoming(1, "hello")},
		{name: "contact list focused", n: def, ev: incoming(1, "hello"),
			setup: func(a *App, _ *fakeCore) { drive(a, keyMsgs("shift+tab", "shift+tab")...) },
			want:  "\a\x1b]777;notify;ratchat;New message from Alice\a", desktop: "ratchat|New message from Alice"},
		{name: "help shown", n: def, ev: incoming(1, "hello"),
			setup: func(a *App, _ *fakeCore) { drive(a, keyMsgs("f1")...) },
			want:  "\a\x1b]777;notify;ratchat;New message from Alice\a", desktop: "ratchat|New message from Alice"},
		{name: "muted", n: def, ev: incoming(2, "hello"),
			setup: func(a *App, f *fakeCore) { mute(t, a, f, 2, t0.Add(time.Hour)) }},
		{name: "mute ended", n: def, ev: incoming(2, "hello"),
			setup: func(a *App, f *fakeCore) { mute(t, a, f, 2, t0.Add(-time.Minute)) },
			want:  "\a\x1b]777;notify;ratchat;New message from Bob\a", desktop: "ratchat|New message from Bob"},
		{name: "previews", n: previews, ev: incoming(2, "see; you\nat 6"),
			want: "\a\x1b]777;notify;Bob;see, you at 6\a", desktop: "Bob|see; you at 6"},
		{name: "osc 9 without the bell", n: osc9, ev: incoming(2, "hello"),
			want: "\x1b]9;ratchat: New message from Bob\a", desktop: "ratchat|New message from Bob"},
		{name: "all off", n: quiet, ev: incoming(2, "hello")},
		{name: "hostile name", n: def, ev: incoming(2, "hello"),
			setup: func(a *App, f *fakeCore) { rename(t, a, f, 2, "Bob\x1b]0;pwned\a\u009b") },
			want:  "\a\x1b]777;notify;ratchat;New message from Bob]0,pwned\a", desktop: "ratchat|New message from Bob]0;pwned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCore()
			var desktop []string
			a, out := notifyApp(t, f, tt.n, func(title, body string) { desktop = append(desktop, title+"|"+body) })
			if tt.setup != nil {
				tt.setup(a, f)
			}
			out.Reset()
			drive(a, tt.ev)
			if got := out.String(); got != tt.want {
				t.Errorf("written %q, want %q", got, tt.want)
			}
			if got := strings.Join(desktop, ","); got != tt.desktop {
				t.Errorf("notify-send given %q, want %q", got, tt.desktop)
			}
		})
	}
}

// mute mutes contact id through the /mute path's core call and reloads
// the list, as the core's ContactChanged would.
func mute(t *testing.T, a *App, f *fakeCore, id chat.ContactID, until time.Time) {
	t.Helper()
	f.Mute(nil, id, until)
	drive(a, chat.ContactChanged{Contact: chat.Contact{ID: id}})
}

// rename gives contact id another name in the core and the list.
func rename(t *testing.T, a *App, f *fakeCore, id chat.ContactID, name string) {
	t.Helper()
	f.mu.Lock()
	for i := range f.contacts {
		if f.contacts[i].Contact.ID == id {
			f.contacts[i].Contact.Name = name
		}
	}
	f.mu.Unlock()
	drive(a, chat.ContactChanged{Contact: chat.Contact{ID: id}})
}

// TestMuteCommand: /mute 8h mutes the open chat, which the list marks.
func TestMuteCommand(t *testing.T) {
	f := newFakeCore()
	a := mainApp(t, f)
	drive(a, keyMsgs("enter", "/mute 8h", "enter")...)
	drive(a, chat.ContactChanged{Contact: chat.Contact{ID: 1}})
	s, _ := a.summaryOf(1)
	if !s.MutedUntil.Equal(t0.Add(8 * time.Hour)) {
		t.Fatalf("muted until %v, want 8 hours from now", s.MutedUntil)
	}
	if out := a.View(); !strings.Contains(out, "Alice ✔ muted") || !strings.Contains(out, "· muted") {
		t.Fatalf("no muted mark in the list and the header:\n%s", out)
	}
	drive(a, keyMsgs("/mute 2h", "enter")...)
	if !strings.Contains(a.View(), "Usage: /mute") {
		t.Fatalf("a bad duration is not explained:\n%s", a.View())
	}
}

// TestQuitCommand: /quit ends the program.
func TestQuitCommand(t *testing.T) {
	a := mainApp(t, newFakeCore())
	drive(a, keyMsgs("enter", "/quit")...)
	if !quits(a, keyMsgs("enter")[0]) {
		t.Fatal("/quit did not quit")
	}
}

// quits feeds msg to the app, and the messages its commands make, and
// reports whether one of them is tea.Quit's.
func quits(a *App, msg tea.Msg) bool {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		switch m := next.(type) {
		case nil:
			continue
		case tea.QuitMsg:
			return true
		case tea.BatchMsg:
			for _, c := range m {
				if c != nil {
					queue = append(queue, c())
				}
			}
			continue
		}
		if _, cmd := a.Update(next); cmd != nil {
			queue = append(queue, cmd())
		}
	}
	return false
}
