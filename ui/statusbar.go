package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// ConnState is the state of the connection to the profile's home.
type ConnState int

// The connection states.
const (
	// ConnOffline: the home cannot be reached; sending queues.
	ConnOffline ConnState = iota
	// ConnConnecting: a connection attempt is under way.
	ConnConnecting
	// ConnOnline: connected and authenticated to the home.
	ConnOnline
)

// String names the state as the status bar shows it.
func (s ConnState) String() string {
	switch s {
	case ConnOnline:
		return "online"
	case ConnConnecting:
		return "connecting"
	default:
		return "offline"
	}
}

// Status is what the status bar shows: the profile, its home and the
// connection to it.
type Status struct {
	// Profile is the user's display name.
	Profile string
	// Home is the address of the profile's home (listener or relay).
	Home string
	// Connection is the state of the connection to the home.
	Connection ConnState
	// ViaRelay says the home is a relay: messages wait there while the
	// profile is away.
	ViaRelay bool
}

// StatusBar is the bottom line: the profile, its home, the connection
// state, and the last notice or error.
type StatusBar struct {
	common Common
	status Status
	notice notice
}

var _ Component = (*StatusBar)(nil)

// NewStatusBar returns an empty status bar.
func NewStatusBar(c Common) *StatusBar {
	return &StatusBar{common: c, status: Status{Connection: ConnConnecting}}
}

// SetSize sets the bar's width; it is one line high.
func (s *StatusBar) SetSize(width, height int) { s.common.SetSize(width, height) }

// SetStatus sets what the bar shows about the profile.
func (s *StatusBar) SetStatus(st Status) { s.status = st }

// SetProfile sets the profile's name and home, keeping the connection
// state.
func (s *StatusBar) SetProfile(name, home string) {
	s.status.Profile, s.status.Home = name, home
}

// SetViaRelay marks the home a relay.
func (s *StatusBar) SetViaRelay(v bool) { s.status.ViaRelay = v }

// SetConnection sets the connection state the core reported.
func (s *StatusBar) SetConnection(connected bool) {
	s.status.Connection = ConnOffline
	if connected {
		s.status.Connection = ConnOnline
	}
}

// SetNotice shows a notice, or an error; the command it returns clears it
// after a few seconds (errors stay longer), unless a newer one replaced it.
func (s *StatusBar) SetNotice(text string, isErr bool) tea.Cmd {
	return s.notice.set(s.common, text, isErr)
}

// Init does nothing.
func (s *StatusBar) Init() tea.Cmd { return nil }

// Update does nothing: the root model sets the bar's contents.
func (s *StatusBar) Update(tea.Msg) (tea.Model, tea.Cmd) { return s, nil }

// View renders the bar across its width. A notice that would not fit
// beside everything else pushes out the home's address and the help
// hint first.
func (s *StatusBar) View() string {
	st, w := s.common.Styles, s.common.Width
	left, right, mid := s.profile(true), " ? help ", ""
	if want := lipgloss.Width(s.notice.text) + 2; s.notice.text != "" &&
		w-lipgloss.Width(left)-lipgloss.Width(right) < min(want, w/2) {
		left, right = s.profile(false), ""
	}
	room := max(0, w-lipgloss.Width(left)-lipgloss.Width(right))
	if s.notice.text != "" {
		mid = " " + truncateWords(SanitizeLine(s.notice.text), room-2) + " "
	}
	mid = truncate(mid, room)
	midStyle := st.StatusBar
	if s.notice.isErr {
		midStyle = st.StatusKey
	}
	out := st.StatusKey.Render(truncate(left, w)) + midStyle.Render(padRight(mid, room))
	if lipgloss.Width(out)+lipgloss.Width(right) <= w {
		out += st.StatusBar.Render(right)
	}
	return out
}

// profile renders the bar's left part: the profile, its home (when
// withHome) and the connection state.
func (s *StatusBar) profile(withHome bool) string {
	if s.status.Profile == "" {
		return " ratchat "
	}
	left := " " + SanitizeLine(s.status.Profile)
	if withHome && s.status.Home != "" {
		left += " @ " + SanitizeLine(s.status.Home)
	}
	dot := "○ "
	if s.status.Connection == ConnOnline {
		dot = "● "
	}
	left += " · " + dot + s.status.Connection.String()
	if s.status.ViaRelay {
		left += " via relay"
	}
	return left + " "
}

// ShortHelp lists no keys: the bar has none.
func (s *StatusBar) ShortHelp() []key.Binding { return nil }

// FullHelp lists no keys.
func (s *StatusBar) FullHelp() [][]key.Binding { return nil }
