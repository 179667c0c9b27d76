package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ratchat/chat"
)

// Looking groups and their members up by id or name, and showing them.

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
