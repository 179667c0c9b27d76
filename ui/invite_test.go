package ui

import (
	"bytes"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// testInvite is the fake core's invite.
const testInvite = "ratchat:v1:127.0.0.1:7070:BXNlY3JldC1pZGVudGl0eS1rZXktZm9yLXRlc3Rz"

func TestCopyWritesOSC52(t *testing.T) {
	var out bytes.Buffer
	msg := copyCmd(&out, testInvite)()
	want := "\x1b]52;c;cmF0Y2hhdDp2MToxMjcuMC4wLjE6NzA3MDpCWE5sWTNKbGRDMXBaR1Z1ZEdsMGVTMXJaWGt0Wm05eUxYUmxjM1J6\x07"
	if out.String() != want {
		t.Fatalf("wrote %q, want %q", out.String(), want)
	}
	if _, ok := msg.(noticeMsg); !ok {
		t.Fatalf("copying answered %#v, want a notice", msg)
	}
}

func TestInviteCommandShowsAndCopies(t *testing.T) {
	var out bytes.Buffer
	c := testCommon(0, 0)
	c.Terminal = &out
	a := NewMainApp(c, newFakeCore())
	drive(a, a.Init()(), windowSize(80, 24))
	drive(a, keyMsgs("tab", "tab", "/invite", "enter")...)
	if _, ok := a.page.(*InviteView); !ok || !strings.Contains(a.View(), testInvite) || !strings.Contains(a.View(), "c copy invite") {
		t.Fatalf("/invite shows %T:\n%s", a.page, a.View())
	}
	drive(a, keyMsgs("c")...)
	if out.String() != osc52(testInvite) || !strings.Contains(a.View(), "Invite copied") {
		t.Fatalf("c wrote %q; view:\n%s", out.String(), a.View())
	}
	drive(a, keyMsgs("esc")...)
	if a.screen != screenMain {
		t.Fatal("esc did not leave the invite")
	}
}

func TestOnboardingInviteCopies(t *testing.T) {
	var out bytes.Buffer
	c := testCommon(0, 0)
	c.Terminal = &out
	a := NewApp(c, &fakeOpener{core: newFakeCore()})
	drive(a, a.Init()(), windowSize(80, 24))
	drive(a, keyMsgs("Zoë", "enter", "correct horse", "enter", "correct horse", "enter", "c")...)
	if out.String() != osc52(testInvite) || a.screen != screenOpen {
		t.Fatalf("c on the new invite wrote %q, screen %d", out.String(), a.screen)
	}
}

func TestInviteWrapsWithoutBreakingIt(t *testing.T) {
	long := testInvite + strings.Repeat("ABCDEFGH", 20)
	for _, w := range []int{40, 50, 80} {
		c := testCommon(w, 22)
		lines := strings.Split(renderInvite(c, long, ""), "\n")[1:] // below the title
		var joined string
		for _, l := range lines {
			if !strings.HasPrefix(long[len(joined):], l) {
				break
			}
			if len(l) > w {
				t.Fatalf("width %d: line %q is wider", w, l)
			}
			joined += l
		}
		if joined != long {
			t.Fatalf("width %d: the lines join to %q, not the invite", w, joined)
		}
	}
}

// collect runs a command and the commands its batches hold, and returns
// the messages they give, as the Bubble Tea loop would see them.
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	batch, ok := msg.(tea.BatchMsg)
	if !ok {
		return []tea.Msg{msg}
	}
	var out []tea.Msg
	for _, c := range batch {
		out = append(out, collect(c)...)
	}
	return out
}

// has reports whether msgs hold want.
func has(msgs []tea.Msg, want tea.Msg) bool {
	for _, m := range msgs {
		if m == want {
			return true
		}
	}
	return false
}

func TestMouseCapturedOnTheMainScreenOnly(t *testing.T) {
	on, off := tea.EnableMouseCellMotion(), tea.DisableMouse()
	a := NewApp(testCommon(0, 0), &fakeOpener{core: newFakeCore()})
	a.Update(windowSize(80, 24))
	var seen []tea.Msg
	var feed func(tea.Msg)
	feed = func(msg tea.Msg) {
		_, cmd := a.Update(msg)
		msgs := collect(cmd)
		seen = append(seen, msgs...)
		for _, m := range msgs {
			if m != nil && m != on && m != off {
				feed(m)
			}
		}
	}
	feed(a.Init()())
	for _, k := range keyMsgs("Zoë", "enter", "correct horse", "enter", "correct horse", "enter") {
		feed(k)
	}
	if a.screen != screenOpen || has(seen, on) {
		t.Fatalf("the mouse is captured on the onboarding screen (screen %d)", a.screen)
	}
	feed(keyMsgs("enter")[0])
	if a.screen != screenMain || !has(seen, on) {
		t.Fatal("the main screen does not capture the mouse for the wheel")
	}
	seen = nil
	for _, k := range keyMsgs("tab", "tab", "/invite", "enter") {
		feed(k)
	}
	if !has(seen, off) {
		t.Fatal("the /invite screen keeps the mouse captured")
	}
}
