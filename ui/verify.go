package ui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/keys"
)

// The verification screen's fields.
const (
	fieldCode = iota
	fieldImage
)

// BackMsg asks the root model to leave a screen for the main one.
type BackMsg struct{}

// safetyNumberMsg carries a contact's safety number.
type safetyNumberMsg struct {
	contact chat.ContactID
	sn      keys.SafetyNumber
	err     error
}

// scannedMsg carries the text of a scanned QR image.
type scannedMsg struct {
	text string
	err  error
}

// VerifiedMsg reports that a contact's verified mark changed or its new
// key was accepted, so that the contact list reloads.
type VerifiedMsg struct {
	// Contact is the contact changed.
	Contact chat.ContactID
	// Verified is the contact's verified mark now.
	Verified bool
	// Accepted is set when a changed identity key was accepted.
	Accepted bool
	err      error
}

// text says what changed, for the user.
func (m VerifiedMsg) text(name string) string {
	switch {
	case m.Accepted:
		return "The new key is accepted; sending resumes."
	case m.Verified:
		return name + " is marked verified."
	}
	return name + " is no longer marked verified."
}

// VerifyView shows the safety number of the user and a contact as 60
// digits and a QR code, checks a pasted code or a scanned QR image against
// it, and sets the verified mark.
type VerifyView struct {
	common  Common
	core    Verifier
	contact chat.Contact
	sn      keys.SafetyNumber
	err     error
	form    form
	result  string
	bad     bool // result reports a failure or a mismatch
	ok      bool // the last code checked matched
}

var _ Component = (*VerifyView)(nil)

// NewVerifyView returns the verification screen for a contact.
func NewVerifyView(c Common, core Verifier, contact chat.Contact) *VerifyView {
	v := &VerifyView{common: c, core: core, contact: contact,
		form: newForm("Their code", "QR image file")}
	v.form.inputs[fieldCode].Placeholder = "paste the 60 digits they see"
	v.form.inputs[fieldImage].Placeholder = "path to a photo or screenshot"
	return v
}

// SetSize sets the screen's size.
func (v *VerifyView) SetSize(width, height int) {
	v.common.SetSize(width, height)
	fw := width - qrMaxWidth - 2
	if fw < minColumn {
		fw = width // the QR code will not fit beside: the fields take the width
	}
	v.form.setWidth(min(fw, 60))
}

// minColumn is the narrowest the column beside the QR code gets.
const minColumn = 40

// qrMaxWidth is the widest a safety number's QR code gets: 29 modules and
// a quiet zone of 4 on each side.
const qrMaxWidth = 37

// Init loads the safety number.
func (v *VerifyView) Init() tea.Cmd {
	core, id := v.core, v.contact.ID
	return func() tea.Msg {
		sn, err := core.SafetyNumber(context.Background(), id)
		return safetyNumberMsg{id, sn, err}
	}
}

// Update handles the safety number, scans, results and keys.
func (v *VerifyView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case safetyNumberMsg:
		v.sn, v.err = msg.sn, msg.err
	case scannedMsg:
		v.handleScanned(msg)
		return v, v.verifyIfMatched()
	case VerifiedMsg:
		v.handleVerified(msg)
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	}
	return v, nil
}

// handleKey checks the focused field on Enter, sets marks, moves between
// fields, and leaves on Esc.
func (v *VerifyView) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	msg = asText(msg, v.typing())
	switch {
	case key.Matches(msg, km.Back):
		return func() tea.Msg { return BackMsg{} }
	case v.form.navigate(msg, km):
	case key.Matches(msg, km.MarkVerified):
		return v.setVerified(true)
	case key.Matches(msg, km.MarkUnverified):
		return v.setVerified(false)
	case key.Matches(msg, km.AcceptKey):
		return v.accept()
	case key.Matches(msg, km.Submit) && v.form.focus == fieldCode && v.form.empty(fieldCode):
		v.result, v.ok, v.bad = "Type or paste the 60 digits of their screen first.", false, true
	case key.Matches(msg, km.Submit) && v.form.focus == fieldCode:
		v.compare(v.form.value(fieldCode))
		return v.verifyIfMatched()
	case key.Matches(msg, km.Submit) && v.form.focus == fieldImage:
		return v.scan(strings.TrimSpace(v.form.value(fieldImage)))
	default:
		return v.form.update(msg)
	}
	return nil
}

