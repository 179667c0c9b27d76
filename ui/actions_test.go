package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// actionsChat is a chat with every mark of message actions: a reply, an
// edited message, reactions, a deleted message and an unsupported one.
func actionsChat() []chat.Message {
	in, out := chat.Incoming, chat.Outgoing
	edited := text(2, out, "yes, 7pm at the usual place", t0.Add(-50*time.Minute), chat.StatusRead)
	edited.Edited = t0.Add(-45 * time.Minute)
	edited.Versions = []chat.Version{{Body: []byte("yes, 6pm at the usual place"), At: edited.Sent}}
	edited.Reactions = []chat.Reaction{{From: in, Emoji: "👍"}, {From: out, Emoji: "👍"}}
	reply := text(3, in, "perfect, see you then", t0.Add(-40*time.Minute), chat.StatusRead)
	reply.Quote = msgID(2)
	reply.Reactions = []chat.Reaction{{From: out, Emoji: "❤️"}}
	deleted := text(4, in, "", t0.Add(-30*time.Minute), chat.StatusRead)
	deleted.Kind = chat.RowDeleted
	unsupported := text(5, in, "", t0.Add(-20*time.Minute), chat.StatusDelivered)
	unsupported.Kind = chat.RowUnsupported
	return []chat.Message{
		text(1, in, "are we still on for tonight?", t0.Add(-60*time.Minute), chat.StatusRead),
		edited, reply, deleted, unsupported,
		text(6, out, "bringing the book", t0.Add(-10*time.Minute), chat.StatusDelivered),
	}
}

// actionsCore is a fake core whose Alice chat is actionsChat.
func actionsCore() *fakeCore {
	f := newFakeCore()
	f.msgs[1] = actionsChat()
	return f
}

// openActions waits for the contacts and the status bar, opens Alice's
// chat in the main screen and gives the chat pane the keyboard.
var openActions = []step{
	{wait: "Carol", also: []string{"Mallory"}},
	{send: keyMsgs("enter"), wait: "bringing the book"},
	{send: keyMsgs("shift+tab"), wait: "select message"},
}

func TestGoldenMessageActions(t *testing.T) {
	runGolden(t, mainModel(actionsCore()), openActions...)
}

func TestGoldenMessageSelected(t *testing.T) {
	runGolden(t, mainModel(actionsCore()), append(openActions,
		step{send: keyMsgs("up", "up"), wait: "▸"})...)
}

func TestGoldenDeletePrompt(t *testing.T) {
	runGolden(t, mainModel(actionsCore()), append(openActions,
		step{send: keyMsgs("up", "d"), wait: "for everyone"})...)
}

func TestGoldenReactPicker(t *testing.T) {
	runGolden(t, mainModel(actionsCore()), append(openActions,
		step{send: keyMsgs("up", "+"), wait: "0 remove"})...)
}

func TestGoldenMessageInfo(t *testing.T) {
	runGolden(t, mainModel(actionsCore()), append(openActions,
		step{send: keyMsgs("up", "up", "up", "up", "i"), wait: "Earlier versions"})...)
}

func TestGoldenReplyComposer(t *testing.T) {
	runGolden(t, mainModel(actionsCore()), append(openActions,
		step{send: keyMsgs("up", "up", "up", "r"), wait: "replying to"})...)
}

// mainAt returns the main screen over f with Alice's chat open and the
// chat pane focused.
func mainAt(t *testing.T, f *fakeCore) *App {
	t.Helper()
	a := mainApp(t, f)
	drive(a, keyMsgs("enter", "shift+tab")...)
	if a.focus != focusChat {
		t.Fatalf("focus %d, want the chat pane", a.focus)
	}
	return a
}

