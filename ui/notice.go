package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// How long a notice stays up: long enough to read, short enough that it
// never describes something long past. Errors stay longer than news.
const (
	noticeInfoFor  = 5 * time.Second
	noticeErrorFor = 15 * time.Second
)

// notice is a line of feedback (the status bar's, the composer's hint)
// that clears itself. Each new text gets a new id, and its expiry message
// carries that id, so that the timer of an older text never clears a
// newer one.
type notice struct {
	text  string
	isErr bool
	id    int
}

// noticeExpiredMsg tells a notice that the text with id has been up long
// enough.
type noticeExpiredMsg struct {
	n  *notice
	id int
}

// set shows a text, as an error or not, and returns the command that
// clears it when its time is up.
func (n *notice) set(c Common, text string, isErr bool) tea.Cmd {
	n.hold(text, isErr)
	if text == "" {
		return nil
	}
	d := noticeInfoFor
	if isErr {
		d = noticeErrorFor
	}
	return c.After(d, noticeExpiredMsg{n: n, id: n.id})
}

// hold shows a text until the next one, as for progress that keeps
// changing.
func (n *notice) hold(text string, isErr bool) {
	n.id++
	n.text, n.isErr = text, isErr
}

// expire clears the text if it is still the one with id.
func (n *notice) expire(id int) {
	if id == n.id {
		n.hold("", false)
	}
}
