package ui

import (
	"io"
	"os"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/config"
)

// Common is what every component shares: its size, the styles, the key map
// and the clock. Components hold it by value and change only their own
// Width and Height.
type Common struct {
	// Width and Height are the component's size in cells.
	Width, Height int
	// Styles is the shared, read-only style sheet.
	Styles *Styles
	// KeyMap is the one key map all components match keys against.
	KeyMap *KeyMap
	// Now is the clock, injected so that day separators are reproducible.
	Now func() time.Time
	// Location is the time zone timestamps are shown in.
	Location *time.Location
	// After returns a command that delivers msg once d has passed
	// (tea.Tick); injected so that tests deliver timed messages
	// themselves instead of waiting.
	After func(d time.Duration, msg tea.Msg) tea.Cmd
	// Terminal is where the sequences the renderer does not make are
	// written: OSC 52, which copies to the clipboard.
	Terminal io.Writer
	// ScanQR decodes the QR code in an image file ([chat.ScanQR]);
	// injected so that tests need no image.
	ScanQR func(path string) (string, error)
	// Settings is the configuration: notifications, whether receipts and
	// typing indicators are shown and sent (the key map and styles above
	// were made from it).
	Settings config.Config
	// DesktopNotify, if set, shows a desktop notification by a program of
	// the system's (notify-send); nil when there is none.
	DesktopNotify func(title, body string)
	// CoreChanged, if set, is told of the core a restore put in place of
	// the one the interface had, so that whoever serves the profile's
	// socket answers for the new one.
	CoreChanged func(Core)
}

// NewCommon returns a Common with the default styles and key map, the
// system clock and the local time zone.
func NewCommon() Common {
	return Common{
		Styles:   DefaultStyles(),
		KeyMap:   DefaultKeyMap(),
		Now:      time.Now,
		Location: time.Local,
		After:    after,
		Terminal: os.Stdout,
		ScanQR:   chat.ScanQR,
		Settings: defaultSettings(),

		DesktopNotify: notifySend(),
	}
}

// after delivers msg after d, on the program's clock.
func after(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// SetSize records a component's new size.
func (c *Common) SetSize(width, height int) {
	c.Width, c.Height = width, height
}

// now returns the current time in the display time zone.
func (c Common) now() time.Time {
	return c.Now().In(c.Location)
}

// Component is one screen or part of a screen: a tea.Model that knows its
// key bindings (for the help overlay) and can be resized.
type Component interface {
	tea.Model
	help.KeyMap
	// SetSize sets the component's size in cells.
	SetSize(width, height int)
}
