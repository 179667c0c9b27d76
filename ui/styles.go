package ui

import (
	"github.com/charmbracelet/lipgloss"

	"ratchat/config"
)

// Styles is the interface's style sheet. Colours are adaptive, so that the
// interface reads on dark and light terminals alike; meaning never rests on
// colour alone (ticks, marks and words carry it too).
type Styles struct {
	// Text: titles, secondary text, and results.
	Title, Subtle, Error, Success, Warning lipgloss.Style
	// Panes: the focused one has a thick border, visible without colour.
	Pane, FocusedPane lipgloss.Style
	// Contact list.
	Contact, SelectedContact, Unread, Verified, Online, Offline lipgloss.Style
	// Chat view; Cue is the "new messages below" line; Selected the
	// selected message (also marked by an arrow).
	DaySeparator, Time, OwnName, PeerName, System, Tick, ReadTick, Cue, Selected lipgloss.Style
	// Status bar.
	StatusBar, StatusKey lipgloss.Style
	// Overlay and forms.
	Overlay, Label, FocusedLabel, Digits lipgloss.Style
	// QR colours the QR code explicitly (black modules on white, whatever
	// the terminal's own colours), so that it scans the same on dark and
	// light terminal backgrounds.
	QR lipgloss.Style
}

// DefaultStyles returns ratchat's style sheet: the default theme, adapting
// to the terminal's background.
func DefaultStyles() *Styles { return StylesFor(config.Default().Theme) }

// palette is the colours a style sheet is made of.
type palette struct {
	subtle, accent, red, green, yellow lipgloss.TerminalColor
}

// stylesWith returns the style sheet in the palette's colours.
func stylesWith(p palette) *Styles {
	subtle, accent, red, green, yellow := p.subtle, p.accent, p.red, p.green, p.yellow
	border := lipgloss.RoundedBorder()
	s := &Styles{
		Title:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Subtle:  lipgloss.NewStyle().Foreground(subtle),
		Error:   lipgloss.NewStyle().Bold(true).Foreground(red),
		Success: lipgloss.NewStyle().Bold(true).Foreground(green),
		Warning: lipgloss.NewStyle().Bold(true).Foreground(yellow),

		Pane:        lipgloss.NewStyle().Border(border).BorderForeground(subtle),
		FocusedPane: lipgloss.NewStyle().Border(lipgloss.ThickBorder()).BorderForeground(accent),

		Contact:         lipgloss.NewStyle(),
		SelectedContact: lipgloss.NewStyle().Bold(true).Reverse(true),
		Unread:          lipgloss.NewStyle().Bold(true).Foreground(accent),
		Verified:        lipgloss.NewStyle().Foreground(green),
		Online:          lipgloss.NewStyle().Foreground(green),
		Offline:         lipgloss.NewStyle().Foreground(subtle),

		DaySeparator: lipgloss.NewStyle().Foreground(subtle),
		Time:         lipgloss.NewStyle().Foreground(subtle),
		OwnName:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		PeerName:     lipgloss.NewStyle().Bold(true),
		System:       lipgloss.NewStyle().Italic(true).Foreground(yellow),
		Tick:         lipgloss.NewStyle().Foreground(subtle),
		ReadTick:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Cue:          lipgloss.NewStyle().Bold(true).Reverse(true),
		Selected:     lipgloss.NewStyle().Bold(true),

		StatusBar: lipgloss.NewStyle().Reverse(true),
		StatusKey: lipgloss.NewStyle().Reverse(true).Bold(true),

		Overlay:      lipgloss.NewStyle().Border(border).BorderForeground(accent).Padding(0, 1),
		Label:        lipgloss.NewStyle().Foreground(subtle),
		FocusedLabel: lipgloss.NewStyle().Bold(true).Foreground(accent),
		Digits:       lipgloss.NewStyle().Bold(true),

		QR: lipgloss.NewStyle().
			Foreground(lipgloss.Color("#ffffff")).
			Background(lipgloss.Color("#000000")),
	}
	return s
}
