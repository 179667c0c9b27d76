package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// groupRows are rows of a group conversation with what only groups have:
// a sender, and reactions by member.
func groupRows(conv, bob, carol ContactID) []Message {
	text := testMessage(conv, 40)
	text.Sender = bob
	reacted := testMessage(conv, 41)
	reacted.Sender = carol
	reacted.Reactions = []Reaction{{From: Outgoing, Emoji: "👍"}, {From: Incoming, Member: bob, Emoji: "😂"},
		{From: Incoming, Member: carol, Emoji: "❤"}}
	ours := testMessage(conv, 42)
	ours.Direction, ours.Status = Outgoing, StatusQueued
	ours.Reactions = []Reaction{{From: Incoming, Member: bob, Emoji: "👀"}}
	ours.Quote = msgID(40)
	file := testMessage(conv, 43)
	file.Sender, file.Body, file.Kind = bob, nil, KindFile
	file.File = &FileInfo{Name: "a.txt", Size: 3, State: FileWaiting}
	deleted := testMessage(conv, 44)
	deleted.Sender = carol
	deleted.Clear()
	line := Message{Conversation: conv, ID: msgID(45), Direction: Local, Kind: KindMembership,
		Body: []byte("Bob added Carol"), Status: StatusSent, Sent: time.Unix(1_700_000_000, 0)}
	return []Message{text, reacted, ours, file, deleted, line}
}

