package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// View renders the screen: the main screen, a page or the help overlay,
// then a line of the focused part's keys and the status bar.
func (a *App) View() string {
	w, h := a.common.Width, a.common.Height
	if w == 0 || h < 3 {
		return ""
	}
	if a.fatal != nil {
		return a.common.Styles.Error.Render("ratchat: " + ErrorText(a.fatal))
	}
	keys := a.hintLines(w)
	if a.screen == screenMain && !a.showHelp && len(keys) != a.hintRows {
		a.layoutMain() // the focused pane's keys take another number of lines
	}
	var body string
	switch {
	case a.showHelp:
		a.help.SetSize(w, h-1-len(keys))
		body = a.help.View()
	case a.screen == screenMain:
		body = a.mainView()
	case a.page != nil:
		body = a.page.View()
	}
	bodyH := h - 1 - len(keys)
	body = lipgloss.NewStyle().MaxWidth(w).MaxHeight(bodyH).Height(bodyH).Render(body)
	return strings.Join(append(append([]string{body}, keys...), a.status.View()), "\n")
}

// maxHintLines is how many lines the focused part's keys may take on a
// page: one when they fit, more rather than hide a key. The main screen
// lays its panes out around mainHintLines.
const (
	maxHintLines  = 3
	mainHintLines = 2
)

// hintLines renders the focused part's keys, broken between two keys
// into at most maxHintLines lines of w cells.
func (a *App) hintLines(w int) []string {
	if a.screen == screenStart {
		return []string{""}
	}
	hm := help.New()
	sep := hm.Styles.ShortSeparator.Render(hm.ShortSeparator)
	most := maxHintLines
	if a.screen == screenMain && !a.showHelp {
		most = mainHintLines
	}
	var km help.KeyMap = a.keys()
	if a.showHelp {
		km = a.help
	}
	lines := []string{""}
	for _, b := range km.ShortHelp() {
		if !b.Enabled() {
			continue
		}
		item := hm.Styles.ShortKey.Render(b.Help().Key) + " " + hm.Styles.ShortDesc.Render(b.Help().Desc)
		last := &lines[len(lines)-1]
		switch {
		case *last == "":
			*last = item
		case lipgloss.Width(*last+sep+item) <= w || len(lines) == most:
			*last += sep + item
		default:
			lines = append(lines, item)
		}
	}
	for i := range lines {
		lines[i] = truncate(lines[i], w)
	}
	return lines
}

// mainView lays out the contact list beside the chat and the composer.
func (a *App) mainView() string {
	st := a.common.Styles
	pane := func(f focus) lipgloss.Style {
		if a.focus == f {
			return st.FocusedPane
		}
		return st.Pane
	}
	lw, lh := a.contacts.common.Width, a.contacts.common.Height
	left := pane(focusContacts).Width(lw).Height(lh).Render(a.contacts.View())
	if a.narrow() && a.focus == focusContacts {
		return left
	}
	cw, ch := a.chat.common.Width, a.chat.common.Height
	chat := pane(focusChat).Width(cw).Height(ch).Render(a.chat.View())
	comp := pane(focusComposer).Width(cw).Height(a.composerLines()).Render(a.composer.View())
	right := lipgloss.JoinVertical(lipgloss.Left, chat, comp)
	if a.narrow() {
		return right
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, left, right)
}
