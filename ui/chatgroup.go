package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// What the chat view shows of a group: each incoming message's sender,
// the member list (in place of the messages, like message info), and
// why sending waits while a member's key change holds the group.

// SetGroup updates the open group's info (members, admins, held members).
func (v *ChatView) SetGroup(g chat.GroupInfo) {
	if v.open && g.Conversation == v.contact.Contact.ID {
		v.group = &g
		v.blocks = make([][]string, len(v.msgs)) // sender names appear in lines
	}
}

// Group returns the open group's info, once loaded.
func (v *ChatView) Group() (chat.GroupInfo, bool) {
	if v.group == nil || !v.open {
		return chat.GroupInfo{}, false
	}
	return *v.group, true
}

// handleGroup takes a group's loaded info.
func (v *ChatView) handleGroup(msg groupMsg) tea.Cmd {
	if msg.err != nil {
		if v.open && isGroup(v.contact.Contact) {
			v.note = "Group not loaded: " + ErrorText(msg.err)
		}
		return nil
	}
	v.SetGroup(msg.info)
	v.memberSel = min(v.memberSel, max(0, len(msg.info.Members)-1))
	if v.members && v.memberSel < len(msg.info.Members) && msg.info.Members[v.memberSel].Self {
		v.memberSel = v.firstOther()
	}
	return nil
}

// VerifyMemberMsg asks the main screen to verify a group member (v in
// the member list): a member's changed key holds the group until then.
type VerifyMemberMsg struct {
	// Contact is the member's contact row.
	Contact chat.Contact
}

// firstOther is the index of the first member who is not us.
func (v *ChatView) firstOther() int {
	if v.group != nil {
		for i, m := range v.group.Members {
			if !m.Self {
				return i
			}
		}
	}
	return 0
}

// handleMemberKey moves the member list's selection (skipping us), opens
// the selected member's chat (enter) or its verification (v), or goes
// back (esc).
func (v *ChatView) handleMemberKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	if key.Matches(msg, km.Back) {
		v.members = false
		return nil
	}
	if v.group == nil || len(v.group.Members) == 0 {
		return nil
	}
	ms := v.group.Members
	switch {
	case key.Matches(msg, km.Up), key.Matches(msg, km.Down):
		dir := 1
		if key.Matches(msg, km.Up) {
			dir = -1
		}
		for i := v.memberSel + dir; i >= 0 && i < len(ms); i += dir {
			if !ms[i].Self {
				v.memberSel = i
				break
			}
		}
	case v.memberSel >= len(ms) || ms[v.memberSel].Self:
	case key.Matches(msg, km.Open):
		c := ms[v.memberSel].Contact
		return tea.Batch(func() tea.Msg { return OpenChatMsg{Contact: chat.Summary{Contact: c}} }, SummaryCmd(v.core, c.ID))
	case key.Matches(msg, km.Verify):
		c := ms[v.memberSel].Contact
		return func() tea.Msg { return VerifyMemberMsg{Contact: c} }
	}
	return nil
}

// ShowMembers shows the open group's member list until esc.
func (v *ChatView) ShowMembers() tea.Cmd {
	if !v.open || !isGroup(v.contact.Contact) {
		return nil
	}
	v.members, v.info, v.prompt, v.memberSel = true, nil, promptNone, v.firstOther()
	if v.group == nil {
		return GroupCmd(v.core, v.contact.Contact.ID)
	}
	return nil
}

// senderName is who wrote a row of the open chat, as its lines show it:
// in a group, the member who wrote an incoming row; else the contact.
func (v *ChatView) senderName(m chat.Message) string {
	if !isGroup(v.contact.Contact) || m.Sender == 0 {
		return chat.DisplayName(v.contact.Contact)
	}
	return v.memberName(m.Sender)
}

// memberName is a group member's name: from the group's info, else from
// the names the main screen knows (a former member), else a stand-in.
func (v *ChatView) memberName(id chat.ContactID) string {
	if v.group != nil {
		for _, m := range v.group.Members {
			if !m.Self && m.Contact.ID == id {
				return chat.DisplayName(m.Contact)
			}
		}
	}
	if v.names != nil {
		if n, ok := v.names(id); ok {
			return n
		}
	}
	return chat.DisplayName(chat.Contact{ID: id})
}

// heldNames names the members whose key change holds the open group.
func (v *ChatView) heldNames() []string {
	if v.group == nil {
		return nil
	}
	var out []string
	for _, id := range v.group.Held {
		out = append(out, SanitizeLine(v.memberName(id)))
	}
	return out
}

