package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

// findMembers looks the members of a create or an add up: contacts by id
// or name, requests by id (as [chat.Messenger.FindContact] does).
func findMembers(ctx context.Context, m *chat.Messenger, refs []string) ([]chat.ContactID, error) {
	if len(refs) == 0 {
		return nil, errorf(CodeInvalidParams, "api: invalid params: members is empty")
	}
	ids := make([]chat.ContactID, 0, len(refs))
	for _, r := range refs {
		if r == "" {
			return nil, errorf(CodeInvalidParams, "api: invalid params: a member is empty")
		}
		c, err := m.FindContact(ctx, r)
		if err != nil {
			return nil, err
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// findGroup looks a group up by its id or its name (ignoring case). It
// fails with chat.ErrNotGroup (code 27) when no group matches, and
// chat.ErrAmbiguous when several groups have the name.
func findGroup(ctx context.Context, m *chat.Messenger, nameOrID string) (chat.GroupInfo, error) {
	if nameOrID == "" {
		return chat.GroupInfo{}, errorf(CodeInvalidParams, "api: invalid params: group is missing")
	}
	all, err := m.Groups(ctx)
	if err != nil {
		return chat.GroupInfo{}, err
	}
	found := matchGroups(all, nameOrID)
	switch len(found) {
	case 0:
		return chat.GroupInfo{}, fmt.Errorf("%w: no group %q", chat.ErrNotGroup, nameOrID)
	case 1:
		return found[0], nil
	}
	return chat.GroupInfo{}, fmt.Errorf("%w (%q: several groups have that name; use the id)", chat.ErrAmbiguous, nameOrID)
}

// matchGroups returns the groups whose id or name is nameOrID. An id
// names one row; a name may name several, and the groups we are still in
// come before those we left, so that a group left and made anew under
// its old name is reached by it.
func matchGroups(all []chat.GroupInfo, nameOrID string) []chat.GroupInfo {
	if n, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		for _, g := range all {
			if int64(g.Conversation) == n {
				return []chat.GroupInfo{g}
			}
		}
	}
	var in, left []chat.GroupInfo
	for _, g := range all {
		switch {
		case !strings.EqualFold(g.Name, nameOrID):
		case g.Member:
			in = append(in, g)
		default:
			left = append(left, g)
		}
	}
	if len(in) > 0 {
		return in
	}
	return left
}

// findGroupMember looks a group and one of its members up: the member
// by its contact id, or by the name it is shown under in the group.
func findGroupMember(ctx context.Context, m *chat.Messenger, p GroupMemberParams) (chat.GroupInfo, chat.ContactID, error) {
	g, err := findGroup(ctx, m, p.Group)
	if err != nil {
		return g, 0, err
	}
	if p.Member == "" {
		return g, 0, errorf(CodeInvalidParams, "api: invalid params: member is missing")
	}
	var found []chat.ContactID
	for _, mem := range g.Members {
		if mem.Self {
			continue
		}
		id := strconv.FormatInt(int64(mem.Contact.ID), 10)
		if id == p.Member {
			return g, mem.Contact.ID, nil
		}
		if strings.EqualFold(chat.DisplayName(mem.Contact), p.Member) {
			found = append(found, mem.Contact.ID)
		}
	}
	switch len(found) {
	case 0:
		return g, 0, fmt.Errorf("%w: %q is not a member of %q", chat.ErrNotMember, p.Member, g.Name)
	case 1:
		return g, found[0], nil
	}
	return g, 0, fmt.Errorf("%w (%q: several members have that name; use the id)", chat.ErrAmbiguous, p.Member)
}

// newGroup is a group as the api shows it.
func newGroup(ctx context.Context, m *chat.Messenger, g chat.GroupInfo) Group {
	out := Group{ID: int64(g.Conversation), Name: g.Name, Version: g.Version, Admin: g.Admin, Member: g.Member,
		Held: len(g.Held) > 0, Members: make([]GroupMember, 0, len(g.Members))}
	if s, err := m.Summary(ctx, g.Conversation); err == nil {
		out.Unread = s.Unread
	}
	for _, mem := range g.Members {
		c := mem.Contact
		gm := GroupMember{ID: int64(c.ID), Name: chat.DisplayName(c), Self: mem.Self, Admin: mem.Admin,
			Verified: c.Verified, KeyChanged: c.Held, Request: !mem.Self && c.State == chat.StateRequest}
		if mem.Self {
			gm.ID, gm.Name = 0, "me"
		}
		for _, h := range g.Held {
			gm.Held = gm.Held || h == c.ID && !mem.Self
		}
		out.Members = append(out.Members, gm)
	}
	return out
}

// senderNames returns the names of a group conversation's senders: its
// members', and for a former member the name of its contact row.
func senderNames(ctx context.Context, m *chat.Messenger, g chat.GroupInfo) func(chat.ContactID) string {
	names := map[chat.ContactID]string{}
	for _, mem := range g.Members {
		if !mem.Self {
			names[mem.Contact.ID] = chat.DisplayName(mem.Contact)
		}
	}
	return func(id chat.ContactID) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := "contact " + strconv.FormatInt(int64(id), 10)
		if c, err := m.FindContact(ctx, strconv.FormatInt(int64(id), 10)); err == nil {
			n = chat.DisplayName(c)
		}
		names[id] = n
		return n
	}
}

// isGroup reports whether a summary is a group's conversation.
func isGroup(s chat.Summary) bool { return s.Contact.IsGroup() }
