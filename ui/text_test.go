package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// textChunks are texts that spell key names, as a paste, a slow link or
// tmux send-keys -l deliver them: in one KeyRunes message.
var textChunks = []string{
	"the word down test", "hello enter world", "f1", "q", "?", "v", "j",
	"alt+v", "ctrl+c", "tab", "shift+tab", "esc", "pgup", "end", "home",
}

// runes is one KeyRunes message holding s.
func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// words is s as Bubble Tea v1 reads it from a terminal in one chunk: a
// KeyRunes message per word, a KeySpace between them.
func words(s string) []tea.Msg {
	var out []tea.Msg
	for i, w := range strings.Split(s, " ") {
		if i > 0 {
			out = append(out, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		}
		if w != "" {
			out = append(out, runes(w))
		}
	}
	return out
}

// update sends msgs through m one at a time and fails on a quit.
func update(t *testing.T, m tea.Model, msgs ...tea.Msg) {
	t.Helper()
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		if cmd == nil {
			continue
		}
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatalf("%#v quit the program", msg)
		}
		drive(m, cmd())
	}
}

func TestComposerTakesRunesAsText(t *testing.T) {
	for _, s := range textChunks {
		for name, msgs := range map[string][]tea.Msg{"one message": {runes(s)}, "word by word": words(s)} {
			c := NewComposer(testCommon(60, 3))
			c.Focus()
			var out []tea.Msg
			for _, m := range msgs {
				if _, cmd := c.Update(m); cmd != nil {
					out = append(out, cmd())
				}
			}
			if c.Value() != s || len(out) > 0 {
				t.Errorf("%q, %s: value %q, commands %v", s, name, c.Value(), out)
			}
		}
	}
}

func TestAppComposerTakesRunesAsText(t *testing.T) {
	for _, s := range textChunks {
		for name, msgs := range map[string][]tea.Msg{"one message": {runes(s)}, "word by word": words(s)} {
			f := newFakeCore()
			a := mainApp(t, f)
			drive(a, keyMsgs("enter")...)
			update(t, a, msgs...)
			if a.composer.Value() != s || len(f.sent) > 0 || a.showHelp || a.focus != focusComposer || a.screen != screenMain {
				t.Errorf("%q, %s: composer %q, sent %q, help %v, focus %d, screen %d",
					s, name, a.composer.Value(), f.sent, a.showHelp, a.focus, a.screen)
			}
		}
	}
}

// formPages are the screens with text fields, each opened from the main
// screen, with the field that has the keyboard.
var formPages = []struct {
	name  string
	open  []string
	value func(a *App) string
}{
	{"verify", []string{"enter", "/verify", "enter"}, func(a *App) string { return a.page.(*VerifyView).form.value(fieldCode) }},
	{"restore", []string{"enter", "/backup restore", "enter"}, func(a *App) string { return a.page.(*RestoreView).form.value(fieldBackupPath) }},
	{"backup", []string{"enter", "/backup", "enter", "ctrl+u"}, func(a *App) string { return a.page.(*BackupView).form.value(0) }},
}

func TestFormsTakeRunesAsText(t *testing.T) {
	for _, p := range formPages {
		for _, s := range textChunks {
			f := newFakeCore()
			a := mainApp(t, f)
			drive(a, keyMsgs(p.open...)...)
			page := a.page
			update(t, a, runes(s))
			if a.page != page || a.showHelp || p.value(a) != s || len(f.verified) > 0 {
				t.Errorf("%s, %q: page %T, help %v, field %q, verified %v", p.name, s, a.page, a.showHelp, p.value(a), f.verified)
			}
		}
	}
}

