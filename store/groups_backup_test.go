package store

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestGroupBackupRoundTrip: a backup carries group rows (a member's, a
// request, one we left), their state and its history, and the group
// fields of messages; not sender keys or sessions, and a restored group
// still refuses a session.
func TestGroupBackupRoundTrip(t *testing.T) {
	f := newGroupFixture(t)
	s, g := f.s, f.group
	for v := uint64(2); v <= 4; v++ {
		if err := s.SaveGroupState(bg, g, v, []byte{byte(v), 'v'}); err != nil {
			t.Fatal(err)
		}
	}
	req, err := s.AddGroup(bg, testGroupID(2), "strangers", StateRequest)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveGroupState(bg, req, 7, []byte("request v7")); err != nil {
		t.Fatal(err)
	}
	left, err := s.AddGroup(bg, testGroupID(3), "left", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveGroupState(bg, left, 1, []byte("left v1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(bg, left); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFilesPolicy(bg, g, FilesAsk); err != nil {
		t.Fatal(err)
	}
	f.send(t, 1)
	rows := groupRows(g, f.members[0], f.members[1])
	if _, err := s.InsertMessages(bg, rows); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSenderKey(bg, g, f.members[0], []byte("bob's key")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, f.members[0], []byte("bob's session")); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := restoreFile(t, dir, exportTo(t, s, fuzzKey), fuzzKey); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, []byte("restored pass"), WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	for _, list := range []func(*Store, context.Context) ([]Contact, error){(*Store).Contacts, (*Store).Groups} {
		want, _ := list(s, bg)
		got, err := list(r, bg)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("restored %+v, %v\nwant %+v", got, err, want)
		}
	}
	for _, conv := range []ContactID{g, req, left} {
		wv, ws, werr := s.GroupState(bg, conv)
		gv, gs, gerr := r.GroupState(bg, conv)
		if gv != wv || !bytes.Equal(gs, ws) || !errors.Is(gerr, werr) && werr != gerr {
			t.Fatalf("group %d state: %d %q %v, want %d %q %v", conv, gv, gs, gerr, wv, ws, werr)
		}
		want, _ := s.GroupStatesAfter(bg, conv, 0)
		got, err := r.GroupStatesAfter(bg, conv, 0)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("group %d history: %q, %v; want %q", conv, got, err, want)
		}
	}
	if v, _, _ := r.GroupState(bg, g); v != 4 {
		t.Fatalf("restored latest version %d, want 4", v)
	}
	for _, want := range rows {
		got, err := r.Message(bg, g, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameExtra(t, got, want)
		if got.Sender != want.Sender {
			t.Fatalf("restored sender %d, want %d", got.Sender, want.Sender)
		}
	}
	for _, m := range []ContactID{0, f.members[0]} {
		if _, err := r.SenderKey(bg, g, m); !errors.Is(err, ErrNotFound) {
			t.Fatalf("sender key %d restored: %v", m, err)
		}
	}
	resets, err := r.SessionResets(bg)
	if err != nil || !reflect.DeepEqual(resets, f.members) {
		t.Fatalf("SessionResets = %v, %v; want the people %v", resets, err, f.members)
	}
	if err := r.PutSession(bg, g, []byte("x")); !errors.Is(err, ErrIsGroup) {
		t.Fatalf("a restored group took a session: %v", err)
	}
	// The restored group goes on: the next version and a new key.
	if err := r.SaveGroupState(bg, g, 5, []byte("v5")); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveSenderKey(bg, g, 0, []byte("new key")); err != nil {
		t.Fatal(err)
	}
}

// TestGroupBackupForged: group records that an exporter could not have
// written are refused.
func TestGroupBackupForged(t *testing.T) {
	profile := record(recProfile, func(e *encoder) { e.bytes(nil); e.str("n"); e.str("a") })
	gid := testGroupID(1)
	group := func(id uint64, state ContactState, verified bool) []byte {
		return record(recContact, func(e *encoder) {
			e.uvarint(id)
			e.bytes(gid[:])
			e.str("g")
			e.str("")
			e.bool(verified)
			e.bool(false)
			e.uvarint(uint64(state))
			e.uvarint(0)
			e.bool(true)
		})
	}
	person := record(recContact, func(e *encoder) {
		k := testKey(t, 1)
		e.uvarint(2)
		e.bytes(k[:])
		e.str("bob")
		e.str("")
		e.bool(false)
		e.bool(false)
	})
	state := func(conv, version uint64, st string) []byte {
		return record(recGroupState, func(e *encoder) { e.uvarint(conv); e.uvarint(version); e.bytes([]byte(st)) })
	}
	end := func(contacts uint64) []byte {
		return record(recEnd, func(e *encoder) { e.uvarint(contacts); e.uvarint(0) })
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name string
		recs []byte
		ok   bool
	}{
		{"well formed", join(profile, group(1, StateRequest, false), state(1, 1, "a"), state(1, 3, "b"), end(1)), true},
		{"versions backwards", join(profile, group(1, StateContact, false), state(1, 3, "b"), state(1, 2, "a"), end(1)), false},
		{"version 0", join(profile, group(1, StateContact, false), state(1, 0, "a"), end(1)), false},
		{"empty state", join(profile, group(1, StateContact, false), state(1, 1, ""), end(1)), false},
		{"state of a person", join(profile, person, state(2, 1, "a"), end(1)), false},
		{"state before its group", join(profile, state(1, 1, "a"), group(1, StateContact, false), end(1)), false},
		{"blocked group", join(profile, group(1, StateBlocked, false), end(1)), false},
		{"verified group", join(profile, group(1, StateContact, true), end(1)), false},
		{"zero group id", join(profile, record(recContact, func(e *encoder) {
			e.uvarint(1)
			e.bytes(make([]byte, 32))
			e.str("g")
			e.str("")
			e.bool(false)
			e.bool(false)
			e.uvarint(0)
			e.uvarint(0)
			e.bool(true)
		}), end(1)), false},
		{"a token for a group", join(profile, group(1, StateContact, false), record(recDepositToken, func(e *encoder) {
			e.uvarint(tokenGivenUs)
			e.uvarint(1)
			e.uvarint(2)
			e.bytes(make([]byte, DepositTokenSize))
			e.bool(false)
		}), end(1)), false},
	} {
		err := Restore(bg, t.TempDir(), bytes.NewReader(sealRecords(t, fuzzKey, tc.recs)), fuzzKey, testPass, WithKDF(testKDF))
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrBackupCorrupt) {
			t.Errorf("%s: Restore = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
