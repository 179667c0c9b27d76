package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ratchat/chat"
)

// contactRows is the height of one contact in the list.
const contactRows = 2

// OpenChatMsg asks the main screen to open a contact's chat.
type OpenChatMsg struct {
	// Contact is the contact whose chat to open.
	Contact chat.Summary
}

// ContactList is the list of contacts with their unread counts, verified
// marks, last-message previews and presence.
type ContactList struct {
	common  Common
	items   []chat.Summary
	cursor  int
	offset  int
	focused bool
}

var _ Component = (*ContactList)(nil)

// NewContactList returns an empty contact list.
func NewContactList(c Common) *ContactList {
	return &ContactList{common: c}
}

// SetSize sets the list's size.
func (l *ContactList) SetSize(width, height int) {
	l.common.SetSize(width, height)
	l.offset = scrollIntoView(l.offset, l.cursor, l.visible())
}

// SetFocused tells the list whether it has the keyboard.
func (l *ContactList) SetFocused(f bool) { l.focused = f }

// Items returns the contacts in display order.
func (l *ContactList) Items() []chat.Summary { return l.items }

// SetItems replaces the contacts, keeping the selection on the same contact.
func (l *ContactList) SetItems(items []chat.Summary) {
	sel, ok := l.Selected()
	l.items = append([]chat.Summary(nil), items...)
	sortContacts(l.items)
	l.cursor = 0
	if ok {
		l.Select(sel.Contact.ID)
	}
}

// Upsert adds a contact or replaces the one with the same ID; a blocked
// one moves to the blocked section at the end, a removed one leaves the
// list, and so does one now known to be only a group's member.
func (l *ContactList) Upsert(c chat.Summary) {
	items := append([]chat.Summary(nil), l.items...)
	for i := range items {
		if items[i].Contact.ID == c.Contact.ID {
			if c.Contact.State == chat.StateRemoved && !isGroup(c.Contact) || c.GroupOnly {
				items = append(items[:i], items[i+1:]...)
			} else {
				items[i] = c
			}
			l.SetItems(items)
			return
		}
	}
	// A member known only through a group is listed once it writes 1:1.
	if (c.Contact.State != chat.StateRemoved || isGroup(c.Contact)) && !c.GroupOnly {
		l.SetItems(append(items, c))
	}
}

// Remove takes a contact off the list.
func (l *ContactList) Remove(id chat.ContactID) {
	items := append([]chat.Summary(nil), l.items...)
	for i := range items {
		if items[i].Contact.ID == id {
			l.SetItems(append(items[:i], items[i+1:]...))
			return
		}
	}
}

// Selected returns the contact under the cursor.
func (l *ContactList) Selected() (chat.Summary, bool) {
	if l.cursor < 0 || l.cursor >= len(l.items) {
		return chat.Summary{}, false
	}
	return l.items[l.cursor], true
}

// Select moves the cursor to the contact with the given ID, if listed.
func (l *ContactList) Select(id chat.ContactID) bool {
	for i, c := range l.items {
		if c.Contact.ID == id {
			l.cursor = i
			l.offset = scrollIntoView(l.offset, l.cursor, l.visible())
			return true
		}
	}
	return false
}

// Init does nothing: the main screen loads the contacts.
func (l *ContactList) Init() tea.Cmd { return nil }

// Update moves the cursor and opens chats.
func (l *ContactList) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return l, l.handleKey(msg)
	}
	return l, nil
}

// handleKey moves the cursor, or opens the selected chat on Enter.
func (l *ContactList) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := l.common.KeyMap
	switch {
	case key.Matches(msg, km.Up):
		l.cursor = moveCursor(l.cursor, len(l.items), -1)
	case key.Matches(msg, km.Down):
		l.cursor = moveCursor(l.cursor, len(l.items), +1)
	case key.Matches(msg, km.Open):
		if c, ok := l.Selected(); ok {
			return func() tea.Msg { return OpenChatMsg{Contact: c} }
		}
	}
	l.offset = scrollIntoView(l.offset, l.cursor, l.visible())
	return nil
}

// visible is the number of contacts that fit.
func (l *ContactList) visible() int {
	return max(1, l.common.Height/contactRows)
}

// View renders the visible contacts.
func (l *ContactList) View() string {
	w := l.common.Width
	if len(l.items) == 0 {
		return l.common.Styles.Subtle.Width(w).Render(
			"No contacts yet.\nAdd one with /add INVITE.")
	}
	var b strings.Builder
	end := min(len(l.items), l.offset+l.visible())
	for i := l.offset; i < end; i++ {
		if i > l.offset {
			b.WriteByte('\n')
		}
		b.WriteString(l.renderItem(l.items[i], i == l.cursor))
	}
	return b.String()
}

