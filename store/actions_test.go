package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestUpdateMessageActions edits, reacts to and deletes a message through
// UpdateMessage, reading each change back.
func TestUpdateMessageActions(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	m := testMessage(bob, 1)
	if _, _, err := s.InsertMessage(bg, m); err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1_700_000_500, 0)
	steps := []struct {
		name   string
		change func(*Message) error
		check  func(Message) bool
	}{
		{"edit", func(m *Message) error {
			m.Versions = append(m.Versions, Version{Body: m.Body, At: m.Sent})
			m.Body, m.Edited = []byte("edited"), at
			return nil
		}, func(m Message) bool {
			return string(m.Body) == "edited" && m.Edited.Equal(at) && len(m.Versions) == 1 && string(m.Versions[0].Body) == "message 1"
		}},
		{"react", func(m *Message) error { m.SetReaction(Incoming, "👍"); return nil },
			func(m Message) bool { return len(m.Reactions) == 1 && m.Reactions[0].Emoji == "👍" }},
		{"change reaction", func(m *Message) error { m.SetReaction(Incoming, "😂"); m.SetReaction(Outgoing, "👍"); return nil },
			func(m Message) bool {
				return len(m.Reactions) == 2 && m.Reactions[0] == Reaction{From: Incoming, Emoji: "😂"}
			}},
		{"remove reaction", func(m *Message) error { m.SetReaction(Incoming, ""); return nil },
			func(m Message) bool {
				return len(m.Reactions) == 1 && m.Reactions[0] == Reaction{From: Outgoing, Emoji: "👍"}
			}},
		{"delete", func(m *Message) error { m.Clear(); return nil }, func(m Message) bool {
			return m.Kind == KindDeleted && m.Body == nil && m.Versions == nil && m.Reactions == nil && m.Edited.IsZero()
		}},
	}
	for _, st := range steps {
		got, err := s.UpdateMessage(bg, bob, msgID(1), st.change)
		if err != nil || !st.check(got) {
			t.Fatalf("%s: %+v, %v", st.name, got, err)
		}
		again, err := s.Message(bg, bob, msgID(1))
		if err != nil || !st.check(again) || again.Seq != got.Seq {
			t.Fatalf("%s, read back: %+v, %v", st.name, again, err)
		}
	}
	// Another conversation does not have it; a failing change writes nothing.
	if _, err := s.UpdateMessage(bg, carol, msgID(1), func(*Message) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update in another conversation: %v", err)
	}
	refuse := errors.New("refused")
	if _, err := s.UpdateMessage(bg, bob, msgID(1), func(m *Message) error { m.Body = []byte("x"); return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("refused change: %v", err)
	}
	if got, _ := s.Message(bg, bob, msgID(1)); got.Body != nil {
		t.Fatalf("a refused change was written: %q", got.Body)
	}
}

// TestDeleteLeavesNoTrace deletes a message and scans the database files
// for its old sealed record: secure_delete must have overwritten it. The
// new record is found, so the scan is known to work.
func TestDeleteLeavesNoTrace(t *testing.T) {
	s, dir := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Body = bytes.Repeat([]byte("secret text "), 20)
	seq, _, err := s.InsertMessage(bg, m)
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // the record reaches the database file itself
	s, err = Open(dir, testPass)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := func() []byte {
		var rec []byte
		if err := s.db.QueryRow(`SELECT record FROM messages WHERE id = ?`, seq).Scan(&rec); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	old := raw()
	if _, err := s.UpdateMessage(bg, bob, msgID(1), func(m *Message) error { m.Clear(); return nil }); err != nil {
		t.Fatal(err)
	}
	fresh := raw()
	s.Close()
	files := profileFiles(t, dir)
	if hits := findIn(files, map[string][]byte{"new record": fresh}); len(hits) == 0 {
		t.Fatal("the scan does not find the new record")
	}
	// Every 16-byte window of the old ciphertext: a record overwritten
	// by a shorter one leaves its tail behind unless secure_delete zeroes
	// the freed bytes.
	windows := map[string][]byte{}
	for i := 0; i+16 <= len(old); i += 8 {
		windows[fmt.Sprintf("old record at %d", i)] = old[i : i+16]
	}
	if hits := findIn(files, windows); len(hits) != 0 {
		t.Fatalf("the deleted record is still in %v", hits)
	}
}

// TestStatusTimes checks that each status keeps the time it was reached.
func TestStatusTimes(t *testing.T) {
	var now time.Time
	s, _ := newTestStore(t, WithClock(func() time.Time { return now }))
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Direction, m.Status = Outgoing, StatusQueued
	if _, _, err := s.InsertMessage(bg, m); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_001_000, 0)
	for i, st := range []Status{StatusSent, StatusDelivered, StatusRead} {
		now = t0.Add(time.Duration(i) * time.Minute)
		if _, err := s.SetStatuses(bg, bob, []MessageID{msgID(1)}, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Message(bg, bob, msgID(1))
	if err != nil {
		t.Fatal(err)
	}
	want := StatusTimes{Sent: t0, Delivered: t0.Add(time.Minute), Read: t0.Add(2 * time.Minute)}
	if !got.Times.Sent.Equal(want.Sent) || !got.Times.Delivered.Equal(want.Delivered) || !got.Times.Read.Equal(want.Read) {
		t.Fatalf("times = %+v, want %+v", got.Times, want)
	}
}
