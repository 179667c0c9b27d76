package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"ratchat/chat"
)

// Group is a group as the api shows it.
type Group struct {
	// ID is the group's conversation id: send, messages, reply, mute ...
	// take it (or the name) as their contact. Name is the group's name,
	// Version its state's version.
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Version uint64 `json:"version"`
	// Admin says we are an admin (who may change the group); Member that
	// we are still in it (false once we left or were removed).
	Admin  bool `json:"admin"`
	Member bool `json:"member"`
	// Held says that sending to the group waits: a member's identity key
	// changed and was not accepted (see the members' held).
	Held bool `json:"held"`
	// Unread counts its messages not read yet.
	Unread int `json:"unread"`
	// Members are the members, ourselves included (self).
	Members []GroupMember `json:"members"`
}

// GroupMember is one member of a group.
type GroupMember struct {
	// ID is the member's contact id (0 for ourselves); Name what it is
	// shown under.
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Self marks ourselves; Admin an admin of the group.
	Self  bool `json:"self,omitempty"`
	Admin bool `json:"admin"`
	// Verified says its safety number was compared; KeyChanged that its
	// identity key changed, and Held that this holds sending to the group
	// until the new key is accepted (verify it).
	Verified   bool `json:"verified"`
	KeyChanged bool `json:"key_changed"`
	Held       bool `json:"held"`
	// Request marks a member who is no contact of ours: someone we know
	// only through the group (its own messages to us are a request).
	Request bool `json:"request,omitempty"`
}

// GroupCreateParams are a new group's name and its members (contacts, by
// id or name; message requests by id).
type GroupCreateParams struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// GroupAddParams name a group (id or name) and the members to add.
type GroupAddParams struct {
	Group   string   `json:"group"`
	Members []string `json:"members"`
}

// GroupMemberParams name a group and one of its members (id or name).
type GroupMemberParams struct {
	Group  string `json:"group"`
	Member string `json:"member"`
}

// GroupRenameParams name a group and its new name.
type GroupRenameParams struct {
	Group string `json:"group"`
	Name  string `json:"name"`
}

// GroupParams name a group by id or name.
type GroupParams struct {
	Group string `json:"group"`
}

// GroupListParams are the params of group.list: none.
type GroupListParams struct{}

// GroupResult is a group after a change, or as group.members shows it;
// after a change, Flushed says whether the members were told within
// [FlushWait] (else they are told later, as the outbox goes out).
type GroupResult struct {
	Group   Group `json:"group"`
	Flushed bool  `json:"flushed"`
}

// GroupListResult lists every group, those we left included.
type GroupListResult struct {
	Groups []Group `json:"groups"`
}

// errGroupHeld stands for a [*chat.IdentityChangedError] from a group:
// a member's key change holds sending to it.
var errGroupHeld = errors.New("chat: a member's identity key changed; sending to the group waits until it is accepted")

// heldErr makes a member's key change that holds a group the group's
// error (code 29) rather than a contact's (code 8).
func heldErr(err error) error {
	var changed *chat.IdentityChangedError
	if errors.As(err, &changed) {
		return fmt.Errorf("%w (member %d)", errGroupHeld, changed.Contact)
	}
	return err
}

// groupCreate makes a group.
func groupCreate(ctx context.Context, m *chat.Messenger, p GroupCreateParams) (GroupResult, error) {
	if strings.TrimSpace(p.Name) == "" {
		return GroupResult{}, errorf(CodeInvalidParams, "api: invalid params: name is empty")
	}
	ids, err := findMembers(ctx, m, p.Members)
	if err != nil {
		return GroupResult{}, err
	}
	return groupResult(ctx, m)(m.CreateGroup(ctx, p.Name, ids))
}

// groupAdd adds members to a group.
func groupAdd(ctx context.Context, m *chat.Messenger, p GroupAddParams) (GroupResult, error) {
	g, err := findGroup(ctx, m, p.Group)
	if err != nil {
		return GroupResult{}, err
	}
	ids, err := findMembers(ctx, m, p.Members)
	if err != nil {
		return GroupResult{}, err
	}
	return groupResult(ctx, m)(m.AddGroupMembers(ctx, g.Conversation, ids))
}

// groupRemove removes a member from a group.
func groupRemove(ctx context.Context, m *chat.Messenger, p GroupMemberParams) (GroupResult, error) {
	g, member, err := findGroupMember(ctx, m, p)
	if err != nil {
		return GroupResult{}, err
	}
	return groupResult(ctx, m)(m.RemoveGroupMember(ctx, g.Conversation, member))
}

// groupPromote makes a member an admin.
func groupPromote(ctx context.Context, m *chat.Messenger, p GroupMemberParams) (GroupResult, error) {
	g, member, err := findGroupMember(ctx, m, p)
	if err != nil {
		return GroupResult{}, err
	}
	return groupResult(ctx, m)(m.PromoteGroupMember(ctx, g.Conversation, member))
}

// groupRename renames a group for every member.
func groupRename(ctx context.Context, m *chat.Messenger, p GroupRenameParams) (GroupResult, error) {
	if strings.TrimSpace(p.Name) == "" {
		return GroupResult{}, errorf(CodeInvalidParams, "api: invalid params: name is empty")
	}
	g, err := findGroup(ctx, m, p.Group)
	if err != nil {
		return GroupResult{}, err
	}
	return groupResult(ctx, m)(m.RenameGroup(ctx, g.Conversation, p.Name))
}

// groupLeave takes us out of a group.
func groupLeave(ctx context.Context, m *chat.Messenger, p GroupParams) (GroupResult, error) {
	g, err := findGroup(ctx, m, p.Group)
	if err != nil {
		return GroupResult{}, err
	}
	if err := m.LeaveGroup(ctx, g.Conversation); err != nil {
		return GroupResult{}, err
	}
	return groupResult(ctx, m)(m.Group(ctx, g.Conversation))
}

// groupMembers returns a group with its members.
func groupMembers(ctx context.Context, m *chat.Messenger, p GroupParams) (GroupResult, error) {
	g, err := findGroup(ctx, m, p.Group)
	if err != nil {
		return GroupResult{}, err
	}
	return GroupResult{Group: newGroup(ctx, m, g)}, nil
}

// groupList lists the groups.
func groupList(ctx context.Context, m *chat.Messenger, _ GroupListParams) (GroupListResult, error) {
	all, err := m.Groups(ctx)
	if err != nil {
		return GroupListResult{}, err
	}
	out := GroupListResult{Groups: make([]Group, 0, len(all))}
	for _, g := range all {
		out.Groups = append(out.Groups, newGroup(ctx, m, g))
	}
	return out, nil
}

// groupResult turns what a group call returned into its result.
func groupResult(ctx context.Context, m *chat.Messenger) func(chat.GroupInfo, error) (GroupResult, error) {
	return func(g chat.GroupInfo, err error) (GroupResult, error) {
		if errors.Is(err, chat.ErrBadGroupName) {
			return GroupResult{}, errorf(CodeInvalidParams, "api: invalid params: %v", err)
		}
		if err != nil {
			return GroupResult{}, heldErr(err)
		}
		fctx, cancel := context.WithTimeout(ctx, FlushWait)
		defer cancel()
		flushed := m.Flush(fctx)
		return GroupResult{Group: newGroup(ctx, m, g), Flushed: flushed}, nil
	}
}