// TestMessageActionKeys drives each action through the main screen with
// key sequences and checks what reaches the core.
func TestMessageActionKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		check func(*fakeCore, *App) bool
	}{
		{"edit the newest", []string{"up", "e", "ctrl+u", "bringing two books", "enter"}, func(f *fakeCore, _ *App) bool {
			m := f.msgs[1][5]
			return string(m.Body) == "bringing two books" && len(m.Versions) == 1
		}},
		{"reply quotes", []string{"up", "up", "up", "up", "r", "ok!", "enter"}, func(f *fakeCore, _ *App) bool {
			last := f.msgs[1][len(f.msgs[1])-1]
			return string(last.Body) == "ok!" && last.Quote == msgID(2)
		}},
		{"esc cancels a reply", []string{"up", "r", "esc", "plain", "enter"}, func(f *fakeCore, _ *App) bool {
			last := f.msgs[1][len(f.msgs[1])-1]
			return string(last.Body) == "plain" && last.Quote == chat.MessageID{}
		}},
		{"delete for me", []string{"up", "d", "m"}, func(f *fakeCore, _ *App) bool { return f.msgs[1][5].Kind == chat.RowDeleted }},
		{"delete for everyone", []string{"up", "d", "a"}, func(f *fakeCore, _ *App) bool { return f.msgs[1][5].Kind == chat.RowDeleted }},
		{"not an answer asks on", []string{"up", "d", "x"}, func(f *fakeCore, a *App) bool {
			return f.msgs[1][5].Kind == chat.RowText && a.chat.prompt == promptDelete
		}},
		{"esc cancels a delete", []string{"up", "d", "esc", "a"}, func(f *fakeCore, _ *App) bool { return f.msgs[1][5].Kind == chat.RowText }},
		{"react from the picker", []string{"up", "+", "2"}, func(f *fakeCore, _ *App) bool {
			r := f.msgs[1][5].Reactions
			return len(r) == 1 && r[0].Emoji == "❤️"
		}},
		{"react typed", []string{"up", "+", "🎉"}, func(f *fakeCore, _ *App) bool {
			r := f.msgs[1][5].Reactions
			return len(r) == 1 && r[0].Emoji == "🎉"
		}},
		{"remove a reaction", []string{"up", "up", "up", "up", "+", "0"}, func(f *fakeCore, _ *App) bool {
			r := f.msgs[1][1].Reactions
			return len(r) == 1 && r[0].From == chat.Incoming
		}},
		{"edit of theirs is refused", []string{"up", "up", "up", "e"}, func(f *fakeCore, a *App) bool {
			return strings.Contains(a.chat.note, "Only your own") && a.focus == focusChat
		}},
		{"r with nothing selected restores", []string{"r"}, func(_ *fakeCore, a *App) bool { return a.page != nil }},
		{"down past the newest deselects", []string{"up", "down"}, func(_ *fakeCore, a *App) bool {
			_, ok := a.chat.Selected()
			return !ok
		}},
		{"info", []string{"up", "i"}, func(_ *fakeCore, a *App) bool { return a.chat.info != nil }},
		{"enter on a reply jumps to the original", []string{"up", "up", "up", "enter"}, func(_ *fakeCore, a *App) bool {
			m, ok := a.chat.Selected()
			return ok && m.Seq == 2
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := actionsCore()
			a := mainAt(t, f)
			drive(a, keyMsgs(tt.keys...)...)
			f.mu.Lock()
			defer f.mu.Unlock()
			if !tt.check(f, a) {
				t.Fatalf("after %q: %+v", tt.keys, f.msgs[1])
			}
		})
	}
}

// TestChatClickSelects clicks on a message line and on a system line.
func TestChatClickSelects(t *testing.T) {
	f := actionsCore()
	v := NewChatView(testCommon(60, 20), f)
	drive(v, v.Open(f.contacts[0])())
	v.SetOrigin(10, 3)
	lines, _, _ := v.window(0, v.area())
	pad := v.area() - len(lines)
	row := func(text string) int {
		for i, l := range lines {
			if strings.Contains(l, text) {
				return v.originY + 1 + pad + i
			}
		}
		t.Fatalf("%q not on screen", text)
		return 0
	}
	click := func(y int) tea.MouseMsg {
		return tea.MouseMsg{X: 20, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}
	}
	drive(v, click(row("perfect, see you")))
	if m, ok := v.Selected(); !ok || m.Seq != 3 {
		t.Fatalf("click on the reply selected %+v, %v", m.Seq, ok)
	}
	drive(v, click(row("Unsupported message")))
	if m, _ := v.Selected(); m.Seq != 3 {
		t.Fatalf("a click on a system line moved the selection to %d", m.Seq)
	}
	drive(v, click(0))
	if m, _ := v.Selected(); m.Seq != 3 {
		t.Fatalf("a click outside the pane moved the selection to %d", m.Seq)
	}
}
