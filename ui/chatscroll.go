package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Scrolling: the chat view keeps its position as an offset in lines from
// the bottom, so that new messages and older pages change nothing on
// screen unless the user is at the bottom.

// handleKey selects messages and acts on them (chatselect.go), or
// scrolls by page or to the newest message.
func (v *ChatView) handleKey(msg tea.KeyMsg) tea.Cmd {
	if cmd, ok := v.handleSelectKey(msg); ok {
		return cmd
	}
	km := v.common.KeyMap
	page := max(1, v.area()-1)
	switch {
	case key.Matches(msg, km.PageUp):
		return v.scroll(page)
	case key.Matches(msg, km.PageDown):
		return v.scroll(-page)
	case key.Matches(msg, km.Bottom):
		return v.scroll(-v.offset)
	}
	return nil
}

// handleMouse scrolls with the wheel and selects with a click.
func (v *ChatView) handleMouse(msg tea.MouseMsg) tea.Cmd {
	if msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress {
		return v.click(msg)
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		return v.scroll(wheelLines)
	case tea.MouseButtonWheelDown:
		return v.scroll(-wheelLines)
	}
	return nil
}

// scroll moves the view by delta lines (up when positive), loads an older
// page when the top comes near, and marks the chat read at the bottom.
func (v *ChatView) scroll(delta int) tea.Cmd {
	v.offset = max(0, v.offset+delta)
	v.clamp()
	if v.offset == 0 {
		v.newBelow = 0
		return tea.Batch(v.markRead(), v.maybeLoadOlder())
	}
	return v.maybeLoadOlder()
}

// clamp keeps the view from scrolling past the oldest loaded line.
func (v *ChatView) clamp() {
	_, avail, top := v.window(v.offset, v.area())
	v.offset = clampScroll(v.offset, v.area(), avail, top)
}

// maybeLoadOlder asks for an older page once less than a screen of loaded
// lines is left above the view.
func (v *ChatView) maybeLoadOlder() tea.Cmd {
	if !v.hasOlder || v.loading || len(v.msgs) == 0 {
		return nil
	}
	if _, _, top := v.window(v.offset+v.area(), v.area()); !top {
		return nil
	}
	v.loading = true
	return PageCmd(v.core, v.contact.Contact.ID, v.older, v.pageSize())
}

// clampScroll limits an offset so that the view stops at the top of the
// avail lines loaded; top says that avail counts every loaded line.
func clampScroll(offset, height, avail int, top bool) int {
	if top && offset > avail-height {
		return max(0, avail-height)
	}
	return max(0, offset)
}

// window returns the n lines that end skip lines above the bottom, how
// many lines it walked past to find them, and whether it reached the top
// of the loaded messages. It renders only the messages it needs, and
// copies only the lines it returns.
func (v *ChatView) window(skip, n int) (lines []string, avail int, top bool) {
	var parts [][]string // blocks overlapping the window, newest first
	below := 0           // lines of the skipped blocks under the window
	i := len(v.msgs) - 1
	for ; i >= 0 && avail < skip+n; i-- {
		b := v.block(i)
		if avail+len(b) <= skip {
			below += len(b)
		} else {
			parts = append(parts, b)
		}
		avail += len(b)
	}
	all := make([]string, 0, n+len(parts)*2)
	for j := len(parts) - 1; j >= 0; j-- {
		all = append(all, parts[j]...)
	}
	end := len(all) - min(skip-below, len(all))
	return all[max(0, end-n):end], avail, i < 0
}