// renderItem renders one contact on two lines: presence, name, verified
// mark and unread count; then the preview and the time of the last message.
func (l *ContactList) renderItem(c chat.Summary, selected bool) string {
	st, w := l.common.Styles, l.common.Width
	dot := st.Offline.Render("○")
	switch {
	case isGroup(c.Contact):
		dot = st.Title.Render("#") // a group: no presence of its own
	case c.Online:
		dot = st.Online.Render("●")
	}
	right := ""
	if c.Unread > 0 {
		right = st.Unread.Render(fmt.Sprintf(" %d", c.Unread))
	}
	mark := ""
	switch {
	case isGroup(c.Contact) && c.Contact.State == chat.StateRemoved:
		mark = st.Subtle.Render(" out") // we left, or were removed
	case c.Contact.State == chat.StateRequest:
		mark = st.Warning.Render(" request")
	case c.Contact.State == chat.StateBlocked:
		mark = st.Error.Render(" blocked")
	case c.Contact.Held:
		mark = st.Warning.Render(" !")
	case c.Contact.Verified:
		mark = st.Verified.Render(" ✔")
	}
	if c.Muted() {
		mark += st.Subtle.Render(" muted")
	}
	nameW := w - 2 - lipgloss.Width(mark) - lipgloss.Width(right)
	name := truncate(SanitizeLine(chat.DisplayName(c.Contact)), nameW)
	line1 := dot + " " + name + mark
	line1 += strings.Repeat(" ", max(0, w-lipgloss.Width(line1)-lipgloss.Width(right))) + right
	when := ""
	if at := c.LastAt(); !at.IsZero() {
		when = " " + shortTime(l.common, at)
	}
	text := previewText(c)
	if isGroup(c.Contact) && c.Last != nil && c.Last.Sender != 0 && !c.Last.Kind.System() {
		who := c.LastSender
		if who == "" {
			who = l.nameOf(c.Last.Sender)
		}
		text = SanitizeLine(who) + ": " + text // who wrote it, in a group
	}
	if c.Mark != "" { // a request named like a contact: say so first
		text = c.Mark
	}
	preview := truncate(SanitizeLine(text), w-2-len(when))
	line2 := "  " + st.Subtle.Render(preview)
	line2 += strings.Repeat(" ", max(0, w-lipgloss.Width(line2)-len(when))) + st.Time.Render(when)
	if selected && l.focused {
		return st.SelectedContact.Render(line1) + "\n" + line2
	}
	return line1 + "\n" + line2
}

// nameOf is the name of a person the list shows, or a stand-in.
func (l *ContactList) nameOf(id chat.ContactID) string {
	for _, s := range l.items {
		if s.Contact.ID == id && !isGroup(s.Contact) {
			return chat.DisplayName(s.Contact)
		}
	}
	return chat.DisplayName(chat.Contact{ID: id})
}

// sortContacts orders contacts by their last message, newest first, then
// by name; message requests come after every contact, in their own
// section, so that a request named like a contact never sits in its place,
// and blocked senders come last.
func sortContacts(items []chat.Summary) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if as, bs := section(a.Contact), section(b.Contact); as != bs {
			return as < bs
		}
		if at, bt := a.LastAt(), b.LastAt(); !at.Equal(bt) {
			return at.After(bt)
		}
		return chat.DisplayName(a.Contact) < chat.DisplayName(b.Contact)
	})
}

// ShortHelp lists the list's main keys.
func (l *ContactList) ShortHelp() []key.Binding {
	km := l.common.KeyMap
	return []key.Binding{km.Up, km.Down, km.Open, km.NextUnread}
}

// FullHelp lists all of the list's keys.
func (l *ContactList) FullHelp() [][]key.Binding {
	km := l.common.KeyMap
	return [][]key.Binding{{km.Up, km.Down, km.Open}, {km.NextUnread, km.Verify, km.Members, km.Backup, km.Restore}}
}

// previewText is the start of a chat's newest row, as the contact list
// shows it under the name: the text, the file, or the system line.
func previewText(s chat.Summary) string {
	m := s.Last
	switch {
	case m == nil:
		return ""
	case m.Kind.System():
		return systemText(*m, chat.DisplayName(s.Contact))
	case m.Kind == chat.RowDeleted:
		return "This message was deleted"
	case m.File != nil:
		return "[file] " + m.File.Name
	}
	return string(m.Body)
}

// section is where a contact is listed: contacts and groups, then
// requests, then blocked senders.
func section(c chat.Contact) int {
	switch c.State {
	case chat.StateRequest:
		return 1
	case chat.StateBlocked:
		return 2
	}
	return 0
}
