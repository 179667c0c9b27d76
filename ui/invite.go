package ui

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// inviteMsg carries the user's invite.
type inviteMsg struct {
	invite string
	err    error
}

// InviteView shows the user's own invite as text and QR code (/invite),
// and copies it to the clipboard on a key.
type InviteView struct {
	common Common
	core   Messenger
	invite string
	err    error
}

var _ Component = (*InviteView)(nil)

// NewInviteView returns the invite screen; Init loads the invite.
func NewInviteView(c Common, core Messenger) *InviteView {
	return &InviteView{common: c, core: core}
}

// SetSize sets the screen's size.
func (v *InviteView) SetSize(width, height int) { v.common.SetSize(width, height) }

// Init loads the invite.
func (v *InviteView) Init() tea.Cmd {
	core := v.core
	return func() tea.Msg {
		s, err := core.Invite()
		return inviteMsg{s, err}
	}
}

// Update takes the invite, copies it, and leaves on Esc.
func (v *InviteView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case inviteMsg:
		v.invite, v.err = msg.invite, msg.err
	case tea.KeyMsg:
		km := v.common.KeyMap
		switch {
		case key.Matches(msg, km.Back):
			return v, backCmd
		case key.Matches(msg, km.Copy) && v.invite != "":
			return v, copyCmd(v.common.Terminal, v.invite)
		}
	}
	return v, nil
}

// View renders the invite, or why it could not be read.
func (v *InviteView) View() string {
	st := v.common.Styles
	switch {
	case v.err != nil:
		return st.Title.Render("Your invite") + "\n\n" +
			st.Error.Render("Cannot read your invite: "+ErrorText(v.err))
	case v.invite == "":
		return st.Title.Render("Your invite") + "\n\n" + st.Subtle.Render("Loading…")
	}
	return renderInvite(v.common, v.invite, "Give it to a contact:\nthey add you with\n/add INVITE, or scan\nthe code.")
}

// ShortHelp lists the screen's keys.
func (v *InviteView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	return []key.Binding{km.Copy, km.Back}
}

// FullHelp lists the screen's keys.
func (v *InviteView) FullHelp() [][]key.Binding { return [][]key.Binding{v.ShortHelp()} }

// renderInvite renders an invite as text above its QR code, with side
// beside the code. The text is cut into lines of the screen's width and
// nothing else: no hyphen, no indent, no padding, so that a selection
// copied with the mouse is the invite with line breaks, which the invite
// parser skips.
func renderInvite(c Common, invite, side string) string {
	st, w := c.Styles, c.Width
	invite = SanitizeLine(invite)
	lines := strings.Split(ansi.Hardwrap(invite, max(1, w), false), "\n")
	for i, l := range lines {
		lines[i] = st.Digits.Render(l) // line by line: a block would be padded
	}
	text := st.Title.Render("Your invite") + "\n" + strings.Join(lines, "\n") + "\n"
	code, err := renderQR(st.QR, invite, w-24, c.Height-lipgloss.Height(text))
	if err != nil {
		return text + "\n" + st.Subtle.Render("("+err.Error()+")") + "\n\n" + side
	}
	return text + lipgloss.JoinHorizontal(lipgloss.Top, code, "  ", side)
}

// osc52 is the terminal sequence that puts text on the system clipboard
// ("c"): OSC 52, its text in base64, ended by BEL.
func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\x07"
}

// copyCmd copies text to the clipboard by writing OSC 52 to the terminal,
// which works over SSH and in tmux (with set-clipboard on), where no
// clipboard of the machine running ratchat would help.
func copyCmd(w io.Writer, text string) tea.Cmd {
	return func() tea.Msg {
		if _, err := io.WriteString(w, osc52(text)); err != nil {
			return errMsg{fmt.Errorf("ui: copying to the clipboard: %w", err)}
		}
		return noticeMsg{"Invite copied to the clipboard"}
	}
}
