package ui

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// mainApp returns the main screen over a fake core at 80×24.
func mainApp(t *testing.T, f *fakeCore) *App {
	t.Helper()
	a := NewMainApp(testCommon(0, 0), f)
	drive(a, a.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24})
	return a
}

func TestContactListKeys(t *testing.T) {
	tests := []struct {
		keys   []string
		cursor int
		opened chat.ContactID // 0: none
	}{
		{nil, 0, 0},
		{[]string{"down"}, 1, 0},
		{[]string{"j", "j", "j", "j"}, 2, 0}, // stops at the last
		{[]string{"down", "k"}, 0, 0},
		{[]string{"down", "enter"}, 1, 2},
		{[]string{"down", "down", "enter"}, 2, 3},
	}
	for _, tt := range tests {
		l := NewContactList(testCommon(24, 10))
		l.SetItems(newFakeCore().contacts)
		var opened chat.ContactID
		for _, k := range keyMsgs(tt.keys...) {
			_, cmd := l.Update(k)
			if cmd != nil {
				if m, ok := cmd().(OpenChatMsg); ok {
					opened = m.Contact.Contact.ID
				}
			}
		}
		if l.cursor != tt.cursor || opened != tt.opened {
			t.Errorf("keys %v: cursor %d, opened %d; want %d, %d", tt.keys, l.cursor, opened, tt.cursor, tt.opened)
		}
	}
}

func TestContactListKeepsSelection(t *testing.T) {
	l := NewContactList(testCommon(24, 10))
	l.SetItems(newFakeCore().contacts)
	l.Select(3)
	c := newFakeCore().contacts[2]
	last := *c.Last
	last.Received = t0 // Carol moves to the top
	c.Last = &last
	l.Upsert(c)
	if sel, _ := l.Selected(); sel.Contact.ID != 3 || l.cursor != 0 {
		t.Fatalf("selection = %d at %d, want Carol at the top", sel.Contact.ID, l.cursor)
	}
}

// openChat returns a chat view of n messages, open and loaded.
func openChat(t *testing.T, n, h int) (*ChatView, *fakeCore) {
	t.Helper()
	f := newFakeCore()
	f.msgs[1] = bigChat(n)
	v := NewChatView(testCommon(60, h), f)
	drive(v, v.Open(f.contacts[0])())
	return v, f
}

// TestChatScrollKeys: page up, page down and end scroll; up and down (and
// vim's k and j) select messages, and the view follows the selection,
// which scrolls it once the selection leaves the screen.
func TestChatScrollKeys(t *testing.T) {
	// 20 lines tall: 18 message lines; a page moves 17.
	k := func(n int) []string { return slices.Repeat([]string{"k"}, n) }
	tests := []struct {
		name     string
		keys     []string
		offset   int
		selected int // rows above the newest; -1: none
	}{
		{"starts at the bottom", nil, 0, -1},
		{"page up", []string{"pgup"}, 17, -1},
		{"two pages up", []string{"pgup", "pgup"}, 34, -1},
		{"page up and down", []string{"pgup", "pgdown"}, 0, -1},
		{"not below the bottom", []string{"pgdown", "down"}, 0, -1},
		{"up selects, the view stays", []string{"up", "up", "up", "down"}, 0, 1},
		{"vim keys select", []string{"k", "k", "k", "j"}, 0, 1},
		{"down past the newest clears", []string{"k", "j", "j"}, 0, -1},
		{"the view follows the selection", k(12), 6, 11},
		{"end jumps to the newest", []string{"pgup", "pgup", "end"}, 0, -1},
	}
	for _, tt := range tests {
		v, _ := openChat(t, 500, 20)
		drive(v, keyMsgs(tt.keys...)...)
		selected := -1
		if i := v.selIndex(); i >= 0 {
			selected = len(v.msgs) - 1 - i
		}
		if v.offset != tt.offset || selected != tt.selected {
			t.Errorf("%s: offset %d, selected %d; want %d, %d", tt.name, v.offset, selected, tt.offset, tt.selected)
		}
	}
}

func TestChatMouseWheel(t *testing.T) {
	v, _ := openChat(t, 500, 20)
	up := tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress}
	down := tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress}
	drive(v, up, up, down)
	if v.offset != wheelLines {
		t.Fatalf("offset after up, up, down = %d, want %d", v.offset, wheelLines)
	}
}

func TestChatStopsAtTheTop(t *testing.T) {
	v, f := openChat(t, 10, 20) // all fits in a page: nothing older
	drive(v, keyMsgs("pgup", "pgup", "pgup")...)
	lines, avail, top := v.window(0, 1<<20)
	if !top || v.offset != max(0, avail-v.area()) {
		t.Fatalf("offset %d of %d lines (top %v)", v.offset, len(lines), top)
	}
	if f.pages != 1 {
		t.Fatalf("%d page loads for a chat that fits in one", f.pages)
	}
}

