package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// The /group commands: create, add, remove, leave, rename, promote and
// members.

// groupUsage is the usage line of /group.
const groupUsage = "Usage: /group create NAME MEMBER… | add MEMBER… | remove MEMBER | leave | rename NAME | promote MEMBER | members"

// groupMsg carries a group's info, loaded for the open chat.
type groupMsg struct {
	info chat.GroupInfo
	err  error
}

// groupDoneMsg carries the result of a /group command: the group as it
// is now, what to say, and whether to open its chat (a new group).
type groupDoneMsg struct {
	info   chat.GroupInfo
	notice string
	open   bool
	err    error
}

// isGroup reports whether a contact row is a group's conversation.
func isGroup(c chat.Contact) bool { return c.IsGroup() }

// GroupCmd loads a group's info.
func GroupCmd(c Actions, id chat.ContactID) tea.Cmd {
	return func() tea.Msg {
		info, err := c.Group(context.Background(), id)
		return groupMsg{info, err}
	}
}

// handleGroup runs /group SUBCOMMAND ARGS.
func (a *App) handleGroup(arg string) tea.Cmd {
	sub, rest, _ := strings.Cut(arg, " ")
	rest = strings.TrimSpace(rest)
	if sub == "create" {
		return a.createGroup(rest)
	}
	c, ok := a.chat.Contact()
	if !ok || !isGroup(c.Contact) {
		return a.composer.SetHint("Open a group's chat first (or /group create NAME MEMBER…).", true)
	}
	g, core, id := a.chat.group, a.core, c.Contact.ID
	switch {
	case sub == "" || sub == "members":
		return a.chat.ShowMembers()
	case sub == "leave":
		return groupCall("Left the group", false, func(ctx context.Context) (chat.GroupInfo, error) {
			if err := core.LeaveGroup(ctx, id); err != nil {
				return chat.GroupInfo{}, err
			}
			return core.Group(ctx, id)
		})
	case sub == "rename" && strings.Trim(rest, `"`) != "":
		name := strings.Trim(rest, `"`)
		return groupCall("Renamed the group", false, func(ctx context.Context) (chat.GroupInfo, error) {
			return core.RenameGroup(ctx, id, name)
		})
	case sub == "add" && rest != "":
		ids, err := a.findMembers(splitArgs(rest))
		if err != nil {
			return a.composer.SetHint(err.Error(), true)
		}
		return groupCall("Added "+SanitizeLine(strings.Join(splitArgs(rest), ", ")), false,
			func(ctx context.Context) (chat.GroupInfo, error) { return core.AddGroupMembers(ctx, id, ids) })
	case (sub == "remove" || sub == "promote") && rest != "":
		if g == nil {
			return a.composer.SetHint("The group is still loading; try again.", true)
		}
		member, err := findMember(*g, rest)
		if err != nil {
			return a.composer.SetHint(err.Error(), true)
		}
		if sub == "remove" {
			return groupCall("Removed "+SanitizeLine(rest), false,
				func(ctx context.Context) (chat.GroupInfo, error) { return core.RemoveGroupMember(ctx, id, member) })
		}
		return groupCall(SanitizeLine(rest)+" is an admin now", false,
			func(ctx context.Context) (chat.GroupInfo, error) { return core.PromoteGroupMember(ctx, id, member) })
	}
	return a.composer.SetHint(groupUsage, true)
}

// createGroup runs /group create NAME MEMBER…; a name with spaces is
// quoted ("Book club").
func (a *App) createGroup(arg string) tea.Cmd {
	words := splitArgs(arg)
	if len(words) < 2 {
		return a.composer.SetHint("Usage: /group create NAME MEMBER… (quote a name with spaces)", true)
	}
	ids, err := a.findMembers(words[1:])
	if err != nil {
		return a.composer.SetHint(err.Error(), true)
	}
	core, name := a.core, words[0]
	return groupCall("Created "+SanitizeLine(name), true, func(ctx context.Context) (chat.GroupInfo, error) {
		return core.CreateGroup(ctx, name, ids)
	})
}

// groupCall runs a group change in a Cmd and reports its result.
func groupCall(notice string, open bool, fn func(ctx context.Context) (chat.GroupInfo, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), netTimeout)
		defer cancel()
		info, err := fn(ctx)
		return groupDoneMsg{info: info, notice: notice, open: open, err: err}
	}
}

