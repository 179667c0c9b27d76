package store

import (
	"errors"
	"reflect"
	"testing"
)

// deliveriesTo is one envelope per member.
func deliveriesTo(members []ContactID, payload string) []GroupDelivery {
	var out []GroupDelivery
	for _, m := range members {
		out = append(out, GroupDelivery{Member: m, Payload: []byte(payload)})
	}
	return out
}

func TestUpdateGroupMessageSent(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	seq := f.send(t, 1)
	before, _ := s.Pending(bg)
	react := func(m *Message) error { return m.SetMemberReaction(0, "👍") }
	m, err := s.UpdateGroupMessageSent(bg, f.group, msgID(1), react, []byte("key after the reaction"),
		deliveriesTo(f.members, "reaction"))
	if err != nil || len(m.Reactions) != 1 || m.Reactions[0] != (Reaction{From: Outgoing, Emoji: "👍"}) {
		t.Fatalf("UpdateGroupMessageSent = %+v, %v", m.Reactions, err)
	}
	if k, _ := s.SenderKey(bg, f.group, 0); string(k) != "key after the reaction" {
		t.Fatalf("our key = %q", k)
	}
	after, _ := s.Pending(bg)
	if len(after) != len(before)+3 {
		t.Fatalf("%d items, want %d", len(after), len(before)+3)
	}
	for i, it := range after[len(before):] {
		if it.Contact != f.members[i] || it.Message != 0 || string(it.Payload) != "reaction" {
			t.Fatalf("item %d = %+v", i, it)
		}
	}
	// Refused: nothing of it kept.
	for _, tc := range []struct {
		name   string
		conv   ContactID
		id     MessageID
		change func(*Message) error
		ds     []GroupDelivery
		want   error
	}{
		{"a person's chat", f.members[0], msgID(1), react, nil, ErrNotGroup},
		{"unknown message", f.group, msgID(9), react, nil, ErrNotFound},
		{"change refuses", f.group, msgID(1), func(*Message) error { return errors.New("no") }, nil, nil},
		{"unknown member", f.group, msgID(1), react, deliveriesTo([]ContactID{999}, "x"), ErrNotFound},
	} {
		_, err := s.UpdateGroupMessageSent(bg, tc.conv, tc.id, tc.change, []byte("lost"), tc.ds)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if k, _ := s.SenderKey(bg, f.group, 0); string(k) != "key after the reaction" {
		t.Fatalf("a refused update stored our key: %q", k)
	}
	if n, _ := s.Pending(bg); len(n) != len(after) {
		t.Fatalf("a refused update queued items")
	}
	if m, _ := s.MessageBySeq(bg, seq); len(m.Reactions) != 1 {
		t.Fatalf("reactions after refused updates: %+v", m.Reactions)
	}
}

func TestCommitGroupControlSent(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	items, err := s.CommitGroupControlSent(bg, f.group, []byte("key after a chunk"), deliveriesTo(f.members, "chunk"))
	if err != nil || len(items) != 3 {
		t.Fatalf("CommitGroupControlSent = %v, %v", items, err)
	}
	pending, _ := s.Pending(bg)
	for i, it := range pending {
		if it.ID != items[i] || it.Contact != f.members[i] || it.Message != 0 {
			t.Fatalf("item %d = %+v", i, it)
		}
	}
	if k, _ := s.SenderKey(bg, f.group, 0); string(k) != "key after a chunk" {
		t.Fatalf("our key = %q", k)
	}
	if _, err := s.CommitGroupControlSent(bg, f.members[0], nil, nil); !errors.Is(err, ErrNotGroup) {
		t.Fatalf("to a person: %v", err)
	}
	if _, err := s.CommitGroupControlSent(bg, f.group, nil, deliveriesTo([]ContactID{f.group}, "x")); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("to the group itself: %v", err)
	}
}

// TestSetMemberStatuses: a member's receipt for many messages moves each
// one's status for that member; summaries change when that member was
// the last behind.
func TestSetMemberStatuses(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	a, b, c := f.members[0], f.members[1], f.members[2]
	var ids []MessageID
	for n := 1; n <= statusChunk+4; n++ { // more than one transaction
		f.send(t, n)
		ids = append(ids, msgID(n))
	}
	if _, err := s.SetMemberStatuses(bg, f.group, a, ids, StatusDelivered); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMemberStatuses(bg, f.group, b, ids[:2], StatusRead); err != nil {
		t.Fatal(err)
	}
	unknown := append([]MessageID{msgID(999)}, ids[:3]...)
	got, err := s.SetMemberStatuses(bg, f.group, c, unknown, StatusRead)
	want := []SummaryChange{{ids[0], StatusDelivered}, {ids[1], StatusDelivered}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("SetMemberStatuses = %+v, %v; want %+v", got, err, want)
	}
	if got, err := s.SetMemberStatuses(bg, f.group, 999, ids, StatusRead); err != nil || len(got) != 0 {
		t.Fatalf("a receipt from someone the messages were not sent to: %+v, %v", got, err)
	}
	if _, err := s.SetMemberStatuses(bg, f.group, a, ids, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("status 0: %v", err)
	}
}