func TestOnboardingAndUnlockTakeRunesAsText(t *testing.T) {
	for _, s := range textChunks {
		o := NewOnboarding(testCommon(80, 22), &fakeOpener{core: newFakeCore()})
		drive(o, words(s)...)
		if o.form.value(fieldName) != s || o.form.focus != fieldName || o.problem != "" {
			t.Errorf("onboarding, %q: name %q, focus %d, problem %q", s, o.form.value(fieldName), o.form.focus, o.problem)
		}
		u := NewUnlock(testCommon(80, 22), &fakeOpener{exists: true, core: newFakeCore()})
		drive(u, runes(s))
		if u.form.value(0) != s || u.busy {
			t.Errorf("unlock, %q: passphrase %q, busy %v", s, u.form.value(0), u.busy)
		}
	}
}

func TestRunesAreKeysOutsideTextFields(t *testing.T) {
	alt := func(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: true} }
	tests := []struct {
		name string
		keys []tea.Msg
		ok   func(a *App) bool
	}{
		{"? on the contact list opens help", []tea.Msg{runes("?")},
			func(a *App) bool { return a.showHelp }},
		{"j on the contact list moves down", []tea.Msg{runes("j")},
			func(a *App) bool { return a.contacts.cursor == 1 }},
		{"a pasted word on the contact list does nothing", []tea.Msg{runes("down")},
			func(a *App) bool { return a.contacts.cursor == 0 && !a.showHelp }},
		{"alt+a in the composer opens the next unread chat", append(keyMsgs("enter"), alt('a')),
			func(a *App) bool { c, _ := a.chat.Contact(); return c.Contact.ID == 2 && a.composer.Value() == "" }},
	}
	for _, tt := range tests {
		a := mainApp(t, newFakeCore())
		update(t, a, tt.keys...)
		if !tt.ok(a) {
			t.Errorf("%s: help %v, focus %d, cursor %d", tt.name, a.showHelp, a.focus, a.contacts.cursor)
		}
	}
}

func TestFormFieldOrder(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		focus int
	}{
		{"tab moves forward", []string{"tab"}, fieldPass},
		{"shift+tab moves back", []string{"tab", "tab", "shift+tab"}, fieldPass},
		{"shift+tab wraps to the last", []string{"shift+tab"}, fieldPassAgain},
	}
	for _, tt := range tests {
		o := NewOnboarding(testCommon(80, 22), &fakeOpener{core: newFakeCore()})
		drive(o, keyMsgs(tt.keys...)...)
		if o.form.focus != tt.focus {
			t.Errorf("%s: focus %d, want %d", tt.name, o.form.focus, tt.focus)
		}
	}
	v := verifyView(newFakeCore())
	drive(v, keyMsgs("tab", "shift+tab")...)
	if v.form.focus != fieldCode {
		t.Errorf("verify: shift+tab left the focus on %d", v.form.focus)
	}
}

func TestEnterOnEmptyFieldSaysWhatIsMissing(t *testing.T) {
	tests := []struct {
		name  string
		page  func() Component
		keys  []string
		says  string
		focus func(Component) int
	}{
		{"onboarding name", func() Component { return NewOnboarding(testCommon(80, 22), &fakeOpener{core: newFakeCore()}) },
			[]string{"enter"}, "Choose a display name", func(c Component) int { return c.(*Onboarding).form.focus }},
		{"onboarding passphrase", func() Component { return NewOnboarding(testCommon(80, 22), &fakeOpener{core: newFakeCore()}) },
			[]string{"Al", "enter", "enter"}, "Choose a passphrase", func(c Component) int { return c.(*Onboarding).form.focus - fieldPass }},
		{"onboarding name left empty, submitted from the end", func() Component { return NewOnboarding(testCommon(80, 22), &fakeOpener{core: newFakeCore()}) },
			[]string{"tab", "long enough", "tab", "long enough", "enter"}, "Choose a display name", func(c Component) int { return c.(*Onboarding).form.focus }},
		{"restore path", func() Component { return NewRestoreView(testCommon(80, 22), newFakeCore()) },
			[]string{"enter"}, "Type the backup file's path", func(c Component) int { return c.(*RestoreView).form.focus }},
		{"verify code", func() Component { return verifyView(newFakeCore()) },
			[]string{"enter"}, "60 digits of their screen first", func(c Component) int { return c.(*VerifyView).form.focus }},
		{"unlock", func() Component { return NewUnlock(testCommon(80, 22), &fakeOpener{exists: true, core: newFakeCore()}) },
			[]string{"enter"}, "Type your passphrase", func(c Component) int { return c.(*Unlock).form.focus }},
	}
	for _, tt := range tests {
		p := tt.page()
		drive(p, keyMsgs(tt.keys...)...)
		if !strings.Contains(p.View(), tt.says) || tt.focus(p) != 0 {
			t.Errorf("%s: focus %d, view:\n%s", tt.name, tt.focus(p), p.View())
		}
	}
}