// groupHeader is the header's marks of a group: how many members, and
// whether we left or sending waits.
func (v *ChatView) groupHeader() string {
	st := v.common.Styles
	h := st.Title.Render("# " + SanitizeLine(chat.DisplayName(v.contact.Contact)))
	g := v.group
	switch {
	case g == nil:
	case !g.Member:
		h += " " + st.Warning.Render("you are not in this group any more")
	case len(g.Held) > 0:
		h += " " + st.Warning.Render("! held")
		fallthrough
	default:
		n := "members"
		if len(g.Members) == 1 {
			n = "member"
		}
		h += st.Subtle.Render(fmt.Sprintf(" · %d %s", len(g.Members), n))
	}
	return h
}

// heldLine is the footer of a held group: whose key changed, and what to
// do.
func (v *ChatView) heldLine() string {
	names := v.heldNames()
	if len(names) == 0 {
		return ""
	}
	then := " · g: members"
	if v.members {
		then = " · v: verify"
	}
	return "Sending waits: " + strings.Join(names, ", ") + "'s key changed" + then
}

// membersView renders the member list in place of the messages: each
// member with its verification state, admin mark and whether its key
// change holds the group.
func (v *ChatView) membersView() []string {
	st, w := v.common.Styles, v.common.Width
	lines := []string{st.Title.Render("Members of " + SanitizeLine(chat.DisplayName(v.contact.Contact))), ""}
	g := v.group
	if g == nil {
		return append(lines, st.Subtle.Render("loading…"))
	}
	held := map[chat.ContactID]bool{}
	for _, id := range g.Held {
		held[id] = true
	}
	nameW := len("me")
	for _, m := range g.Members {
		if !m.Self {
			nameW = max(nameW, len([]rune(SanitizeLine(chat.DisplayName(m.Contact)))))
		}
	}
	nameW = min(nameW, max(4, w/3))
	for i, m := range g.Members {
		name := "me"
		if !m.Self {
			name = SanitizeLine(chat.DisplayName(m.Contact))
		}
		name = truncate(name, nameW)
		name += strings.Repeat(" ", max(0, nameW-len([]rune(name))))
		line := "  " + name + "  " + memberMarks(st, m, held[m.Contact.ID] && !m.Self)
		if i == v.memberSel && !m.Self {
			line = st.Selected.Render("▸ " + line[2:]) // marked by shape, not by colour alone
		}
		lines = append(lines, line)
	}
	lines = append(lines, "", st.Subtle.Render("✔ verified · ★ admin · ! key changed"))
	if !g.Admin && g.Member {
		lines = append(lines, st.Subtle.Render("Only admins change the group."))
	}
	lines = append(lines, st.Subtle.Render("↑/↓ member · v verify · enter chat · esc back"))
	for j := range lines {
		lines[j] = truncate(lines[j], w)
	}
	return lines
}

// memberMarks are a member's marks in the member list.
func memberMarks(st *Styles, m chat.GroupMember, held bool) string {
	var marks []string
	switch {
	case m.Self:
	case held:
		marks = append(marks, st.Warning.Render("! key changed"))
	case m.Contact.Verified:
		marks = append(marks, st.Verified.Render("✔ verified"))
	default:
		marks = append(marks, st.Subtle.Render("not verified"))
	}
	if m.Admin {
		marks = append(marks, "★ admin")
	}
	if !m.Self && m.Contact.State == chat.StateRequest {
		marks = append(marks, st.Subtle.Render("not a contact"))
	}
	return strings.Join(marks, " · ")
}

// GroupInfoCmd loads the info of our message to a group, with where it
// is at each member.
func GroupInfoCmd(c Actions, g chat.ContactID, target chat.MessageID) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		info, err := c.MessageInfo(ctx, g, target)
		if err != nil {
			return infoMsg{contact: g, err: err}
		}
		members, err := c.MemberStatuses(ctx, g, target)
		return infoMsg{contact: g, info: info, members: members, err: err}
	}
}

// memberStatusLines are message info's lines for each member of a
// group: where our message is at that member, and since when.
func (v *ChatView) memberStatusLines() []string {
	if len(v.memberStatus) == 0 {
		return nil
	}
	st := v.common.Styles
	lines := []string{"", "  Members:"}
	for _, ms := range v.memberStatus {
		at := ms.Times.Sent
		switch ms.Status {
		case chat.StatusDelivered:
			at = ms.Times.Delivered
		case chat.StatusRead:
			at = ms.Times.Read
		}
		when := ""
		if !at.IsZero() {
			when = " " + at.In(v.common.Location).Format("15:04")
		}
		mark := ticks(st, chat.Message{Direction: chat.Outgoing, Status: ms.Status})
		name := truncate(SanitizeLine(v.memberName(ms.Member)), max(4, v.common.Width/3))
		lines = append(lines, fmt.Sprintf("    %s %s %s%s", mark, name, ms.Status.String(), when))
	}
	return lines
}
