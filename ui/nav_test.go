package ui

import (
	"testing"
	"time"

	"ratchat/chat"
)

func TestMoveCursor(t *testing.T) {
	tests := []struct{ cursor, n, delta, want int }{
		{0, 3, +1, 1},
		{2, 3, +1, 2}, // stops at the end
		{0, 3, -1, 0}, // stops at the start
		{1, 3, -1, 0},
		{0, 0, +1, 0}, // empty list
	}
	for _, tt := range tests {
		if got := moveCursor(tt.cursor, tt.n, tt.delta); got != tt.want {
			t.Errorf("moveCursor(%d, %d, %d) = %d, want %d", tt.cursor, tt.n, tt.delta, got, tt.want)
		}
	}
}

func TestScrollIntoView(t *testing.T) {
	tests := []struct{ offset, cursor, visible, want int }{
		{0, 0, 5, 0},
		{0, 4, 5, 0},
		{0, 5, 5, 1}, // one past the window: move by one
		{3, 1, 5, 1}, // above the window
		{2, 4, 5, 2}, // inside: no move
		{0, 9, 1, 9}, // window of one
	}
	for _, tt := range tests {
		if got := scrollIntoView(tt.offset, tt.cursor, tt.visible); got != tt.want {
			t.Errorf("scrollIntoView(%d, %d, %d) = %d, want %d", tt.offset, tt.cursor, tt.visible, got, tt.want)
		}
	}
}

func TestNextUnread(t *testing.T) {
	s := func(id chat.ContactID, unread int) chat.Summary {
		return chat.Summary{Contact: chat.Contact{ID: id}, Unread: unread}
	}
	items := []chat.Summary{s(1, 0), s(2, 2), s(3, 0), s(4, 1)}
	tests := []struct {
		name    string
		current chat.ContactID
		want    chat.ContactID
		ok      bool
	}{
		{"from none", 0, 2, true},
		{"after the current", 2, 4, true},
		{"wraps around", 4, 2, true},
		{"skips read chats", 3, 4, true},
	}
	for _, tt := range tests {
		got, ok := nextUnread(items, tt.current)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: nextUnread(%d) = %d, %v; want %d, %v", tt.name, tt.current, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := nextUnread([]chat.Summary{s(1, 5)}, 1); ok {
		t.Error("the open chat itself is not the next unread one")
	}
	if _, ok := nextUnread(nil, 0); ok {
		t.Error("no contacts, no unread")
	}
}

func TestCycleFocus(t *testing.T) {
	tests := []struct {
		keys []int
		want focus
	}{
		{nil, focusContacts},
		{[]int{+1}, focusChat},
		{[]int{+1, +1}, focusComposer},
		{[]int{+1, +1, +1}, focusContacts},
		{[]int{-1}, focusComposer},
		{[]int{+1, -1}, focusContacts},
	}
	for _, tt := range tests {
		f := focusContacts
		for _, d := range tt.keys {
			f = cycleFocus(f, d)
		}
		if f != tt.want {
			t.Errorf("cycleFocus after %v = %d, want %d", tt.keys, f, tt.want)
		}
	}
}

func TestClampScroll(t *testing.T) {
	tests := []struct {
		offset, height, avail int
		top                   bool
		want                  int
	}{
		{0, 10, 100, true, 0},
		{50, 10, 100, true, 50},
		{95, 10, 100, true, 90},  // cannot scroll past the first line
		{95, 10, 100, false, 95}, // more lines may exist above
		{5, 10, 4, true, 0},      // less than a screen
		{-3, 10, 100, false, 0},
	}
	for _, tt := range tests {
		if got := clampScroll(tt.offset, tt.height, tt.avail, tt.top); got != tt.want {
			t.Errorf("clampScroll(%d, %d, %d, %v) = %d, want %d", tt.offset, tt.height, tt.avail, tt.top, got, tt.want)
		}
	}
}

func TestParseTimer(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"off", 0, true},
		{"0", 0, true},
		{"30s", 30 * time.Second, true},
		{"1h", time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{" 5M ", 5 * time.Minute, true},
		{"", 0, false},
		{"500ms", 0, false}, // under a second
		{"400d", 0, false},  // over a year
		{"soon", 0, false},
		{"-1h", 0, false},
	}
	for _, tt := range tests {
		got, err := parseTimer(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTimer(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestShortTime(t *testing.T) {
	c := testCommon(80, 24)
	tests := []struct {
		at   time.Time
		want string
	}{
		{t0.Add(-time.Hour), "14:00"},
		{t0.Add(-48 * time.Hour), "12 Mar"},
		{t0.AddDate(-1, 0, 0), "2025-03-14"},
	}
	for _, tt := range tests {
		if got := shortTime(c, tt.at); got != tt.want {
			t.Errorf("shortTime(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "30s"},
		{5 * time.Minute, "5m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{7 * 24 * time.Hour, "7d"},
		{25 * time.Hour, "25h"},
	}
	for _, tt := range tests {
		if got := shortDuration(tt.d); got != tt.want {
			t.Errorf("shortDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestRequestsSortAfterContacts: a message request, even the newest, is
// listed after every contact, a blocked one after the requests, and a
// removed one leaves the list.
func TestRequestsSortAfterContacts(t *testing.T) {
	now := time.Now()
	old := chat.Message{Received: now.Add(-time.Hour)}
	fresh := chat.Message{Received: now}
	alice := chat.Summary{Contact: chat.Contact{ID: 1, Name: "alice"}, Last: &old}
	impostor := chat.Summary{Contact: chat.Contact{ID: 2, Name: "alice", State: chat.StateRequest}, Last: &fresh,
		Mark: "not the same key as your contact alice"}
	l := NewContactList(Common{})
	l.SetItems([]chat.Summary{impostor, alice})
	if got := l.Items(); len(got) != 2 || got[0].Contact.ID != 1 || got[1].Contact.ID != 2 {
		t.Fatalf("order %+v, want alice then the request", got)
	}
	bob := chat.Summary{Contact: chat.Contact{ID: 3, Name: "bob", State: chat.StateRequest}, Last: &old}
	l.Upsert(bob)
	impostor.Contact.State = chat.StateBlocked
	l.Upsert(impostor)
	if got := l.Items(); len(got) != 3 || got[0].Contact.ID != 1 || got[1].Contact.ID != 3 || got[2].Contact.ID != 2 {
		t.Fatalf("after the block: %+v, want alice, bob's request, the blocked one", got)
	}
	impostor.Contact.State = chat.StateRemoved
	l.Upsert(impostor)
	l.Remove(3)
	if got := l.Items(); len(got) != 1 || got[0].Contact.ID != 1 {
		t.Fatalf("after the removals: %+v", got)
	}
}
