package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// form is a column of labelled one-line inputs with one focused, shared by
// the verification, backup, onboarding and unlock screens.
type form struct {
	labels []string
	inputs []textinput.Model
	focus  int
}

// maxFieldChars bounds what a field accepts (paths, codes, passphrases).
const maxFieldChars = 1024

// newForm returns a form whose fields have the given labels; the first
// has the focus.
func newForm(labels ...string) form {
	f := form{labels: labels}
	for range labels {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = maxFieldChars
		in.Cursor.SetMode(cursor.CursorStatic)
		f.inputs = append(f.inputs, in)
	}
	f.inputs[0].Focus()
	return f
}

// secret hides field i's text, as for a passphrase.
func (f *form) secret(i int) {
	f.inputs[i].EchoMode = textinput.EchoPassword
	f.inputs[i].EchoCharacter = '•'
}

// value returns field i's text.
func (f *form) value(i int) string { return f.inputs[i].Value() }

// set replaces field i's text.
func (f *form) set(i int, s string) { f.inputs[i].SetValue(s) }

// move moves the focus by delta fields, wrapping around.
func (f *form) move(delta int) {
	f.inputs[f.focus].Blur()
	f.focus = (f.focus + delta + len(f.inputs)) % len(f.inputs)
	f.inputs[f.focus].Focus()
}

// navigate moves the focus on the next-field and previous-field keys; it
// reports whether msg was one of them.
func (f *form) navigate(msg tea.KeyMsg, km *KeyMap) bool {
	switch {
	case key.Matches(msg, km.NextField):
		f.move(1)
	case key.Matches(msg, km.PrevField):
		f.move(-1)
	default:
		return false
	}
	return true
}

// empty reports whether field i holds nothing but spaces.
func (f *form) empty(i int) bool { return strings.TrimSpace(f.inputs[i].Value()) == "" }

// setWidth sizes the inputs to fit width cells beside their labels: the
// focus marker (2), the label, a space and the cursor's cell take the rest.
func (f *form) setWidth(width int) {
	for i := range f.inputs {
		f.inputs[i].Width = max(4, width-f.labelWidth()-4)
	}
}

// update passes a message to the focused input.
func (f *form) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	return cmd
}

// labelWidth is the width of the widest label.
func (f *form) labelWidth() int {
	w := 0
	for _, l := range f.labels {
		w = max(w, lipgloss.Width(l))
	}
	return w
}

// view renders one line per field: the label, then the input, with a
// marker on the focused one.
func (f *form) view(st *Styles) string {
	lw := f.labelWidth()
	lines := make([]string, len(f.inputs))
	for i, in := range f.inputs {
		label := st.Label.Width(lw).Render(f.labels[i])
		mark := "  "
		if i == f.focus {
			label = st.FocusedLabel.Width(lw).Render(f.labels[i])
			mark = "> "
		}
		lines[i] = mark + label + " " + in.View()
	}
	return strings.Join(lines, "\n")
}
