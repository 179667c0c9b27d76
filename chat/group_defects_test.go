package chat

import (
	"context"
	"testing"

	"ratchat/store"
)

// Tests of defects found by the scale tests (see DEFECTS.md); they fail
// until the defect is fixed.

// TestGroupReaddRemovedMember: a member removed and later added again is
// a member again: it reads what is sent to the group and can write to it.
func TestGroupReaddRemovedMember(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID, ac.ID})
	if err != nil {
		t.Fatal(err)
	}
	bobG := bob.groupAt(info.ID, 1).Conversation
	carol.groupAt(info.ID, 1)
	if _, err := alice.m.RemoveGroupMember(ctx, info.Conversation, ac.ID); err != nil {
		t.Fatal(err)
	}
	if gone := carol.groupAt(info.ID, 2); gone.Member {
		t.Fatalf("carol removed and still a member: %+v", gone)
	}
	if _, err := alice.m.AddGroupMembers(ctx, info.Conversation, []store.ContactID{ac.ID}); err != nil {
		t.Fatal(err)
	}
	back := carol.groupAt(info.ID, 3)
	// The version is stored a moment before the row is a member's again.
	carol.until("a member again", func() bool {
		back, err = carol.m.Group(ctx, back.Conversation)
		return err == nil && back.Member
	})
	if len(back.Members) != 3 {
		t.Fatalf("carol added again sees %+v", back)
	}
	if _, err := alice.m.Send(ctx, info.Conversation, "welcome back"); err != nil {
		t.Fatal(err)
	}
	if got := carol.waitRows(back.Conversation, 1, texts); string(got[0].Body) != "welcome back" {
		t.Fatalf("carol read %q", got[0].Body)
	}
	if _, err := carol.m.Send(ctx, back.Conversation, "thanks"); err != nil {
		t.Fatalf("carol, added again, cannot write: %v", err)
	}
	if got := bob.waitRows(bobG, 1, texts); string(got[0].Body) != "thanks" {
		t.Fatalf("bob read %q", got[0].Body)
	}
}