// TestGroupRecordsRoundTrip: the group fields survive the store, and a
// row without them keeps actions version 1.
func TestGroupRecordsRoundTrip(t *testing.T) {
	f := newGroupFixture(t)
	rows := groupRows(f.group, f.members[0], f.members[1])
	if _, err := f.s.InsertMessages(bg, rows); err != nil {
		t.Fatal(err)
	}
	s := reopen(t, f.s)
	for _, want := range rows {
		got, err := s.Message(bg, f.group, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameExtra(t, got, want)
		if got.Sender != want.Sender {
			t.Fatalf("message %x: sender %d, want %d", want.ID, got.Sender, want.Sender)
		}
	}
	// The deleted row kept its sender and lost its body.
	if got, _ := s.Message(bg, f.group, msgID(44)); got.Kind != KindDeleted || got.Sender != f.members[1] {
		t.Fatalf("deleted group row = %+v", got)
	}
	for _, tc := range []struct {
		name    string
		m       Message
		version uint64
	}{
		{"sender", rows[0], actionsVersionGroup},
		{"member reactions", rows[2], actionsVersionGroup},
		{"reactions of two", kindRows(1)[10], actionsVersion},
	} {
		var e encoder
		tc.m.encodeActions(&e)
		if e.b[0] != byte(tc.version) {
			t.Errorf("%s: actions version %d, want %d", tc.name, e.b[0], tc.version)
		}
	}
}

// TestOldRecordsByteIdentical: every record a version-7 profile holds
// (written by the code before groups) decodes and encodes again to the
// very same bytes, and the people's trust bytes read as before.
func TestOldRecordsByteIdentical(t *testing.T) {
	s := openV7(t)
	rows, err := s.db.Query(`SELECT id, record FROM messages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var row int64
		var ct []byte
		if err := rows.Scan(&row, &ct); err != nil {
			t.Fatal(err)
		}
		pt, err := s.c.open(tableMessages, colRecord, row, ct)
		if err != nil {
			t.Fatal(err)
		}
		var m Message
		if err := m.decodeRecord(pt); err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		if again := m.encodeRecord(); !bytes.Equal(again, pt) {
			t.Fatalf("row %d (kind %v) re-encodes as\n%x\nwant\n%x", row, m.Kind, again, pt)
		}
		if m.Sender != 0 {
			t.Fatalf("row %d: an old record has a sender", row)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != v7Messages {
		t.Fatalf("%d records, want %d", n, v7Messages)
	}
	// The old rows' encoding is also what this code writes for them.
	for _, m := range kindRows(1) {
		var again Message
		if err := again.decodeRecord(m.encodeRecord()); err != nil || !bytes.Equal(again.encodeRecord(), m.encodeRecord()) {
			t.Fatalf("kind %v does not round-trip: %v", m.Kind, err)
		}
	}
}

// TestActionsBounds: what decoding a version-2 actions part refuses, and
// that the store refuses to write what it could not read back.
func TestActionsBounds(t *testing.T) {
	many := func(n int) []Reaction {
		out := []Reaction{{From: Outgoing, Emoji: "👍"}}
		for i := 1; len(out) < n; i++ {
			out = append(out, Reaction{From: Incoming, Member: ContactID(i), Emoji: "👍"})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		reactions []Reaction
		sender    ContactID
		ok        bool
	}{
		{"as many as a full group", many(MaxReactions), 0, true},
		{"one more", many(MaxReactions + 1), 0, false},
		{"a member twice", []Reaction{{From: Incoming, Member: 3, Emoji: "a"}, {From: Incoming, Member: 3, Emoji: "b"}}, 0, false},
		{"a member twice among many", append(many(5), Reaction{From: Incoming, Member: 2, Emoji: "x"}), 0, false},
		{"us twice", []Reaction{{From: Outgoing, Emoji: "a"}, {From: Incoming, Member: 3, Emoji: "c"}, {From: Outgoing, Emoji: "b"}}, 0, false},
		{"ours with a member", []Reaction{{From: Outgoing, Member: 3, Emoji: "a"}}, 0, false},
		{"member and one-to-one side apart", []Reaction{{From: Incoming, Emoji: "a"}, {From: Incoming, Member: 3, Emoji: "b"}}, 0, true},
		{"negative member", []Reaction{{From: Incoming, Member: -1, Emoji: "a"}}, 0, false},
		{"negative sender", nil, -4, false},
		{"local direction", []Reaction{{From: Local, Member: 3, Emoji: "a"}}, 0, false},
		{"emoji too long", []Reaction{{From: Incoming, Member: 3, Emoji: string(make([]byte, MaxEmojiSize+1))}}, 0, false},
	} {
		m := testMessage(1, 1)
		m.Reactions, m.Sender = tc.reactions, tc.sender
		if m.valid() != tc.ok {
			t.Errorf("%s: valid = %v, want %v", tc.name, !tc.ok, tc.ok)
		}
		var got Message
		err := got.decodeRecord(m.encodeRecord())
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decode = %v, want ok %v", tc.name, err, tc.ok)
		}
		if tc.ok && (!reflect.DeepEqual(got.Reactions, m.Reactions) || got.Sender != m.Sender) {
			t.Errorf("%s: decoded %d reactions, sender %d", tc.name, len(got.Reactions), got.Sender)
		}
	}
	// Version 1 still holds at most two.
	var e encoder
	id := msgID(1)
	e.bytes(id[:])
	e.uvarint(uint64(Incoming))
	e.time(time.Unix(1, 0))
	e.time(time.Unix(1, 0))
	e.bytes(nil)
	e.uvarint(uint64(KindText))
	e.varint(0)
	e.bool(false)
	e.uvarint(actionsVersion)
	e.bytes(nil)
	e.time(time.Time{})
	e.uvarint(0)
	e.uvarint(3)
	for _, emoji := range []string{"a", "b", "c"} {
		e.uvarint(uint64(Incoming))
		e.str(emoji)
	}
	if err := new(Message).decodeRecord(e.b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("three reactions in version 1: %v", err)
	}
	// The store refuses a row it could not read back.
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Reactions = many(MaxReactions + 1)
	if _, _, err := s.InsertMessage(bg, m); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("InsertMessage with too many reactions: %v", err)
	}
}

func TestSetMemberReaction(t *testing.T) {
	var m Message
	steps := []struct {
		member ContactID
		emoji  string
		want   error
		after  []Reaction
	}{
		{0, "👍", nil, []Reaction{{From: Outgoing, Emoji: "👍"}}},
		{7, "😂", nil, []Reaction{{From: Outgoing, Emoji: "👍"}, {From: Incoming, Member: 7, Emoji: "😂"}}},
		{7, "❤", nil, []Reaction{{From: Outgoing, Emoji: "👍"}, {From: Incoming, Member: 7, Emoji: "❤"}}},
		{0, "", nil, []Reaction{{From: Incoming, Member: 7, Emoji: "❤"}}},
		{8, string(make([]byte, MaxEmojiSize+1)), ErrInvalidArgument, []Reaction{{From: Incoming, Member: 7, Emoji: "❤"}}},
		{-1, "x", ErrInvalidArgument, []Reaction{{From: Incoming, Member: 7, Emoji: "❤"}}},
		{7, "", nil, []Reaction{}},
	}
	for i, st := range steps {
		if err := m.SetMemberReaction(st.member, st.emoji); !errors.Is(err, st.want) {
			t.Fatalf("step %d: %v, want %v", i, err, st.want)
		}
		if len(m.Reactions) != len(st.after) || len(st.after) > 0 && !reflect.DeepEqual(m.Reactions, st.after) {
			t.Fatalf("step %d: reactions %+v, want %+v", i, m.Reactions, st.after)
		}
	}
	for i := 1; i <= MaxReactions; i++ {
		if err := m.SetMemberReaction(ContactID(i), "👍"); err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
	}
	if err := m.SetMemberReaction(MaxReactions+1, "👍"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("reaction past the bound: %v", err)
	}
	if err := m.SetMemberReaction(3, "🎉"); err != nil {
		t.Fatalf("changing a reaction at the bound: %v", err)
	}
	if err := m.SetMemberReaction(3, ""); err != nil || len(m.Reactions) != MaxReactions-1 {
		t.Fatalf("removing at the bound: %v, %d left", err, len(m.Reactions))
	}
}

// v7Messages is how many messages testdata/v7 holds: kindRows whose ids
// Bob's chat held already (10, 12 ... 18) were not stored again.
const v7Messages = 20 + 9

// openV7 opens a copy of testdata/v7: a schema-7 profile written by the
// code before groups (fillProfile with 20 messages, kindRows in Bob's
// chat, a request from Dave, a deposit token and a read marker), with
// testPass and testKDF.
func openV7(t testing.TB) *Store {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/v7/ratchat.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ratchat.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrateV7: a schema-7 profile opens at the latest schema, with
// every person, message, session and token as it was, and takes groups.
func TestMigrateV7(t *testing.T) {
	s := openV7(t)
	if v, err := schemaVersion(bg, s.db); err != nil || v != latestSchema {
		t.Fatalf("schema %d, %v; want %d", v, err, latestSchema)
	}
	people, err := s.Contacts(bg)
	if err != nil || len(people) != 3 {
		t.Fatalf("Contacts = %d, %v", len(people), err)
	}
	names := fmt.Sprint(people[0].Name, people[1].Name, people[2].Name)
	if names != "bobcaroldave" {
		t.Fatalf("people = %s", names)
	}
	if people[2].State != StateRequest || !people[1].Verified || !people[0].Held {
		t.Fatalf("states = %+v", people)
	}
	if g, err := s.Groups(bg); err != nil || len(g) != 0 {
		t.Fatalf("Groups = %d, %v", len(g), err)
	}
	bob := people[0].ID
	if st, err := s.Session(bg, bob); err != nil || string(st) != "ratchet state" {
		t.Fatalf("Session = %q, %v", st, err)
	}
	if tok, err := s.ContactToken(bg, bob); err != nil || tok.Token[0] != 9 {
		t.Fatalf("ContactToken = %+v, %v", tok, err)
	}
	ms, _, err := s.Messages(bg, bob, 0, 100)
	if err != nil || len(ms) != 10+9 {
		t.Fatalf("Bob's messages = %d, %v", len(ms), err)
	}
	i := 10
	for _, want := range kindRows(bob) {
		if want.ID[15]%2 == 0 && want.ID[15] < 19 {
			continue // the id of one of fillProfile's
		}
		sameExtra(t, ms[i], want)
		i++
	}
	g, err := s.AddGroup(bg, testGroupID(1), "after the migration", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveGroupState(bg, g, 1, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CommitGroupReceived(bg, Message{Conversation: g, ID: msgID(1), Direction: Incoming,
		Status: StatusDelivered}, bob, []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, bob, []byte("next")); err != nil {
		t.Fatalf("a person's session after the migration: %v", err)
	}
	if err := s.PutSession(bg, g, []byte("x")); !errors.Is(err, ErrIsGroup) {
		t.Fatalf("a group's session after the migration: %v", err)
	}
}
