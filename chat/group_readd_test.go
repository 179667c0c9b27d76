package chat

import (
	"context"
	"testing"

	"ratchat/store"
)

// TestGroupReaddAfterSending: carol writes to the group, is removed and
// added back; her messages after that reach both alice (the admin) and
// bob, who kept her sender key from before her removal. Her sender key
// from after her return comes under a new distribution id, which must
// replace the old one (found in real use: both dropped it).
func TestGroupReaddAfterSending(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "crew", []store.ContactID{ab.ID, ac.ID})
	if err != nil {
		t.Fatal(err)
	}
	bobG := bob.groupAt(info.ID, 1).Conversation
	carolG := carol.groupAt(info.ID, 1).Conversation
	if _, err := carol.m.Send(ctx, carolG, "before"); err != nil {
		t.Fatal(err)
	}
	alice.waitRows(info.Conversation, 1, texts)
	bob.waitRows(bobG, 1, texts)

	if _, err := alice.m.RemoveGroupMember(ctx, info.Conversation, ac.ID); err != nil {
		t.Fatal(err)
	}
	carol.groupAt(info.ID, 2)
	bob.groupAt(info.ID, 2)
	if _, err := alice.m.AddGroupMembers(ctx, info.Conversation, []store.ContactID{ac.ID}); err != nil {
		t.Fatal(err)
	}
	if back := carol.groupAt(info.ID, 3); !back.Member {
		t.Fatalf("carol added back: %+v", back)
	}
	bob.groupAt(info.ID, 3)
	if _, err := carol.m.Send(ctx, carolG, "back"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		who  *profile
		conv store.ContactID
	}{{alice, info.Conversation}, {bob, bobG}} {
		got := p.who.waitRows(p.conv, 2, texts)
		if string(got[0].Body) != "before" || string(got[1].Body) != "back" {
			t.Fatalf("%s reads %s", p.who.name, describeRows(got))
		}
	}
}
