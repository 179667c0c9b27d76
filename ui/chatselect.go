package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// Selection: up and down (and a click) select a message in the chat pane;
// the action keys then act on it. The selection is kept by sequence
// number, so that rows arriving or older pages loading do not move it.

// prompt is a question the chat view asks about the selected message.
type prompt uint8

const (
	promptNone   prompt = iota
	promptDelete        // for me or for everyone?
	promptReact         // which emoji?
)

// quickEmoji are the reactions the picker offers under 1 to 6; any other
// emoji can be typed (or pasted) instead.
var quickEmoji = []string{"👍", "❤️", "😂", "😮", "😢", "🙏"}

// Selected returns the selected message, if any.
func (v *ChatView) Selected() (chat.Message, bool) {
	if i := v.selIndex(); i >= 0 {
		return v.msgs[i], true
	}
	return chat.Message{}, false
}

// selIndex returns the index of the selected row, or -1.
func (v *ChatView) selIndex() int {
	if v.selSeq == 0 {
		return -1
	}
	i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].Seq >= v.selSeq })
	if i < len(v.msgs) && v.msgs[i].Seq == v.selSeq {
		return i
	}
	return -1
}

// Captures reports whether the chat view takes this key before the main
// screen's shortcuts: while it asks a question or shows message info,
// every key; while a message is selected, the action keys and esc.
func (v *ChatView) Captures(msg tea.KeyMsg) bool {
	if v.prompt != promptNone || v.info != nil || v.members {
		return true
	}
	km := v.common.KeyMap
	return v.selSeq != 0 && (key.Matches(msg, km.Reply, km.Edit, km.Delete, km.React, km.Info, km.Back, km.Open))
}

// setSelection selects row i (-1: none), redrawing the rows it changes.
func (v *ChatView) setSelection(i int) {
	if old := v.selIndex(); old >= 0 {
		v.blocks[old] = nil
	}
	v.selSeq, v.prompt, v.note = 0, promptNone, ""
	if i >= 0 {
		v.selSeq = v.msgs[i].Seq
		v.blocks[i] = nil
	}
}

// moveSelection selects the next message a person wrote above (dir < 0)
// or below (dir > 0) the selected one; from none, up selects the newest.
// Down past the newest clears the selection and returns to the bottom.
func (v *ChatView) moveSelection(dir int) tea.Cmd {
	i := v.selIndex()
	if i < 0 {
		if dir > 0 {
			return v.scroll(-1)
		}
		i = len(v.msgs)
	}
	for j := i + dir; j >= 0 && j < len(v.msgs); j += dir {
		if !v.msgs[j].Kind.System() {
			v.setSelection(j)
			return v.showRow(j)
		}
	}
	if dir > 0 {
		v.setSelection(-1)
		return v.scroll(-v.offset)
	}
	return v.maybeLoadOlder()
}

// showRow scrolls so that row i is on screen.
func (v *ChatView) showRow(i int) tea.Cmd {
	below := 0
	for j := len(v.msgs) - 1; j > i; j-- {
		below += len(v.block(j))
	}
	h, area := len(v.block(i)), v.area()
	switch {
	case below < v.offset:
		v.offset = below
	case below+h > v.offset+area:
		v.offset = below + h - area
	}
	return v.scroll(0)
}

// handleSelectKey handles up and down and the action keys; ok is false
// for keys it leaves to scrolling.
func (v *ChatView) handleSelectKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := v.common.KeyMap
	if v.members {
		return v.handleMemberKey(msg), true
	}
	if v.info != nil {
		if key.Matches(msg, km.Back) {
			v.info = nil
		}
		return nil, true
	}
	if v.prompt != promptNone {
		return v.handlePrompt(msg), true
	}
	switch {
	case key.Matches(msg, km.Up):
		return v.moveSelection(-1), true
	case key.Matches(msg, km.Down):
		return v.moveSelection(1), true
	}
	m, ok := v.Selected()
	if !ok {
		return nil, false
	}
	v.note = ""
	switch {
	case key.Matches(msg, km.Back):
		v.setSelection(-1)
	case key.Matches(msg, km.Reply):
		return v.compose(m, false), true
	case key.Matches(msg, km.Edit):
		return v.compose(m, true), true
	case key.Matches(msg, km.Delete):
		v.prompt = promptDelete
	case key.Matches(msg, km.React):
		if m.Kind == chat.RowDeleted {
			v.note = "A deleted message takes no reactions."
		} else {
			v.prompt = promptReact
		}
	case key.Matches(msg, km.Info):
		if isGroup(v.contact.Contact) && m.Direction == chat.Outgoing {
			return GroupInfoCmd(v.core, v.contact.Contact.ID, m.ID), true
		}
		return InfoCmd(v.core, v.contact.Contact.ID, m.ID), true
	case key.Matches(msg, km.Open) && m.Quote != (chat.MessageID{}):
		// Jump to the quoted original, when it is loaded.
		if j := v.find(m.Quote); j >= 0 {
			v.setSelection(j)
			return v.showRow(j), true
		}
		v.note = "The quoted message is further up: scroll up to load it."
	default:
		return nil, false
	}
	return nil, true
}

