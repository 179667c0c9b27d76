package ui

import (
	"testing"

	"ratchat/chat"
)

// TestContactListGroupOnly: a member known only through a group (a
// request with no 1:1 row) is not added to the list by its
// ContactChanged's summary; once it wrote to us it is.
func TestContactListGroupOnly(t *testing.T) {
	tests := []struct {
		name   string
		s      chat.Summary
		listed bool
	}{
		{"group-only member", chat.Summary{Contact: chat.Contact{ID: 9, State: chat.StateRequest}, GroupOnly: true}, false},
		{"request that wrote", chat.Summary{Contact: chat.Contact{ID: 9, State: chat.StateRequest},
			Last: &chat.Message{Seq: 1, Body: []byte("hi")}}, true},
	}
	for _, tt := range tests {
		l := NewContactList(testCommon(24, 10))
		l.SetItems(newFakeCore().contacts)
		l.Upsert(tt.s)
		listed := false
		for _, s := range l.items {
			listed = listed || s.Contact.ID == 9
		}
		if listed != tt.listed {
			t.Errorf("%s: listed %v, want %v", tt.name, listed, tt.listed)
		}
	}
}

// TestAppNextUnreadGroup: alt+a reaches a group with unread messages
// after the contacts with some.
func TestAppNextUnreadGroup(t *testing.T) {
	a := mainApp(t, withGroup(newFakeCore()))
	seen := map[chat.ContactID]bool{}
	for range 3 {
		drive(a, keyMsgs("alt+a")...)
		if c, ok := a.chat.Contact(); ok {
			seen[c.Contact.ID] = true
		}
	}
	if !seen[climbing] || !seen[2] || !seen[3] {
		t.Fatalf("alt+a opened %v, want Bob, Carol and the group", seen)
	}
}
