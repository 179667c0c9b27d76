package ui

import (
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"ratchat/chat"
)

// hostile is what a malicious peer might send: a screen clear, an OSC 52
// clipboard write ended by BEL and by ST, a bell, a carriage return that
// would overwrite the line, an 8-bit CSI, and a right-to-left override
// that would disguise a file name.
const hostile = "hi\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x1b]52;c;ZXZpbA==\x1b\\\apay 100\rpay 999 \u009b31m invoice\u202efdp.exe"

// forbiddenOutputs must never reach the terminal from a peer's text.
var forbiddenOutputs = []struct{ name, s string }{
	{"ESC", "\x1b"},
	{"OSC 52", "\x1b]52"},
	{"CSI 2J", "\x1b[2J"},
	{"BEL", "\a"},
	{"CR", "\r"},
	{"C1 CSI", "\u009b"},
	{"RLO", "\u202e"},
}

// sgr matches the only escape sequences styling may add: colours and
// attributes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// hostileApp returns the main screen with a hostile contact name, preview,
// message and file name, with that contact's chat open.
func hostileApp(t *testing.T) *App {
	t.Helper()
	f := newFakeCore()
	f.contacts[0].Contact.Name = "Eve\x1b]52;c;aGk=\x07\r\u202eecilA"
	f.contacts[0].Last.Body = []byte(hostile)
	file := text(2, chat.Incoming, "", t0, chat.StatusDelivered)
	file.Kind, file.File = chat.RowFile, &chat.FileInfo{Name: "photo\u202egnp.exe\x1b[2J", Size: 10,
		Path: "/home/m/Downloads/\x1b]52;c;aGk=\x07x", State: chat.FileComplete}
	f.msgs[1] = []chat.Message{
		text(1, chat.Incoming, hostile, t0, chat.StatusDelivered),
		file,
		line(3, chat.RowKeyChanged, t0),
		line(4, chat.RowDecryptFailed, t0),
	}
	a := NewMainApp(testCommon(0, 0), f)
	drive(a, a.Init()(), tea.WindowSizeMsg{Width: 100, Height: 30})
	drive(a, keyMsgs("enter")...)
	return a
}

func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	defer lipgloss.SetColorProfile(termenv.Ascii)
	for _, profile := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		lipgloss.SetColorProfile(profile)
		a := hostileApp(t)
		views := map[string]string{
			"contact list": a.contacts.View(),
			"chat view":    a.chat.View(),
			"whole screen": a.View(),
		}
		for where, out := range views {
			if !strings.Contains(out, "Eve") || where != "contact list" && !strings.Contains(out, "pay 999") {
				t.Fatalf("%s: the hostile text is not shown at all:\n%s", where, out)
			}
			// Styling may add SGR sequences; nothing else may remain.
			bare := sgr.ReplaceAllString(out, "")
			if profile == termenv.Ascii && bare != out {
				t.Errorf("%s: escape sequences in an uncoloured view", where)
			}
			for _, f := range forbiddenOutputs {
				if strings.Contains(bare, f.s) {
					t.Errorf("profile %v, %s: %s reached the output: %q", profile, where, f.name, bare)
				}
			}
		}
	}
}

func TestHostileTextInVerifyAndStatus(t *testing.T) {
	c := chat.Contact{ID: 1, Name: "Eve\x1b[2J\u202e"}
	v := NewVerifyView(testCommon(80, 22), newFakeCore(), c)
	drive(v, v.Init()(), scannedMsg{err: errorString("bad\x1b]52;c;aGk=\x07")})
	s := NewStatusBar(testCommon(80, 1))
	s.SetStatus(Status{Profile: "me\r", Home: "evil\x1b[2J"})
	s.SetNotice("x\x07", true)
	for where, out := range map[string]string{"verify": v.View(), "status": s.View()} {
		for _, f := range forbiddenOutputs {
			if strings.Contains(out, f.s) {
				t.Errorf("%s: %s reached the output: %q", where, f.name, out)
			}
		}
	}
}

// errorString is an error with a hostile message, as a peer's home might
// return.
type errorString string

func (e errorString) Error() string { return string(e) }
