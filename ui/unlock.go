package ui

import (
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// unlockedMsg carries the result of an unlock attempt.
type unlockedMsg struct {
	core Core
	err  error
}

// Unlock asks for the passphrase of an existing profile and retries a
// wrong one with a clear message.
type Unlock struct {
	common   Common
	opener   Opener
	form     form
	busy     bool
	attempts int
	problem  string
}

var _ Component = (*Unlock)(nil)

// NewUnlock returns the passphrase prompt.
func NewUnlock(c Common, o Opener) *Unlock {
	f := newForm("Passphrase")
	f.secret(0)
	return &Unlock{common: c, opener: o, form: f}
}

// SetSize sets the screen's size.
func (u *Unlock) SetSize(width, height int) {
	u.common.SetSize(width, height)
	u.form.setWidth(min(width, 60))
}

// Init does nothing.
func (u *Unlock) Init() tea.Cmd { return nil }

// Update submits the passphrase and takes the result.
func (u *Unlock) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case unlockedMsg:
		return u, u.handleUnlocked(msg)
	case tea.KeyMsg:
		return u, u.handleKey(msg)
	}
	return u, nil
}

// handleKey submits on Enter and edits the field otherwise.
func (u *Unlock) handleKey(msg tea.KeyMsg) tea.Cmd {
	msg = asText(msg, u.typing())
	switch {
	case u.busy:
		return nil
	case key.Matches(msg, u.common.KeyMap.Submit):
		pass := u.form.value(0)
		if pass == "" {
			u.problem = "Type your passphrase."
			return nil
		}
		u.busy, u.problem = true, ""
		opener := u.opener
		return func() tea.Msg {
			core, err := opener.Unlock(pass)
			return unlockedMsg{core, err}
		}
	}
	return u.form.update(msg)
}

// typing reports that the passphrase field has the keyboard: it always has.
func (u *Unlock) typing() bool { return true }

// handleUnlocked opens the main screen, or asks again.
func (u *Unlock) handleUnlocked(msg unlockedMsg) tea.Cmd {
	u.busy = false
	u.form.set(0, "")
	switch {
	case errors.Is(msg.err, chat.ErrWrongPassphrase):
		u.attempts++
		u.problem = fmt.Sprintf("Wrong passphrase (attempt %d). Try again; "+
			"check Caps Lock and the keyboard layout.", u.attempts)
	case msg.err != nil:
		u.problem = "Could not open the profile: " + ErrorText(msg.err)
	default:
		core := msg.core
		return func() tea.Msg { return OpenedMsg{Core: core} }
	}
	return nil
}

// ShortHelp lists the screen's keys.
func (u *Unlock) ShortHelp() []key.Binding {
	km := u.common.KeyMap
	return []key.Binding{km.Submit, km.Quit}
}

// FullHelp lists the screen's keys.
func (u *Unlock) FullHelp() [][]key.Binding { return [][]key.Binding{u.ShortHelp()} }

// View renders the prompt and the last problem.
func (u *Unlock) View() string {
	st := u.common.Styles
	out := st.Title.Render("Unlock ratchat") + "\n\n" + u.form.view(st)
	if u.busy {
		out += "\n\n" + st.Subtle.Render("Unlocking…")
	}
	if u.problem != "" {
		out += "\n\n" + st.Error.Width(min(u.common.Width, 70)).Render(u.problem)
	}
	return out
}
