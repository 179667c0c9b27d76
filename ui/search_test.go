package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

func TestGoldenSearch(t *testing.T) {
	f := newFakeCore()
	f.indexing = true
	runGolden(t, mainModel(f), loaded,
		step{send: keyMsgs("/", "search the", "enter"), wait: "found"})
}

func TestGoldenSearchNothing(t *testing.T) {
	runGolden(t, mainModel(newFakeCore()), loaded,
		step{send: keyMsgs("/", "search zebra", "enter"), wait: "Nothing found"})
}

// TestGoldenSearchOpen opens a result deep in a long chat: older pages
// load until the row is there, and the view shows it.
func TestGoldenSearchOpen(t *testing.T) {
	f := newFakeCore()
	f.msgs[1] = bigChat(3000)
	runGolden(t, mainModel(f), loaded,
		step{send: keyMsgs("/", "search number 42 with", "enter"), wait: "1 found"},
		step{send: keyMsgs("enter"), wait: "number 43 with"})
}

func TestGoldenBlockedListed(t *testing.T) {
	f := newFakeCore()
	blocked := summary(4, "Mallet", 0, "buy now", t0.Add(-time.Hour), false)
	blocked.Contact.State = chat.StateBlocked
	f.blocked = []chat.Summary{blocked}
	runGolden(t, mainModel(f), step{wait: "Mallet"})
}

// TestSearchOpenAt drives the search page and the jump without a
// terminal: the chat opens at the row, with the rows after it loaded too.
func TestSearchOpenAt(t *testing.T) {
	f := newFakeCore()
	f.msgs[1] = bigChat(3000)
	f.events = connected()
	a := NewMainApp(testCommon(100, 30), f)
	d := newDriver(a)
	d.exec(a.Init())
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.until(t, func(v string) bool { return strings.Contains(v, "Carol") })
	for _, m := range keyMsgs("/", "search number 1234 with", "enter") {
		d.send(m)
	}
	d.until(t, func(v string) bool { return strings.Contains(v, "1 found") })
	d.send(tea.KeyMsg{Type: tea.KeyEnter})
	d.until(t, func(v string) bool { return a.screen == screenMain && strings.Contains(v, "number 1234 with") })
	if a.chat.Target() != 1234 || len(a.chat.msgs) == 0 || a.chat.msgs[0].Seq > 1234 ||
		a.chat.msgs[len(a.chat.msgs)-1].Seq != 3000 {
		t.Fatalf("target %d, loaded %d rows", a.chat.Target(), len(a.chat.msgs))
	}
	if a.focus != focusChat || a.screen != screenMain {
		t.Errorf("focus %v, screen %v", a.focus, a.screen)
	}
}

// TestRemoveConfirm: /remove asks first; /remove yes and /remove keep
// remove; the ContactRemoved event takes the contact off the list and
// closes its chat.
func TestRemoveConfirm(t *testing.T) {
	f := newFakeCore()
	f.events = connected()
	a := NewMainApp(testCommon(100, 30), f)
	d := newDriver(a)
	d.exec(a.Init())
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.until(t, func(v string) bool { return strings.Contains(v, "Carol") })
	d.send(tea.KeyMsg{Type: tea.KeyEnter}) // Alice's chat
	d.until(t, func(v string) bool { return strings.Contains(v, "map.png") })
	for _, m := range keyMsgs("/remove", "enter") {
		d.send(m)
	}
	d.until(t, func(v string) bool { return strings.Contains(v, "/remove yes deletes") })
	for _, m := range keyMsgs("/remove keep", "enter") {
		d.send(m)
	}
	d.until(t, func(v string) bool { return strings.Contains(v, "Removed Alice (chat kept)") })
	f.mu.Lock()
	removed := strings.Join(f.removed, " ")
	f.mu.Unlock()
	if removed != "1:true" {
		t.Fatalf("Remove calls: %q", removed)
	}
	d.send(chat.ContactRemoved{Contact: chat.Contact{ID: 1, Name: "Alice"}, KeptHistory: true})
	if _, open := a.chat.Contact(); open {
		t.Error("the removed contact's chat is still open")
	}
	for _, c := range a.contacts.Items() {
		if c.Contact.ID == 1 {
			t.Error("the removed contact is still listed")
		}
	}
}