// handleGroupDone shows a group change: the group's row in the list, its
// chat (opened for a new group), or why it failed.
func (a *App) handleGroupDone(msg groupDoneMsg) tea.Cmd {
	if msg.err != nil {
		return a.composer.SetHint("Not done: "+groupErrorText(msg.err), true) // wider than the status bar's notice
	}
	id := msg.info.Conversation
	note := a.status.SetNotice(msg.notice, false)
	if msg.open {
		s := chat.Summary{Contact: chat.Contact{ID: id, Name: msg.info.Name, GroupID: msg.info.ID}}
		a.contacts.Upsert(s)
		return tea.Batch(note, a.openChat(s), SummaryCmd(a.core, id))
	}
	a.chat.SetGroup(msg.info)
	return tea.Batch(note, SummaryCmd(a.core, id))
}

// groupErrorText words a group command's failure.
func groupErrorText(err error) string {
	switch {
	case errors.Is(err, chat.ErrNotAdmin):
		return "only admins change the group"
	case errors.Is(err, chat.ErrNotMember):
		return "you are not in this group any more"
	}
	return ErrorText(err)
}

// findMembers looks the members of /group create or add up among the
// contact list: by name (ignoring case) among contacts, or by id.
func (a *App) findMembers(refs []string) ([]chat.ContactID, error) {
	ids := make([]chat.ContactID, 0, len(refs))
	for _, r := range refs {
		id, err := findPerson(a.contacts.Items(), r)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// findPerson finds a person in the contact list by name (contacts only,
// ignoring case) or by id (requests too), never a group.
func findPerson(items []chat.Summary, ref string) (chat.ContactID, error) {
	n, numErr := strconv.ParseInt(ref, 10, 64)
	var found []chat.ContactID
	for _, s := range items {
		c := s.Contact
		switch {
		case isGroup(c) || c.State == chat.StateBlocked:
		case numErr == nil && int64(c.ID) == n:
			return c.ID, nil
		case c.State == chat.StateContact && strings.EqualFold(chat.DisplayName(c), ref):
			found = append(found, c.ID)
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("No contact %q", SanitizeLine(ref))
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("Several contacts are called %q: give the id", SanitizeLine(ref))
}

// findMember finds a member of a group (not ourselves) by the name it is
// shown under, ignoring case, or by its contact id.
func findMember(g chat.GroupInfo, ref string) (chat.ContactID, error) {
	ref = strings.Trim(ref, `"`)
	var found []chat.ContactID
	for _, m := range g.Members {
		switch {
		case m.Self:
		case strconv.FormatInt(int64(m.Contact.ID), 10) == ref:
			return m.Contact.ID, nil
		case strings.EqualFold(chat.DisplayName(m.Contact), ref):
			found = append(found, m.Contact.ID)
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("%q is not a member of this group", SanitizeLine(ref))
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("Several members are called %q: give the id", SanitizeLine(ref))
}

// splitArgs splits a command's arguments at spaces; a double-quoted
// argument may hold spaces ("Book club").
func splitArgs(s string) []string {
	var out []string
	var b strings.Builder
	quoted, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, started = !quoted, true
		case r == ' ' && !quoted:
			if started {
				out = append(out, b.String())
			}
			b.Reset()
			started = false
		default:
			b.WriteRune(r)
			started = true
		}
	}
	if started {
		out = append(out, b.String())
	}
	return out
}

// showMembers shows the open group's member list (the g key).
func (a *App) showMembers() tea.Cmd {
	var open tea.Cmd
	if sel, ok := a.contacts.Selected(); ok && a.focus == focusContacts && isGroup(sel.Contact) {
		if c, _ := a.chat.Contact(); c.Contact.ID != sel.Contact.ID {
			open = a.openChat(sel) // g on a group in the list: its chat, with the list over it
		}
	}
	c, ok := a.chat.Contact()
	if !ok || !isGroup(c.Contact) {
		return a.status.SetNotice("Open a group's chat to list its members", true)
	}
	return tea.Batch(open, a.chat.ShowMembers(), a.setFocus(focusChat))
}

// reloadGroup loads the open group's info again after a change: of that
// group (id), or of anyone (0), who may be a member.
func (a *App) reloadGroup(id chat.ContactID) tea.Cmd {
	c, ok := a.chat.Contact()
	if !ok || !isGroup(c.Contact) || id != 0 && id != c.Contact.ID {
		return nil
	}
	return GroupCmd(a.core, c.Contact.ID)
}

// nameOf finds a person's name among the listed chats.
func (a *App) nameOf(id chat.ContactID) (string, bool) {
	for _, s := range a.contacts.Items() {
		if s.Contact.ID == id && !isGroup(s.Contact) {
			return chat.DisplayName(s.Contact), true
		}
	}
	return "", false
}
