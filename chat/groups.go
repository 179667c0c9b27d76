package chat

import (
	"context"

	"ratchat/store"
)

// GroupMember is one member of a group as the front ends show it.
type GroupMember struct {
	// Contact is the member's contact row: a contact, a message request
	// (a member we know only through the group), or, for ourselves, a
	// row with ID 0 holding our identity and home.
	Contact store.Contact
	// Self marks ourselves; Admin an admin of the group.
	Self, Admin bool
}

// GroupInfo is a group as the front ends show it.
type GroupInfo struct {
	// Conversation is the group's row: its history, read marker, mute
	// and timer are those of any conversation.
	Conversation store.ContactID
	ID           store.GroupID
	Name         string
	Version      uint64
	Members      []GroupMember
	// Admin says we are an admin; Member that we are still in the group
	// (we left, or were removed, otherwise).
	Admin, Member bool
	// Held lists the members whose identity key changed and was not
	// accepted: sending to the group is held until each is handled.
	Held []store.ContactID
}

// CreateGroup makes a group named name of us (its admin) and members,
// who must be contacts or requests we can reach, and tells each of them.
func (m *Messenger) CreateGroup(ctx context.Context, name string, members []store.ContactID) (GroupInfo, error) {
	return GroupInfo{}, errGroupsNotYet
}

// AddGroupMembers adds members to group g (we must be an admin) and
// tells every member, the new ones included.
func (m *Messenger) AddGroupMembers(ctx context.Context, g store.ContactID, members []store.ContactID) (GroupInfo, error) {
	return GroupInfo{}, errGroupsNotYet
}

// RemoveGroupMember removes member from group g (we must be an admin);
// the member is told, and every member rotates its sender key so that
// the member cannot read what is sent after.
func (m *Messenger) RemoveGroupMember(ctx context.Context, g, member store.ContactID) (GroupInfo, error) {
	return GroupInfo{}, errGroupsNotYet
}

// PromoteGroupMember makes member an admin of group g (we must be one).
func (m *Messenger) PromoteGroupMember(ctx context.Context, g, member store.ContactID) (GroupInfo, error) {
	return GroupInfo{}, errGroupsNotYet
}

// RenameGroup renames group g (we must be an admin).
func (m *Messenger) RenameGroup(ctx context.Context, g store.ContactID, name string) (GroupInfo, error) {
	return GroupInfo{}, errGroupsNotYet
}

// LeaveGroup takes us out of group g and tells every member. The history
// stays; nothing more is sent or received in the group.
func (m *Messenger) LeaveGroup(ctx context.Context, g store.ContactID) error {
	return errGroupsNotYet
}

// Group returns group g.
func (m *Messenger) Group(ctx context.Context, g store.ContactID) (GroupInfo, error) {
	return GroupInfo{}, errGroupsNotYet
}

// Groups returns every group, those we left included.
func (m *Messenger) Groups(ctx context.Context) ([]GroupInfo, error) {
	return nil, errGroupsNotYet
}

// MemberStatuses returns, for our message id in group g, where it is at
// each member (message info).
func (m *Messenger) MemberStatuses(ctx context.Context, g store.ContactID, id store.MessageID) ([]store.MemberStatus, error) {
	return nil, errGroupsNotYet
}
