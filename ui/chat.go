package ui

import (
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// wheelLines is how far one mouse-wheel step scrolls.
const wheelLines = 3

// ChatView shows one chat: day separators, timestamps, delivery ticks and
// system lines, with scrollback. It holds only the pages loaded so far,
// newest first, and loads an older page as the user nears the top, so
// that a chat of any length opens at once.
type ChatView struct {
	common   Common
	core     Messenger
	contact  chat.Summary
	open     bool
	msgs     []chat.Message // loaded rows, by ascending Seq
	blocks   [][]string     // rendered lines of msgs[i]; nil until needed
	blockW   int            // the width blocks were rendered at
	offset   int            // lines scrolled up from the bottom
	newBelow int            // messages that arrived while scrolled up
	older    chat.Cursor    // the page before the loaded ones; zero when none
	hasOlder bool
	loading  bool
	readUpTo int64
	// typing holds the contacts shown "typing…", each with the number of
	// its last indicator (see setTyping).
	typing    map[chat.ContactID]int
	typingGen int
	// selSeq is the selected row's Seq (0: none); prompt the question
	// asked about it; info the message info shown in place of the chat;
	// note a line about the last action key.
	selSeq           int64
	prompt           prompt
	info             *chat.Info
	memberStatus     []chat.MemberStatus // with info, of our message to a group
	note             string
	originX, originY int   // where the header is on the screen
	target           int64 // the row OpenAt scrolls to (chatjump.go)
	reached          bool  // the target was reached: paging is back to normal
	// group is the open group's info (nil: not a group, or not loaded
	// yet); members shows its member list in place of the messages.
	group     *chat.GroupInfo
	members   bool
	memberSel int // the member selected in the list (an index of group.Members)
	// names finds a person's name among the chats the main screen lists
	// (a former member of a group).
	names func(chat.ContactID) (string, bool)
}

var _ Component = (*ChatView)(nil)

// NewChatView returns a chat view with no chat open.
func NewChatView(c Common, core Messenger) *ChatView {
	return &ChatView{common: c, core: core}
}

// SetSize sets the view's size; a new width renders the messages anew.
func (v *ChatView) SetSize(width, height int) {
	v.common.SetSize(width, height)
	v.clamp()
}

// Close shows no chat (its contact was removed).
func (v *ChatView) Close() { *v = ChatView{common: v.common, core: v.core, names: v.names} }

// Contact returns the contact whose chat is open.
func (v *ChatView) Contact() (chat.Summary, bool) { return v.contact, v.open }

// SetContact updates the open contact's details (name, marks, presence).
func (v *ChatView) SetContact(c chat.Summary) {
	if v.open && c.Contact.ID == v.contact.Contact.ID {
		v.contact = c
		v.blocks = make([][]string, len(v.msgs)) // names appear in lines
	}
}

// Open shows a contact's chat and loads its newest page.
func (v *ChatView) Open(c chat.Summary) tea.Cmd {
	*v = ChatView{common: v.common, core: v.core, contact: c, open: true, loading: true, originX: v.originX, originY: v.originY,
		names: v.names}
	if isGroup(c.Contact) {
		return tea.Batch(PageCmd(v.core, c.Contact.ID, 0, v.pageSize()), GroupCmd(v.core, c.Contact.ID))
	}
	return PageCmd(v.core, c.Contact.ID, 0, v.pageSize())
}

// pageSize is how many messages one load brings: a few screens' worth.
func (v *ChatView) pageSize() int { return max(50, 3*v.area()) }

// area is the number of message lines shown.
func (v *ChatView) area() int { return max(1, v.common.Height-2) }

// Init does nothing: Open loads the chat.
func (v *ChatView) Init() tea.Cmd { return nil }

// Update takes pages, new messages, receipts, scrolling keys and the mouse
// wheel.
func (v *ChatView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pageMsg:
		return v, v.handlePage(msg)
	case chat.MessageReceived:
		return v, v.handleMessage(msg.Contact, msg.Message)
	case chat.MessageStored:
		return v, v.handleMessage(msg.Contact, msg.Message)
	case sentMsg:
		if msg.err == nil {
			return v, v.handleMessage(msg.contact, msg.item)
		}
	case chat.StatusChanged:
		v.handleStatus(msg)
	case chat.FileProgress:
		v.handleFileProgress(msg)
	case actedMsg:
		return v, v.handleActed(msg)
	case infoMsg:
		v.handleInfo(msg)
	case groupMsg:
		return v, v.handleGroup(msg)
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	case tea.MouseMsg:
		return v, v.handleMouse(msg)
	}
	return v, nil
}

