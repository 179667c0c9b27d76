package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"ratchat/chat"
	"ratchat/keys"
)

// View renders the title, the QR code beside the digits, the contact's
// marks, the two fields and the last result.
func (v *VerifyView) View() string {
	st := v.common.Styles
	name := SanitizeLine(chat.DisplayName(v.contact))
	title := st.Title.Render("Verify "+name) + "\n" +
		st.Subtle.Render(truncate("Compare these numbers with "+name+"'s screen, or scan their code.", v.common.Width))
	if v.err != nil {
		return title + "\n\n" + st.Error.Render("Cannot compute the safety number: "+SanitizeLine(v.err.Error()))
	}
	if v.sn.String() == "" {
		return title + "\n\n" + st.Subtle.Render("Loading the safety number…")
	}
	qw, qh := v.qrBox()
	code, err := renderQR(st.QR, keys.QRPayload(v.sn), qw, qh)
	if err != nil {
		return title + "\n\n" + v.details(v.common.Width) + "\n\n" + st.Subtle.Render("("+err.Error()+")")
	}
	right := v.details(v.common.Width - lipgloss.Width(code) - 2)
	return title + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, code, "  ", right)
}

// details renders the column beside the QR code, width cells wide.
func (v *VerifyView) details(width int) string {
	st := v.common.Styles
	var b strings.Builder
	b.WriteString("\n")
	b.WriteString(st.Digits.Render(digitRows(v.sn.Groups(), 4)))
	b.WriteString("\n\n")
	switch {
	case v.contact.Held:
		b.WriteString(st.Warning.Render("! Their key changed: sending waits."))
	case v.contact.Verified:
		b.WriteString(st.Verified.Render("✔ Verified"))
	default:
		b.WriteString(st.Subtle.Render("Not verified"))
	}
	b.WriteString("\n\n")
	b.WriteString(v.form.view(st))
	if v.result != "" {
		res := st.Success
		if v.bad {
			res = st.Error
		}
		b.WriteString("\n\n")
		b.WriteString(res.Width(max(20, min(width, 60))).Render(v.result))
	}
	return b.String()
}

// qrBox is the room the QR code may take: the screen less the title, and
// less a column of 42 cells for the digits and fields.
func (v *VerifyView) qrBox() (w, h int) {
	return v.common.Width - 44, v.common.Height - 2
}

// digitRows lays groups of digits out in rows of perRow groups.
func digitRows(groups []string, perRow int) string {
	var rows []string
	for i := 0; i < len(groups); i += perRow {
		rows = append(rows, strings.Join(groups[i:min(i+perRow, len(groups))], " "))
	}
	return strings.Join(rows, "\n")
}
