package ui

import (
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
}

var _ Component = (*HelpView)(nil)

// NewHelpView returns the help overlay.
func NewHelpView(c Common) *HelpView {
	h := &HelpView{common: c, model: help.New()}
	h.model.ShowAll = true
	return h
}

// SetKeys sets the key map whose bindings the overlay lists.
func (h *HelpView) SetKeys(k help.KeyMap) { h.keys = k }

// SetSize sets the overlay's size.
func (h *HelpView) SetSize(width, height int) {
	h.common.SetSize(width, height)
	h.model.Width = max(20, width-6)
}

// Init does nothing.
func (h *HelpView) Init() tea.Cmd { return nil }

// Update closes the overlay on Esc or the help key.
func (h *HelpView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		km := h.common.KeyMap
		if key.Matches(msg, km.Back) || key.Matches(msg, km.Help) || key.Matches(msg, km.HelpAnywhere) {
			return h, func() tea.Msg { return BackMsg{} }
		}
	}
	return h, nil
}

// View renders the overlay box, centred.
func (h *HelpView) View() string {
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
	for i, c := range Commands {
		b.WriteString(st.Label.Render(padRight(names[i], width)) + c.Help + "\n")
	}
	b.WriteString("\n" + st.Subtle.Render("esc closes this help"))
	box := st.Overlay.Render(b.String())
	return lipgloss.Place(h.common.Width, h.common.Height, lipgloss.Center, lipgloss.Center, box)
}

// ShortHelp lists the overlay's keys.
func (h *HelpView) ShortHelp() []key.Binding {
	return []key.Binding{h.common.KeyMap.Back}
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