// handlePage adds a loaded page: the newest one, or an older one in front.
func (v *ChatView) handlePage(msg pageMsg) tea.Cmd {
	if !v.open || msg.contact != v.contact.Contact.ID {
		return nil
	}
	v.loading = false
	if msg.err != nil {
		return func() tea.Msg { return errMsg{msg.err} }
	}
	if msg.before == 0 && len(v.msgs) > 0 {
		v.reset() // a reload of the newest page: rows may have vanished
	}
	v.older, v.hasOlder = msg.prev, msg.prev != 0
	older := msg.items
	if len(v.msgs) > 0 {
		i := sort.Search(len(older), func(i int) bool { return older[i].Seq >= v.msgs[0].Seq })
		older = older[:i]
		v.blocks[0] = nil // its day separator depends on the message before
	}
	v.msgs = append(append([]chat.Message(nil), older...), v.msgs...)
	v.blocks = append(make([][]string, len(older)), v.blocks...)
	if cmd, ok := v.seekTarget(); ok {
		return tea.Batch(v.markRead(), cmd)
	}
	return tea.Batch(v.markRead(), v.maybeLoadOlder())
}

// handleMessage shows a new or changed message, keeping the lines on
// screen still when the user has scrolled up.
func (v *ChatView) handleMessage(contact chat.ContactID, m chat.Message) tea.Cmd {
	if !v.open || contact != v.contact.Contact.ID {
		return nil
	}
	i := sort.Search(len(v.msgs), func(i int) bool { return v.msgs[i].Seq >= m.Seq })
	if i < len(v.msgs) && v.msgs[i].Seq == m.Seq {
		v.replace(i, m)
		return nil
	}
	if i == 0 && v.hasOlder && len(v.msgs) > 0 {
		return nil // older than what is loaded: paging will bring it
	}
	v.msgs = append(v.msgs[:i], append([]chat.Message{m}, v.msgs[i:]...)...)
	v.blocks = append(v.blocks[:i], append([][]string{nil}, v.blocks[i:]...)...)
	if i+1 < len(v.blocks) {
		v.blocks[i+1] = nil
	}
	if v.offset > 0 {
		v.offset += len(v.block(i))
		if i == len(v.msgs)-1 && m.Direction == chat.Incoming {
			v.newBelow++
		}
		return nil
	}
	return v.markRead()
}

// replace swaps in a changed message, keeping the scroll position. The
// replies that quote it are drawn anew too.
func (v *ChatView) replace(i int, m chat.Message) {
	before := 0
	for j := i; j < len(v.msgs); j++ {
		if j == i || v.msgs[j].Quote == m.ID {
			before += len(v.block(j))
		}
	}
	v.msgs[i], v.blocks[i] = m, nil
	after := 0
	for j := i; j < len(v.msgs); j++ {
		if j != i && v.msgs[j].Quote == m.ID {
			v.blocks[j] = nil
		}
		if j == i || v.msgs[j].Quote == m.ID {
			after += len(v.block(j))
		}
	}
	if v.offset > 0 {
		v.offset += after - before
	}
}

// handleStatus updates the ticks of an outgoing message; a status never
// moves back.
func (v *ChatView) handleStatus(r chat.StatusChanged) {
	if !v.open || r.Contact != v.contact.Contact.ID {
		return
	}
	if i := v.find(r.ID); i >= 0 && r.Status > v.msgs[i].Status {
		m := v.msgs[i]
		m.Status = r.Status
		v.replace(i, m)
	}
}

// handleFileProgress shows how far a file of the open chat has come.
func (v *ChatView) handleFileProgress(p chat.FileProgress) {
	if !v.open || p.Contact != v.contact.Contact.ID {
		return
	}
	if i := v.find(p.File); i >= 0 && v.msgs[i].File != nil {
		m := v.msgs[i]
		f := *m.File
		f.Done = p.Done
		if p.Total > 0 {
			f.Size = p.Total
		}
		m.File = &f
		v.replace(i, m)
	}
}

// find returns the index of the loaded row with message id, or -1. The
// newest rows are the likeliest, so the search starts from the end.
func (v *ChatView) find(id chat.MessageID) int {
	for i := len(v.msgs) - 1; i >= 0; i-- {
		if v.msgs[i].ID == id {
			return i
		}
	}
	return -1
}

