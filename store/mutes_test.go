package store

import (
	"errors"
	"testing"
	"time"
)

// TestMutes: a mute is set, changed, read back sealed, cleared, and goes
// with its contact; muting no contact fails.
func TestMutes(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	hour := time.UnixMilli(1_800_000_000_000)
	steps := []struct {
		name  string
		id    ContactID
		until time.Time
		want  map[ContactID]time.Time
	}{
		{"mute bob", bob, hour, map[ContactID]time.Time{bob: hour}},
		{"mute carol", carol, hour.Add(time.Hour), map[ContactID]time.Time{bob: hour, carol: hour.Add(time.Hour)}},
		{"change bob's", bob, hour.Add(2 * time.Hour), map[ContactID]time.Time{bob: hour.Add(2 * time.Hour), carol: hour.Add(time.Hour)}},
		{"unmute carol", carol, time.Time{}, map[ContactID]time.Time{bob: hour.Add(2 * time.Hour)}},
	}
	for _, st := range steps {
		if err := s.SetMute(bg, st.id, st.until); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.Mutes(bg)
		if err != nil || len(got) != len(st.want) {
			t.Fatalf("%s: Mutes = %v, %v", st.name, got, err)
		}
		for id, until := range st.want {
			if !got[id].Equal(until) {
				t.Errorf("%s: contact %d muted until %v, want %v", st.name, id, got[id], until)
			}
		}
	}
	if err := s.SetMute(bg, 99, hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("muting no contact: %v, want ErrNotFound", err)
	}
	if err := s.DeleteContact(bg, bob); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Mutes(bg); len(got) != 0 {
		t.Errorf("a deleted contact's mute stayed: %v", got)
	}
}