// typing reports that a field has the keyboard: it always has.
func (v *VerifyView) typing() bool { return true }

// compare checks a code against the safety number, in constant time.
func (v *VerifyView) compare(code string) {
	if err := chat.CheckCode(code); err != nil {
		v.ok, v.bad = false, true
		msg := ErrorText(err)
		v.result = strings.ToUpper(msg[:1]) + msg[1:] + "."
		return
	}
	v.ok = v.sn.Matches(code)
	if v.ok {
		v.result, v.bad = "The numbers match.", false
		return
	}
	v.bad = true
	v.result = "The numbers do NOT match. Do not mark this contact verified: " +
		"someone may be in the middle, or one of you has a new key."
}

// verifyIfMatched marks the contact verified after a successful check.
func (v *VerifyView) verifyIfMatched() tea.Cmd {
	if !v.ok || v.contact.Verified {
		return nil
	}
	return v.setVerified(true)
}

// scan decodes a QR image (with Common.ScanQR).
func (v *VerifyView) scan(path string) tea.Cmd {
	if path == "" {
		v.result, v.ok, v.bad = "Type the path of an image file first.", false, true
		return nil
	}
	scan := v.common.ScanQR
	return func() tea.Msg {
		text, err := scan(path)
		return scannedMsg{text, err}
	}
}

// handleScanned checks a scanned payload.
func (v *VerifyView) handleScanned(msg scannedMsg) {
	v.ok, v.bad = false, true
	if msg.err != nil {
		v.result = "Could not read a QR code: " + ErrorText(msg.err)
		return
	}
	sn, err := keys.ParseQRPayload(msg.text)
	if err != nil {
		v.result = "That QR code is not a ratchat safety number."
		return
	}
	v.compare(sn.String())
}

// setVerified sets or clears the verified mark through the core.
func (v *VerifyView) setVerified(on bool) tea.Cmd {
	core, c := v.core, v.contact
	return func() tea.Msg {
		err := core.SetVerified(context.Background(), c.ID, on)
		return VerifiedMsg{Contact: c.ID, Verified: on, err: err}
	}
}

// accept accepts the contact's changed identity key through the core.
func (v *VerifyView) accept() tea.Cmd {
	core, c := v.core, v.contact
	return func() tea.Msg {
		err := core.AcceptIdentity(context.Background(), c.ID)
		return VerifiedMsg{Contact: c.ID, Verified: c.Verified, Accepted: true, err: err}
	}
}

// handleVerified shows the result of a mark change.
func (v *VerifyView) handleVerified(msg VerifiedMsg) {
	if msg.Contact != v.contact.ID {
		return
	}
	if msg.err != nil {
		v.result, v.ok, v.bad = "Failed: "+ErrorText(msg.err), false, true
		return
	}
	v.result, v.bad = msg.text(SanitizeLine(chat.DisplayName(v.contact))), false
	v.contact.Verified = msg.Verified
	if msg.Accepted || msg.Verified {
		v.contact.Held = false
	}
}

// ShortHelp lists the screen's main keys: of the marks, the one that
// changes something, and the acceptance of a new key only when there is
// one, so that what matters fits in 80 columns.
func (v *VerifyView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	mark := km.MarkVerified
	if v.contact.Verified && !v.contact.Held {
		mark = km.MarkUnverified
	}
	keys := []key.Binding{km.Submit, km.NextField, mark}
	if v.contact.Held {
		keys = append(keys, km.AcceptKey)
	}
	return append(keys, km.Back)
}

// FullHelp lists all of the screen's keys.
func (v *VerifyView) FullHelp() [][]key.Binding {
	km := v.common.KeyMap
	return [][]key.Binding{{km.Submit, km.NextField, km.PrevField, km.Back}, {km.MarkVerified, km.MarkUnverified, km.AcceptKey}}
}
