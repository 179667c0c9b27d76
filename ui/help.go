package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// HelpView is the help overlay: the keys of the screen it was opened from,
// taken from the key map, and the /commands.
type HelpView struct {
	common Common
	keys   help.KeyMap
	model  help.Model
	// top is the first line shown when the overlay is taller than the
	// screen and scrolls.
	top int
}

var _ Component = (*HelpView)(nil)

// NewHelpView returns the help overlay.
func NewHelpView(c Common) *HelpView {
	h := &HelpView{common: c, model: help.New()}
	h.model.ShowAll = true
	return h
}

// SetKeys sets the key map whose bindings the overlay lists, and shows
// the top of the overlay.
func (h *HelpView) SetKeys(k help.KeyMap) { h.keys, h.top = k, 0 }

// SetSize sets the overlay's size.
func (h *HelpView) SetSize(width, height int) {
	h.common.SetSize(width, height)
	h.model.Width = max(20, h.innerWidth())
}

// innerWidth is the width of the overlay's text: the screen less the
// box's border and padding.
func (h *HelpView) innerWidth() int { return max(1, h.common.Width-4) }

// innerHeight is how many lines of text the box shows at once.
func (h *HelpView) innerHeight() int { return max(1, h.common.Height-2) }

// Init does nothing.
func (h *HelpView) Init() tea.Cmd { return nil }

// Update closes the overlay on Esc or the help key.
func (h *HelpView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		km := h.common.KeyMap
		switch {
		case key.Matches(msg, km.Back) || key.Matches(msg, km.Help) || key.Matches(msg, km.HelpAnywhere):
			return h, func() tea.Msg { return BackMsg{} }
		case key.Matches(msg, km.Up):
			h.top--
		case key.Matches(msg, km.Down):
			h.top++
		case key.Matches(msg, km.PageUp):
			h.top -= h.innerHeight() - 1
		case key.Matches(msg, km.PageDown):
			h.top += h.innerHeight() - 1
		}
	}
	return h, nil
}

// View renders the overlay box, centred; text wider than the screen
// wraps, and text taller than it scrolls with the arrow and page keys.
func (h *HelpView) View() string {
	lines := strings.Split(lipgloss.NewStyle().Width(h.innerWidth()).Render(h.text()), "\n")
	if fit := h.innerHeight(); len(lines) > fit {
		shown := max(1, fit-1) // the last line says there is more
		h.top = min(max(0, h.top), len(lines)-shown)
		more := h.common.Styles.Subtle.Render(truncate(fmt.Sprintf("↑/↓ scroll · lines %d–%d of %d", h.top+1, h.top+shown, len(lines)), h.innerWidth()))
		lines = append(lines[h.top:h.top+shown:h.top+shown], more)
	} else {
		h.top = 0
	}
	box := h.common.Styles.Overlay.Render(strings.Join(lines, "\n"))
	return lipgloss.Place(h.common.Width, h.common.Height, lipgloss.Center, lipgloss.Center, box)
}

// text is the overlay's whole text: the keys, the marks and the commands.
func (h *HelpView) text() string {
	st := h.common.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Keys") + "\n")
	if h.keys != nil {
		b.WriteString(h.model.FullHelpView(h.keys.FullHelp()))
		b.WriteString("\n\n")
	}
	global := []key.Binding{h.common.KeyMap.NextFocus, h.common.KeyMap.PrevFocus,
		h.common.KeyMap.NextUnread, h.common.KeyMap.HelpAnywhere, h.common.KeyMap.Quit}
	b.WriteString(h.model.ShortHelpView(global))
	b.WriteString("\n" + st.Subtle.Render(tickLegend))
	b.WriteString("\n\n" + st.Title.Render("Commands") + "\n")
	names := make([]string, len(Commands))
	width := 0
	for i, c := range Commands {
		names[i] = strings.TrimSpace("/" + c.Name + " " + c.Args)
		width = max(width, lipgloss.Width(names[i])+2)
	}
	// Each description wraps in its own column; on a screen too narrow
	// for two columns it goes under its command, indented.
	indent := width
	if h.innerWidth()-width < 24 {
		indent = 2
	}
	desc := lipgloss.NewStyle().Width(max(1, h.innerWidth()-indent))
	for i, c := range Commands {
		lines := strings.Split(desc.Render(c.Help), "\n")
		if indent == width {
			b.WriteString(st.Label.Render(padRight(names[i], width)) + strings.TrimRight(lines[0], " ") + "\n")
			lines = lines[1:]
		} else {
			b.WriteString(st.Label.Render(names[i]) + "\n")
		}
		for _, l := range lines {
			b.WriteString(strings.Repeat(" ", indent) + strings.TrimRight(l, " ") + "\n")
		}
	}
	b.WriteString("\n" + st.Subtle.Render("esc closes this help"))
	return b.String()
}

// ShortHelp lists the overlay's keys.
func (h *HelpView) ShortHelp() []key.Binding {
	return []key.Binding{h.common.KeyMap.Back, h.common.KeyMap.PageUp, h.common.KeyMap.PageDown}
}

// FullHelp lists the overlay's keys.
func (h *HelpView) FullHelp() [][]key.Binding {
	return [][]key.Binding{h.ShortHelp()}
}

// tickLegend explains the delivery marks of sent messages.
const tickLegend = markQueued + " waiting  " + markSent + " sent  " + markDelivered + " delivered  " +
	markRead + " read  " + markFailed

// padRight pads s with spaces to w cells.
func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}
