package ui

import (
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
		return a.common.Styles.Error.Render("ratchat: " + SanitizeLine(a.fatal.Error()))
	}
	var body string
	switch {
	case a.showHelp:
		a.help.SetSize(w, h-2)
		body = a.help.View()
	case a.screen == screenMain:
		body = a.mainView()
	case a.page != nil:
		body = a.page.View()
	}
	body = lipgloss.NewStyle().MaxWidth(w).MaxHeight(h - 2).Height(h - 2).Render(body)
	keys := ""
	if a.screen != screenStart {
		hm := help.New()
		hm.Width = w
		keys = hm.ShortHelpView(a.keys().ShortHelp())
	}
	return body + "\n" + truncate(keys, w) + "\n" + a.status.View()
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
	cw, ch := a.chat.common.Width, a.chat.common.Height
	chat := pane(focusChat).Width(cw).Height(ch).Render(a.chat.View())
	comp := pane(focusComposer).Width(cw).Height(composerHeight).Render(a.composer.View())
	return lipgloss.JoinHorizontal(lipgloss.Top, left, lipgloss.JoinVertical(lipgloss.Left, chat, comp))
}
