package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// maxMessageChars bounds a message typed in the composer.
const maxMessageChars = 8000

// Composer is the multi-line message editor: Enter sends, Alt+Enter adds a
// line, the readline keys edit, Up and Down browse the history, and Tab
// completes /commands.
type Composer struct {
	common  Common
	input   textarea.Model
	history history
	hint    notice
	// action is the reply or edit being written, if any: shown on the
	// hint line, attached to what is submitted, dropped by esc.
	action *composeAction
}

// composeAction is a reply to, or an edit of, one message.
type composeAction struct {
	edit   bool
	target chat.MessageID
	line   string // what the hint line shows meanwhile
}

// StartAction starts writing a reply to m (its quote on the hint line)
// or, with edit, a new text for it (the text in the input). peer is the
// contact's name.
func (c *Composer) StartAction(edit bool, m chat.Message, peer string) {
	who := SanitizeLine(peer)
	if m.Direction == chat.Outgoing {
		who = "me"
	}
	body := SanitizeLine(string(m.Body))
	if m.File != nil {
		body = "[file] " + SanitizeLine(m.File.Name)
	}
	a := &composeAction{edit: edit, target: m.ID, line: "┌ replying to " + who + ": " + body}
	if edit {
		a.line = "editing your message · enter saves"
		c.SetValue(string(m.Body))
	}
	a.line += " · esc cancels"
	c.action = a
	c.hint.hold("", false)
}

// Action reports whether a reply or an edit is being written.
func (c *Composer) Action() bool { return c.action != nil }

// cancelAction drops the reply or edit being written; an edit's text goes.
func (c *Composer) cancelAction() {
	if c.action.edit {
		c.input.Reset()
	}
	c.action = nil
}

var _ Component = (*Composer)(nil)

// NewComposer returns an empty composer.
func NewComposer(c Common) *Composer {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.SetPromptFunc(2, func(line int) string {
		if line == 0 {
			return "> "
		}
		return "  "
	})
	ta.Placeholder = "Message, or /help"
	ta.CharLimit = maxMessageChars
	ta.KeyMap.InsertNewline = c.KeyMap.Newline
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.FocusedStyle.CursorLine = ta.FocusedStyle.Base
	return &Composer{common: c, input: ta}
}

// SetSize sets the composer's size; one line is kept for hints.
func (c *Composer) SetSize(width, height int) {
	c.common.SetSize(width, height)
	c.input.SetWidth(width)
	c.input.SetHeight(max(1, height-1))
}

// Focus gives the composer the keyboard.
func (c *Composer) Focus() tea.Cmd { return c.input.Focus() }

// Blur takes the keyboard away.
func (c *Composer) Blur() { c.input.Blur() }

// Value returns the text being typed.
func (c *Composer) Value() string { return c.input.Value() }

// SetValue replaces the text being typed.
func (c *Composer) SetValue(s string) {
	c.input.SetValue(s)
	c.input.CursorEnd()
}

// SetHint shows a line under the input, as an error or not; the command
// it returns clears it after a few seconds, as typing does.
func (c *Composer) SetHint(s string, isErr bool) tea.Cmd { return c.hint.set(c.common, s, isErr) }

// holdHint shows a line under the input until the next one, as for the
// progress of a file.
func (c *Composer) holdHint(s string) { c.hint.hold(s, false) }

// Completing reports whether Tab would complete a /command rather than
// move the focus.
func (c *Composer) Completing() bool {
	_, _, ok := complete(c.input.Value())
	return ok
}

// Init does nothing.
func (c *Composer) Init() tea.Cmd { return nil }

// Update edits, sends, completes and browses the history.
func (c *Composer) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		k = asText(k, true)
		if cmd, done := c.handleKey(k); done {
			return c, cmd
		}
		msg = k
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	return c, cmd
}

// handleKey handles the keys the composer adds to the textarea's own;
// done is false for keys left to the textarea.
func (c *Composer) handleKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	km := c.common.KeyMap
	switch {
	case key.Matches(msg, km.Back) && c.action != nil:
		c.cancelAction()
		return nil, true
	case key.Matches(msg, km.Send):
		return c.submit(), true
	case key.Matches(msg, km.Complete) && c.Completing():
		return c.handleComplete(), true
	case key.Matches(msg, km.HistoryPrev) && (c.input.Value() == "" || c.input.Line() == 0):
		if s, ok := c.history.prev(c.input.Value()); ok {
			c.SetValue(s)
		}
		return nil, true
	case key.Matches(msg, km.HistoryNext) && c.history.browsing() &&
		c.input.Line() == c.input.LineCount()-1:
		if s, ok := c.history.next(); ok {
			c.SetValue(s)
		}
		return nil, true
	}
	c.hint.hold("", false)
	return nil, false
}

// submit parses the input and hands it to the main screen.
func (c *Composer) submit() tea.Cmd {
	v := c.input.Value()
	out, err := parseInput(v)
	if err != nil {
		return c.SetHint(err.Error(), true)
	}
	if out == nil {
		return nil
	}
	if sub, ok := out.(SubmitMsg); ok && c.action != nil {
		sub.Edit, sub.Target = c.action.edit, c.action.target
		out, c.action = sub, nil
	}
	c.history.push(v)
	c.input.Reset()
	c.hint.hold("", false)
	return func() tea.Msg { return out }
}

// handleComplete completes the /command being typed.
func (c *Composer) handleComplete() tea.Cmd {
	s, candidates, _ := complete(c.input.Value())
	c.SetValue(s)
	if len(candidates) == 0 && !strings.HasSuffix(s, " ") {
		what := "command"
		if strings.Contains(s, " ") {
			what = "choice"
		}
		return c.SetHint("no such "+what+": try /help", true)
	}
	return c.SetHint(strings.Join(candidates, "  "), false)
}

// View renders the input and the hint line.
func (c *Composer) View() string {
	st := c.common.Styles
	text := truncateWords(c.hint.text, c.common.Width)
	if text == "" && c.action != nil {
		text = truncate(c.action.line, c.common.Width)
	}
	hint := st.Subtle.Render(text)
	if c.hint.isErr {
		hint = st.Error.Render(text)
	}
	return c.input.View() + "\n" + hint
}

// ShortHelp lists the composer's main keys.
func (c *Composer) ShortHelp() []key.Binding {
	km := c.common.KeyMap
	return []key.Binding{km.Send, km.Newline, km.Complete, km.HistoryPrev}
}

// FullHelp lists all of the composer's keys, the readline ones included.
func (c *Composer) FullHelp() [][]key.Binding {
	km, ta := c.common.KeyMap, c.input.KeyMap
	return [][]key.Binding{
		{km.Send, km.Newline, km.Complete, km.HistoryPrev, km.HistoryNext},
		{ta.LineStart, ta.LineEnd, ta.WordBackward, ta.WordForward},
		{ta.DeleteWordBackward, ta.DeleteAfterCursor, ta.DeleteBeforeCursor},
	}
}