// Reload loads the open chat's newest page again, after rows vanished
// (disappearing messages); the loaded rows are replaced when it comes.
func (v *ChatView) Reload() tea.Cmd {
	if !v.open {
		return nil
	}
	return PageCmd(v.core, v.contact.Contact.ID, 0, v.pageSize())
}

// reset forgets the loaded rows and the scroll position.
func (v *ChatView) reset() {
	v.msgs, v.blocks, v.offset, v.newBelow, v.older, v.hasOlder = nil, nil, 0, 0, 0, false
}

// markRead marks the chat read up to its newest incoming message.
func (v *ChatView) markRead() tea.Cmd {
	for i := len(v.msgs) - 1; i >= 0; i-- {
		if m := v.msgs[i]; m.Direction == chat.Incoming && !m.Kind.System() {
			if m.Seq <= v.readUpTo {
				return nil
			}
			v.readUpTo = m.Seq
			return MarkReadCmd(v.core, v.contact.Contact.ID, m.Seq)
		}
	}
	return nil
}

// block returns the rendered lines of msgs[i], rendering them if needed.
func (v *ChatView) block(i int) []string {
	if v.blockW != v.common.Width {
		v.blocks, v.blockW = make([][]string, len(v.msgs)), v.common.Width
	}
	if v.blocks[i] == nil {
		var prev *chat.Message
		if i > 0 {
			prev = &v.msgs[i-1]
		}
		x := blockExtras{selected: v.msgs[i].Seq == v.selSeq}
		if q := v.msgs[i].Quote; q != (chat.MessageID{}) {
			x.quote = true
			if j := v.find(q); j >= 0 {
				x.quoted = &v.msgs[j]
				x.quotedPeer = v.senderName(v.msgs[j])
			}
		}
		v.blocks[i] = renderBlockWith(v.common, v.senderName(v.msgs[i]), v.msgs[i], prev, v.common.Width, x)
	}
	return v.blocks[i]
}

// View renders the header, the visible messages and the footer line.
func (v *ChatView) View() string {
	if !v.open {
		return v.common.Styles.Subtle.Render("Select a chat and press enter.")
	}
	lines, _, _ := v.window(v.offset, v.area())
	switch {
	case v.info != nil:
		lines = v.infoView()
		lines = lines[:min(len(lines), v.area())]
	case v.members:
		lines = v.membersView()
		lines = lines[:min(len(lines), v.area())]
	}
	pad := make([]string, v.area()-len(lines))
	out := append([]string{v.header()}, pad...)
	out = append(out, lines...)
	out = append(out, v.footer())
	return strings.Join(out, "\n")
}

// ShortHelp lists the chat view's main keys: with a message selected,
// what can be done with it.
func (v *ChatView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	switch {
	case v.members:
		return []key.Binding{km.Up, km.Down, km.Verify, km.Open, km.Back}
	case v.info != nil, v.prompt != promptNone:
		return []key.Binding{km.Back}
	case v.selSeq != 0:
		return []key.Binding{km.Reply, km.Edit, km.Delete, km.React, km.Info, km.Back}
	}
	return []key.Binding{selectKey(km), km.PageUp, km.PageDown, km.Bottom, km.Verify}
}

// FullHelp lists all of the chat view's keys.
func (v *ChatView) FullHelp() [][]key.Binding {
	km := v.common.KeyMap
	return [][]key.Binding{{km.Up, km.Down, km.PageUp, km.PageDown, km.Bottom},
		{km.Reply, km.Edit, km.Delete, km.React, km.Info}, {km.Verify, km.Members, km.NextUnread}}
}

// selectKey is the up and down keys as the short help shows them.
func selectKey(km *KeyMap) key.Binding {
	return key.NewBinding(key.WithKeys(km.Up.Keys()...), key.WithHelp("↑/↓", "select message"))
}

// waitingFile returns the newest loaded file row that waits for the
// user's acceptance.
func (v *ChatView) waitingFile() (chat.Message, bool) {
	for i := len(v.msgs) - 1; i >= 0; i-- {
		if m := v.msgs[i]; m.Kind == chat.RowFile && m.File != nil && m.File.State == chat.FileWaiting && m.Direction == chat.Incoming {
			return m, true
		}
	}
	return chat.Message{}, false
}
