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
	title := st.Title.Render(truncate("Verify "+name, v.common.Width))
	if v.common.Height >= compactHeight {
		title += "\n" + st.Subtle.Render(truncateWords("Compare these numbers with "+name+"'s screen, or scan their code.", v.common.Width))
	}
	if v.err != nil {
		return title + "\n\n" + st.Error.Render("Cannot compute the safety number: "+ErrorText(v.err))
	}
	if v.sn.String() == "" {
		return title + "\n\n" + st.Subtle.Render("Loading the safety number…")
	}
	qw, qh := v.qrBox()
	code, err := renderQR(st.QR, keys.QRPayload(v.sn), qw, qh)
	if err != nil { // no room for the code: the digits and fields first
		return title + "\n" + v.details(v.common.Width, "\n") + "\n" + st.Subtle.Render(truncateWords("("+err.Error()+")", v.common.Width))
	}
	right := v.details(v.common.Width-lipgloss.Width(code)-2, "\n\n")
	return title + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, code, "  ", "\n"+right)
}

// compactHeight is the height below which the screen drops its subtitle.
const compactHeight = 14

// details renders the column beside the QR code, width cells wide, its
// parts separated by gap.
func (v *VerifyView) details(width int, gap string) string {
	st := v.common.Styles
	var b strings.Builder
	b.WriteString(st.Digits.Render(digitRows(v.sn.Groups(), 4)))
	b.WriteString(gap)
	switch {
	case v.contact.Held:
		b.WriteString(st.Warning.Render("! Their key changed: sending waits."))
	case v.contact.Verified:
		b.WriteString(st.Verified.Render("✔ Verified"))
	default:
		b.WriteString(st.Subtle.Render("Not verified"))
	}
	b.WriteString(gap)
	b.WriteString(v.form.view(st))
	if v.result != "" {
		res := st.Success
		if v.bad {
			res = st.Error
		}
		b.WriteString(gap)
		b.WriteString(res.Width(max(1, min(width, 60))).Render(v.result))
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