// compose asks the main screen for a reply to m or an edit of it, if the
// rules allow (an edit: our own text, less than a day old).
func (v *ChatView) compose(m chat.Message, edit bool) tea.Cmd {
	switch {
	case m.Kind == chat.RowDeleted:
		v.note = "That message was deleted."
		return nil
	case edit && (m.Direction != chat.Outgoing || m.Kind != chat.RowText):
		v.note = "Only your own text messages can be edited."
		return nil
	case edit && !v.recent(m):
		v.note = "Messages older than 24 hours cannot be edited."
		return nil
	}
	v.setSelection(-1)
	return func() tea.Msg { return ComposeMsg{Edit: edit, Message: m} }
}

// recent reports whether our message m may still be edited or deleted
// for everyone.
func (v *ChatView) recent(m chat.Message) bool {
	return m.Direction == chat.Outgoing && v.common.now().Sub(m.Sent) <= chat.EditWindow
}

// handlePrompt answers the delete or react question.
func (v *ChatView) handlePrompt(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	m, ok := v.Selected()
	p := v.prompt
	v.prompt = promptNone
	if !ok || key.Matches(msg, km.Back) {
		return nil
	}
	id := v.contact.Contact.ID
	if p == promptDelete {
		switch {
		case key.Matches(msg, km.DeleteForMe):
			return DeleteCmd(v.core, id, m.ID, false)
		case key.Matches(msg, km.DeleteForAll) && v.recent(m) && m.Kind != chat.RowDeleted:
			return DeleteCmd(v.core, id, m.ID, true)
		}
		v.prompt = p // not an answer: ask on
		return nil
	}
	if msg.Type != tea.KeyRunes {
		v.prompt = p
		return nil
	}
	s := string(msg.Runes)
	switch {
	case s == "0":
		s = ""
	case len(s) == 1 && s[0] >= '1' && int(s[0]-'1') < len(quickEmoji):
		s = quickEmoji[s[0]-'1']
	}
	return ReactCmd(v.core, id, m.ID, s)
}

// handleActed shows the result of an action on a row, or why it failed.
func (v *ChatView) handleActed(msg actedMsg) tea.Cmd {
	if msg.err != nil {
		v.note = "Not done: " + ErrorText(msg.err)
		return nil
	}
	return v.handleMessage(msg.contact, msg.item)
}

// handleInfo shows a message's info until esc.
func (v *ChatView) handleInfo(msg infoMsg) {
	if !v.open || msg.contact != v.contact.Contact.ID {
		return
	}
	if msg.err != nil {
		v.note = "No info: " + ErrorText(msg.err)
		return
	}
	v.info, v.memberStatus = &msg.info, msg.members
}

// promptLine is the footer while the view asks a question.
func (v *ChatView) promptLine() string {
	m, _ := v.Selected()
	switch v.prompt {
	case promptDelete:
		if v.recent(m) && m.Kind != chat.RowDeleted {
			return "Delete: m for me · a for everyone · esc cancel"
		}
		return "Delete for me: m · esc cancel"
	case promptReact:
		var b strings.Builder
		b.WriteString("React:")
		for i, e := range quickEmoji {
			fmt.Fprintf(&b, " %d %s", i+1, Sanitize(e))
		}
		b.WriteString(" · 0 remove · or type one · esc")
		return b.String()
	}
	return ""
}

// infoView renders message info in place of the messages.
func (v *ChatView) infoView() []string {
	i, st := v.info, v.common.Styles
	when := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(v.common.Location).Format("Mon 2 Jan 2006 15:04:05")
	}
	lines := []string{st.Title.Render("Message info"), ""}
	row := func(label string, t time.Time) { lines = append(lines, fmt.Sprintf("  %-10s %s", label, when(t))) }
	row("Written", i.Written)
	if i.Message.Direction == chat.Outgoing {
		row("Sent", i.Sent)
	} else {
		row("Received", i.Received)
	}
	row("Delivered", i.Delivered)
	row("Read", i.Read)
	if !i.Edited.IsZero() {
		row("Edited", i.Edited)
		lines = append(lines, "", "  Earlier versions:")
		for _, ver := range i.Versions {
			text := truncate(SanitizeLine(string(ver.Body)), max(1, v.common.Width-indent-6))
			lines = append(lines, "    "+ver.At.In(v.common.Location).Format("15:04")+"  "+text)
		}
	}
	lines = append(lines, v.memberStatusLines()...)
	lines = append(lines, "", st.Subtle.Render("esc: back to the chat"))
	for j := range lines {
		lines[j] = truncate(lines[j], v.common.Width)
	}
	return lines
}

// SetOrigin tells the view where its first line (the header) is on the
// screen, so that a click can be mapped to a message.
func (v *ChatView) SetOrigin(x, y int) { v.originX, v.originY = x, y }

// click selects the message under a left click.
func (v *ChatView) click(msg tea.MouseMsg) tea.Cmd {
	row, col := msg.Y-v.originY-1, msg.X-v.originX
	if !v.open || v.info != nil || v.members || row < 0 || row >= v.area() || col < 0 || col >= v.common.Width {
		return nil
	}
	lines, _, _ := v.window(v.offset, v.area())
	pad := v.area() - len(lines)
	if row < pad {
		return nil
	}
	fromBottom := v.offset + (v.area() - 1 - row)
	for i, seen := len(v.msgs)-1, 0; i >= 0; i-- {
		seen += len(v.block(i))
		if fromBottom < seen {
			if !v.msgs[i].Kind.System() {
				v.setSelection(i)
			}
			return nil
		}
	}
	return nil
}
