package ui

import (
	"crypto/subtle"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// recoveryKeyDigits is the length of a backup's recovery key.
const recoveryKeyDigits = 64

// keyPhase is where the confirmation of a recovery key is.
type keyPhase int

// The phases, in order.
const (
	keyShown     keyPhase = iota // the key on screen, this once
	keyTyping                    // asking for the key back
	keyConfirmed                 // typed back right; the key is forgotten
)

// keyConfirm shows a fresh recovery key once and then asks the user to
// type it back, which proves it was written down correctly. The export
// and the automatic-backup screens share it: a key that is never checked
// is a key that may not open the backups it seals.
type keyConfirm struct {
	phase   keyPhase
	key     string
	form    form
	width   int
	problem string
}

// newKeyConfirm takes the key the core returned, keeping its digits; ok
// is false when it is not a recovery key, which the screen then refuses
// to show as one.
func newKeyConfirm(raw string, width int) (k keyConfirm, ok bool) {
	digits := digitsOnly(raw)
	if len(digits) != recoveryKeyDigits {
		return keyConfirm{}, false
	}
	return keyConfirm{key: digits, width: width}, true
}

// setWidth sizes the confirmation field.
func (k *keyConfirm) setWidth(width int) {
	k.width = width
	k.form.setWidth(min(width, 70))
}

// confirm acts on Enter: from the key to the confirmation, then the check.
func (k *keyConfirm) confirm() {
	switch k.phase {
	case keyShown:
		k.phase, k.problem = keyTyping, ""
		k.form = newForm("Recovery key")
		k.form.setWidth(min(k.width, 70))
	case keyTyping:
		if k.form.empty(0) {
			k.problem = "Type the recovery key you wrote down."
			return
		}
		k.check(k.form.value(0))
	}
}

// back acts on Esc: from the confirmation back to the key. While the key
// is shown it only reminds: leaving would lose the key with the screen.
func (k *keyConfirm) back() {
	switch k.phase {
	case keyShown:
		k.problem = "Write the key down first, then press enter."
	case keyTyping:
		k.phase = keyShown
	}
}

// update passes a key to the confirmation field while it is typed in.
func (k *keyConfirm) update(msg tea.Msg) tea.Cmd {
	if k.phase != keyTyping {
		return nil
	}
	return k.form.update(msg)
}

// check compares the typed key with the one shown, ignoring spaces, in
// constant time.
func (k *keyConfirm) check(typed string) {
	if subtle.ConstantTimeCompare([]byte(digitsOnly(typed)), []byte(k.key)) != 1 {
		k.problem = "That is not the key. Check what you wrote, or press esc to see it again."
		return
	}
	// Drop our copy: the key now exists only on the user's paper.
	k.phase, k.key, k.problem = keyConfirmed, "", ""
}

// keys lists the keys of the current phase, for the help line.
func (k *keyConfirm) keys(km *KeyMap) []key.Binding {
	if k.phase == keyShown {
		return []key.Binding{km.Confirm}
	}
	return []key.Binding{km.Confirm, km.Back}
}

// view renders the key or the confirmation field, and any problem; what
// the key opens is said by the screen above it. It renders nothing once
// the key is confirmed.
func (k *keyConfirm) view(st *Styles, opens string) string {
	var out string
	switch k.phase {
	case keyShown:
		out = st.Warning.Render("Write this recovery key down now. It is shown only once,") +
			"\n" + st.Warning.Render("and without it "+opens+" cannot be opened.") + "\n\n" +
			st.Digits.Render(digitRows(groupDigits(k.key, 4), 4)) + "\n\n" +
			"Press enter once it is written down."
	case keyTyping:
		out = "Type the recovery key you wrote down, to check it.\n\n" + k.form.view(st)
	}
	if k.problem != "" {
		out += "\n\n" + st.Error.Render(k.problem)
	}
	return out
}