func TestMessageShownAtSentTime(t *testing.T) {
	sent, got := t0.Add(-3*time.Hour), t0
	tests := []struct {
		name string
		m    chat.Message
		want time.Time
	}{
		{"incoming: when sent", chat.Message{Direction: chat.Incoming, Sent: sent, Received: got}, sent},
		{"outgoing: when sent", chat.Message{Direction: chat.Outgoing, Sent: sent, Received: got}, sent},
		{"incoming, sent unknown", chat.Message{Direction: chat.Incoming, Received: got}, got},
		{"incoming, received unknown", chat.Message{Direction: chat.Incoming, Sent: sent}, sent},
		{"incoming, the peer's clock ahead", chat.Message{Direction: chat.Incoming, Sent: got.Add(time.Hour), Received: got}, got},
	}
	for _, tt := range tests {
		if at := shownAt(tt.m); !at.Equal(tt.want) {
			t.Errorf("%s: at %v, want %v", tt.name, at, tt.want)
		}
	}
	out := renderBlock(testCommon(60, 10), "Alice", chat.Message{Direction: chat.Incoming, Body: []byte("waited"), Sent: sent, Received: got}, nil, 60)
	if !strings.Contains(strings.Join(out, "\n"), "12:00 Alice: waited") {
		t.Fatalf("an incoming message is not shown at its sent time:\n%s", strings.Join(out, "\n"))
	}
}

func TestTruncateWords(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want string
	}{
		{"File not sent: cancelled.", 40, "File not sent: cancelled."},
		{"File not sent: cancelled.", 20, "File not sent:…"},
		{"File not sent: cancelled.", 15, "File not sent:…"},
		{"File not sent: cancelled.", 14, "File not…"},
		{"Unbreakable", 6, "Unbre…"},
		{"Could not add the contact: the invite", 28, "Could not add the contact:…"},
		{"a b", 0, ""},
	}
	for _, tt := range tests {
		if got := truncateWords(tt.s, tt.w); got != tt.want {
			t.Errorf("truncateWords(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
	}
}

// TestCommandFromAnyPane checks that "/" typed, or text pasted, while the
// contact list or the chat has the keyboard goes to the composer instead
// of being dropped: a new user's first step is typing /add INVITE.
func TestCommandFromAnyPane(t *testing.T) {
	pasted := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("RATCHAT1:ABC"), Paste: true}
	tests := []struct {
		name  string
		focus []string // keys that move the keyboard to the pane
		msgs  []tea.Msg
		want  string
	}{
		{"slash from the contact list", nil, words("/add RATCHAT1:ABC"), "/add RATCHAT1:ABC"},
		{"slash from the chat", []string{"enter", "shift+tab"}, words("/help me"), "/help me"},
		{"paste into the contact list", nil, []tea.Msg{pasted}, "RATCHAT1:ABC"},
	}
	for _, tt := range tests {
		f := newFakeCore()
		a := mainApp(t, f)
		drive(a, keyMsgs(tt.focus...)...)
		if a.focus == focusComposer {
			t.Fatalf("%s: the composer had the keyboard before typing", tt.name)
		}
		update(t, a, tt.msgs...)
		if a.composer.Value() != tt.want || a.focus != focusComposer {
			t.Errorf("%s: composer %q, focus %d; want %q in the composer", tt.name, a.composer.Value(), a.focus, tt.want)
		}
	}
}
