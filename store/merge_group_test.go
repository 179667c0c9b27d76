package store

import (
	"errors"
	"testing"
)

// TestMergeMovesGroupMember: a group member that arrived as a request
// and is merged into a contact keeps its place in the group: its rows,
// reactions, sender key and statuses become the contact's.
func TestMergeMovesGroupMember(t *testing.T) {
	f := newGroupFixture(t)
	s, g, bob, carol := f.s, f.group, f.members[0], f.members[1]
	newKey := testKey(t, 9)
	req, err := s.AddContact(bg, Contact{Identity: newKey, Name: "bob?", State: StateRequest})
	if err != nil {
		t.Fatal(err)
	}
	// Bob's old key sent one message; his new key (the request) another.
	if _, _, err := s.CommitGroupReceived(bg, f.groupMessage(1, Incoming), bob, []byte("bob's old key")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CommitGroupReceived(bg, f.groupMessage(2, Incoming), req, []byte("bob's new key")); err != nil {
		t.Fatal(err)
	}
	reactions := []func(*Message) error{
		func(m *Message) error { return m.SetMemberReaction(req, "👍") },   // only the request reacted
		func(m *Message) error { return m.SetMemberReaction(carol, "😂") }, // someone else
	}
	for _, r := range reactions {
		if _, err := s.UpdateMessage(bg, g, msgID(2), r); err != nil {
			t.Fatal(err)
		}
	}
	both := func(m *Message) error { // both reacted: the contact's stays
		if err := m.SetMemberReaction(bob, "❤"); err != nil {
			return err
		}
		return m.SetMemberReaction(req, "👀")
	}
	if _, err := s.UpdateMessage(bg, g, msgID(1), both); err != nil {
		t.Fatal(err)
	}
	// Our message went to Bob and to the request (Bob twice, as it were),
	// and another one to the request only.
	for n, to := range map[int][]ContactID{3: {bob, req, carol}, 4: {req}} {
		_, err := s.CommitGroupSent(bg, GroupSent{Message: f.groupMessage(n, Outgoing), Deliveries: deliveriesTo(to, "x")})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.SetMemberStatus(bg, g, msgID(3), req, StatusRead); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SetMemberStatus(bg, g, msgID(4), req, StatusDelivered); err != nil {
		t.Fatal(err)
	}

	if err := s.MergeRequestInto(bg, req, bob, newKey); err != nil {
		t.Fatal(err)
	}

	if k, err := s.SenderKey(bg, g, bob); err != nil || string(k) != "bob's new key" {
		t.Fatalf("Bob's sender key = %q, %v", k, err)
	}
	if _, err := s.SenderKey(bg, g, req); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the request's key is left: %v", err)
	}
	m2, _ := s.Message(bg, g, msgID(2))
	if m2.Sender != bob || len(m2.Reactions) != 2 || m2.Reactions[0] != (Reaction{From: Incoming, Member: bob, Emoji: "👍"}) {
		t.Fatalf("message 2 = sender %d, reactions %+v", m2.Sender, m2.Reactions)
	}
	m1, _ := s.Message(bg, g, msgID(1))
	if m1.Sender != bob || len(m1.Reactions) != 1 || m1.Reactions[0].Emoji != "❤" {
		t.Fatalf("message 1 = sender %d, reactions %+v", m1.Sender, m1.Reactions)
	}
	ms3, _ := s.MemberStatuses(bg, g, msgID(3))
	if len(ms3) != 2 || ms3[0].Member != bob || ms3[0].Status != StatusQueued {
		t.Fatalf("message 3 statuses = %+v; want Bob's own (queued) and Carol's", ms3)
	}
	ms4, _ := s.MemberStatuses(bg, g, msgID(4))
	if len(ms4) != 1 || ms4[0].Member != bob || ms4[0].Status != StatusDelivered {
		t.Fatalf("message 4 statuses = %+v; want the request's, now Bob's", ms4)
	}
}
