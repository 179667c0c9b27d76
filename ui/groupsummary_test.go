package ui

import (
	"strings"
	"testing"

	"ratchat/chat"
	"ratchat/store"
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
		for _, before := range []bool{false, true} { // new to the list, or listed already
			l := NewContactList(testCommon(24, 10))
			l.SetItems(newFakeCore().contacts)
			if before {
				l.Upsert(chat.Summary{Contact: chat.Contact{ID: 9, State: chat.StateRequest}})
			}
			l.Upsert(tt.s)
			listed := false
			for _, s := range l.items {
				listed = listed || s.Contact.ID == 9
			}
			if listed != tt.listed {
				t.Errorf("%s (listed before: %v): listed %v, want %v", tt.name, before, listed, tt.listed)
			}
		}
	}
}

// TestGroupPreviewSender: a group's row shows who wrote its newest
// message by the name its summary carries, also for a member the list
// does not show.
func TestGroupPreviewSender(t *testing.T) {
	l := NewContactList(testCommon(40, 10))
	g := chat.Summary{Contact: chat.Contact{ID: 7, GroupID: store.GroupID{1}, Name: "climbing", State: chat.StateContact},
		Last:       &chat.Message{Seq: 1, Sender: 42, Body: []byte("ropes at nine"), Kind: chat.RowText},
		LastSender: "key 3f2a91bc"}
	l.SetItems([]chat.Summary{g})
	if out := l.View(); !strings.Contains(out, "key 3f2a91bc: ropes") {
		t.Fatalf("the group's row does not name the sender:\n%s", out)
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