func TestChatPagesOlderMessages(t *testing.T) {
	v, f := openChat(t, 1000, 20)
	if got := len(v.msgs); got != v.pageSize() {
		t.Fatalf("opened with %d messages, want one page of %d", got, v.pageSize())
	}
	for range 20 {
		drive(v, keyMsgs("pgup")...)
	}
	if len(v.msgs) <= v.pageSize() || f.pages < 2 {
		t.Fatalf("after scrolling up: %d messages in %d loads, want older pages", len(v.msgs), f.pages)
	}
	for i := 1; i < len(v.msgs); i++ {
		if v.msgs[i].Seq <= v.msgs[i-1].Seq {
			t.Fatalf("messages out of order at %d: %d after %d", i, v.msgs[i].Seq, v.msgs[i-1].Seq)
		}
	}
}

func TestChatNewMessagesBelowCue(t *testing.T) {
	v, f := openChat(t, 500, 20)
	incoming := chat.MessageReceived{Contact: 1, Message: text(501, chat.Incoming, "psst", t0, chat.StatusDelivered)}
	drive(v, keyMsgs("pgup")...)
	before := v.View()
	drive(v, incoming)
	if v.newBelow != 1 || !strings.Contains(v.View(), "1 new message below") {
		t.Fatalf("no cue after a message while scrolled up:\n%s", v.View())
	}
	if strip(before) != strip(v.View()) && !sameBody(before, v.View()) {
		t.Fatalf("the view moved when a message arrived while scrolled up")
	}
	if f.marked[1] == 501 {
		t.Fatal("marked read while the message was not on screen")
	}
	drive(v, keyMsgs("end")...)
	if v.newBelow != 0 || strings.Contains(v.View(), "new message") || !strings.Contains(v.View(), "psst") {
		t.Fatalf("cue still shown at the bottom:\n%s", v.View())
	}
	if f.marked[1] != 501 {
		t.Fatalf("read up to %d, want 501", f.marked[1])
	}
}

// windowSize is a resize message.
func windowSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// sameBody compares two chat views without their footer line.
func sameBody(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	return strings.Join(la[:len(la)-1], "\n") == strings.Join(lb[:len(lb)-1], "\n")
}

// strip is the identity: the golden profile renders no escapes.
func strip(s string) string { return s }

func TestChatReceiptsUpdateTicks(t *testing.T) {
	f := newFakeCore()
	v := NewChatView(testCommon(60, 20), f)
	drive(v, v.Open(f.contacts[0])())
	if !strings.Contains(v.View(), "line two ✓\n") && !strings.Contains(v.View(), "line two ✓ ") {
		t.Fatalf("sent message without one tick:\n%s", v.View())
	}
	drive(v, chat.StatusChanged{Contact: 1, ID: msgID(6), Status: chat.StatusDelivered})
	if !strings.Contains(v.View(), "line two ✓✓") {
		t.Fatalf("delivered message without two ticks:\n%s", v.View())
	}
	drive(v, chat.StatusChanged{Contact: 1, ID: msgID(6), Status: chat.StatusSent}) // late, older receipt
	if !strings.Contains(v.View(), "line two ✓✓") {
		t.Fatal("a late receipt moved the status backwards")
	}
}

func TestComposerKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		value string
		out   any
	}{
		{"enter sends", []string{"hi", "enter"}, "", SubmitMsg{Text: "hi"}},
		{"alt+enter adds a line", []string{"a", "alt+enter", "b", "enter"}, "", SubmitMsg{Text: "a\nb"}},
		{"blank is not sent", []string{"space", "enter"}, " ", nil},
		{"command", []string{"/timer 1h", "enter"}, "", CommandMsg{Name: "timer", Arg: "1h"}},
		{"tab completes", []string{"/ve", "tab"}, "/verify ", nil},
		{"ctrl+u clears the line", []string{"hello", "ctrl+u"}, "", nil},
		{"ctrl+w deletes a word", []string{"hello world", "ctrl+w"}, "hello ", nil},
		{"ctrl+a then typing", []string{"world", "ctrl+a", "hello "}, "hello world", nil},
		{"history", []string{"one", "enter", "two", "enter", "up", "up"}, "one", nil},
		{"history back to draft", []string{"one", "enter", "dr", "up", "down"}, "dr", nil},
		{"up in a second line moves the cursor", []string{"a", "alt+enter", "b", "up", "x"}, "ax\nb", nil},
	}
	for _, tt := range tests {
		c := NewComposer(testCommon(60, 3))
		c.Focus()
		var out any
		for _, k := range keyMsgs(tt.keys...) {
			if _, cmd := c.Update(k); cmd != nil {
				if m := cmd(); m != nil {
					out = m
				}
			}
		}
		if c.Value() != tt.value {
			t.Errorf("%s: value %q, want %q", tt.name, c.Value(), tt.value)
		}
		if tt.out != nil && out != tt.out {
			t.Errorf("%s: submitted %#v, want %#v", tt.name, out, tt.out)
		}
	}
}
