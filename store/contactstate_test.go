package store

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
)

// TestContactState: the state and the files policy survive a reopen and a
// backup, change nothing else, and an out-of-range value is refused.
func TestContactState(t *testing.T) {
	s, _ := newTestStore(t)
	cases := []struct {
		name     string
		state    ContactState
		files    FilesPolicy
		verified bool
	}{
		{"accepted contact", StateContact, FilesDefault, true},
		{"request", StateRequest, FilesDefault, false},
		{"blocked, asks for files", StateBlocked, FilesAsk, false},
		{"request, files always", StateRequest, FilesAuto, true},
		{"removed, history kept", StateRemoved, FilesDefault, false},
	}
	ids := make([]ContactID, len(cases))
	for i, tc := range cases {
		ids[i] = addTestContact(t, s, byte(10+i), tc.name)
		if err := s.SetVerified(bg, ids[i], tc.verified); err != nil {
			t.Fatal(err)
		}
		if err := s.SetContactState(bg, ids[i], tc.state); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFilesPolicy(bg, ids[i], tc.files); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetContactState(bg, ids[0], 4); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("state 4: %v, want ErrCorrupt", err)
	}
	s = reopen(t, s)
	rk, _ := NewRecoveryKey(rand.Reader)
	dir := filepath.Join(t.TempDir(), "restored")
	if err := restoreFile(t, dir, exportTo(t, s, rk), rk); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, st := range []*Store{s, r} {
		for i, tc := range cases {
			c, err := st.Contact(bg, ids[i])
			if err != nil || c.State != tc.state || c.Files != tc.files || c.Verified != tc.verified || c.Name != tc.name {
				t.Errorf("%s: %+v, %v", tc.name, c, err)
			}
		}
	}
}

// TestBlockDeletesHistory: blocking deletes the contact's messages and
// session, keeps the row (found by its key, blocked), and leaves other
// contacts alone.
func TestBlockDeletesHistory(t *testing.T) {
	s, _ := newTestStore(t)
	stranger := addTestContact(t, s, 1, "stranger")
	friend := addTestContact(t, s, 2, "friend")
	if _, err := s.InsertMessages(bg, []Message{testMessage(stranger, 1), testMessage(friend, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, stranger, []byte("state")); err != nil {
		t.Fatal(err)
	}
	if err := s.Block(bg, stranger); err != nil {
		t.Fatal(err)
	}
	c, err := s.ContactByIdentity(bg, testKey(t, 1))
	if err != nil || c.ID != stranger || c.State != StateBlocked {
		t.Fatalf("blocked contact: %+v, %v", c, err)
	}
	if rows, _, err := s.Messages(bg, stranger, 0, 10); err != nil || len(rows) != 0 {
		t.Fatalf("blocked history: %d rows, %v", len(rows), err)
	}
	if _, err := s.Session(bg, stranger); !errors.Is(err, ErrNotFound) {
		t.Fatalf("blocked session: %v, want ErrNotFound", err)
	}
	if rows, _, err := s.Messages(bg, friend, 0, 10); err != nil || len(rows) != 1 {
		t.Fatalf("friend's history: %d rows, %v", len(rows), err)
	}
}
