package store

import (
	"errors"
	"testing"
)

// TestForget: a removed contact keeps its row and messages, loses its
// session and deposit token, and others are untouched.
func TestForget(t *testing.T) {
	s, _ := newTestStore(t)
	gone := addTestContact(t, s, 1, "gone")
	friend := addTestContact(t, s, 2, "friend")
	if _, err := s.InsertMessages(bg, []Message{testMessage(gone, 1), testMessage(friend, 2)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []ContactID{gone, friend} {
		if err := s.PutSession(bg, id, []byte("state")); err != nil {
			t.Fatal(err)
		}
		if err := s.SetContactToken(bg, DepositToken{Contact: id, Kind: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Forget(bg, gone); err != nil {
		t.Fatal(err)
	}
	c, err := s.Contact(bg, gone)
	if err != nil || c.State != StateRemoved || c.Name != "gone" {
		t.Fatalf("removed row: %+v, %v", c, err)
	}
	if rows, _, err := s.Messages(bg, gone, 0, 10); err != nil || len(rows) != 1 {
		t.Errorf("kept history: %d rows, %v", len(rows), err)
	}
	if _, err := s.Session(bg, gone); !errors.Is(err, ErrNotFound) {
		t.Errorf("session: %v, want ErrNotFound", err)
	}
	if _, err := s.ContactToken(bg, gone); !errors.Is(err, ErrNotFound) {
		t.Errorf("token: %v, want ErrNotFound", err)
	}
	if _, err := s.Session(bg, friend); err != nil {
		t.Errorf("the other contact's session: %v", err)
	}
	if _, err := s.ContactToken(bg, friend); err != nil {
		t.Errorf("the other contact's token: %v", err)
	}
	if err := s.Forget(bg, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
}
