package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// Opening a chat at a row (a search result): the chat loads as usual,
// newest page first, and older pages follow, jumpPage rows at a time,
// until the row is loaded; the view then scrolls so that the row sits a
// third of the way down the screen. The loaded rows stay the newest ones,
// so new messages and receipts go on working as in any open chat.

// jumpPage is how many rows each load brings while looking for the row.
const jumpPage = 500

// OpenAt shows a contact's chat scrolled to the row with sequence number
// seq.
func (v *ChatView) OpenAt(c chat.Summary, seq int64) tea.Cmd {
	cmd := v.Open(c)
	v.target = seq
	return cmd
}

// Target returns the row the view was opened at (0: none).
func (v *ChatView) Target() int64 { return v.target }

// seekTarget, after a page arrived, asks for an older page while the
// target row is not loaded yet, and scrolls to it once it is. It
// reports whether it took over the paging.
func (v *ChatView) seekTarget() (tea.Cmd, bool) {
	if v.target == 0 || len(v.msgs) == 0 || v.reached {
		return nil, false
	}
	if v.msgs[0].Seq > v.target && v.hasOlder {
		v.loading = true
		return PageCmd(v.core, v.contact.Contact.ID, v.older, jumpPage), true
	}
	v.reached = true // found, or not in the chat (deleted): scroll once
	i := len(v.msgs) - 1
	for i > 0 && v.msgs[i].Seq > v.target {
		i--
	}
	below := 0
	for j := len(v.msgs) - 1; j > i; j-- {
		below += len(v.block(j))
	}
	v.offset = max(0, below-(v.area()*2/3-len(v.block(i))))
	v.clamp()
	return nil, true
}
