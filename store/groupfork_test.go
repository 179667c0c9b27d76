package store

import (
	"errors"
	"testing"
)

// TestReplaceGroupState: a state of the latest version is replaced, in
// the latest state and in the history; any other version is refused.
func TestReplaceGroupState(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	if err := s.SaveGroupState(bg, f.group, 2, []byte("state v2 by alice")); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceGroupState(bg, f.group, 2, []byte("state v2 by bob")); err != nil {
		t.Fatal(err)
	}
	v, st, err := s.GroupState(bg, f.group)
	if err != nil || v != 2 || string(st) != "state v2 by bob" {
		t.Fatalf("GroupState = %d %q, %v", v, st, err)
	}
	after, err := s.GroupStatesAfter(bg, f.group, 0)
	if err != nil || len(after) != 2 || string(after[0]) != "state v1" || string(after[1]) != "state v2 by bob" {
		t.Fatalf("GroupStatesAfter(0) = %q, %v", after, err)
	}
	empty, err := s.AddGroup(bg, testGroupID(5), "empty", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		conv    ContactID
		version uint64
		state   []byte
		want    error
	}{
		{"an older version", f.group, 1, []byte("x"), ErrInvalidArgument},
		{"a newer version", f.group, 3, []byte("x"), ErrInvalidArgument},
		{"version 0", f.group, 0, []byte("x"), ErrInvalidArgument},
		{"no state", f.group, 2, nil, ErrInvalidArgument},
		{"too large", f.group, 2, make([]byte, MaxGroupStateSize+1), ErrInvalidArgument},
		{"a group without a state", empty, 1, []byte("x"), ErrInvalidArgument},
		{"a person", f.members[0], 1, []byte("x"), ErrNotGroup},
	} {
		if err := s.ReplaceGroupState(bg, tc.conv, tc.version, tc.state); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if v, st, _ := s.GroupState(bg, f.group); v != 2 || string(st) != "state v2 by bob" {
		t.Fatalf("a refused replacement changed the state: %d %q", v, st)
	}
}
