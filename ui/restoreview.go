package ui

import (
	"fmt"
	"strings"
)

// View renders the current step.
func (v *RestoreView) View() string {
	st := v.common.Styles
	out := st.Title.Render("Restore a backup") + "\n\n"
	width := min(v.common.Width, 70)
	switch v.step {
	case restoreConfirm:
		return out + st.Warning.Width(width).Render(v.confirmText()) + "\n\n" +
			"Press y to restore, esc to go back."
	case restoreOther:
		return out + st.Warning.Width(width).Render(v.otherText()) + "\n\n" +
			"Press y to restore anyway (your current identity is kept aside), esc to keep it."
	case restoreRunning:
		return out + "Restoring from " + SanitizeLine(v.path) + "\n\n" +
			v.bar.ViewAs(fraction(v.done, v.total)) + "\n\n" +
			st.Subtle.Width(width).Render(v.phase())
	case restoreDone:
		return out + st.Success.Width(width).Render(v.result) + "\n\nPress enter to go back."
	}
	out += "Restoring replaces this profile's contacts and messages with the\n" +
		"backup's. Nothing changes unless the whole file checks out.\n\n" +
		v.form.view(st)
	if v.result != "" {
		res := st.Success
		if v.failed {
			res = st.Error
		}
		out += "\n\n" + res.Width(width).Render(v.result)
	}
	return out
}

// confirmText says what a restore over the open profile does.
func (v *RestoreView) confirmText() string {
	name, now := "this profile", ""
	if p := v.profile; p.err == nil && p.name != "" {
		name = SanitizeLine(p.name)
		now = fmt.Sprintf(" (%s now)", plural(p.contacts, "contact"))
	}
	return "This replaces the history of " + name + now + " with the backup's: " +
		"its contacts and their messages (how many is unknown until the file is read). " +
		"Your messages since the backup was made are lost unless you export a backup " +
		"first (esc twice, then /backup export). Nothing changes if the file or the key is wrong."
}

// otherText says why the restore stopped: the backup is someone else's.
func (v *RestoreView) otherText() string {
	why := "This backup is of another identity than this profile's"
	if v.other != nil {
		why = ErrorText(v.other)
		why = strings.ToUpper(why[:1]) + why[1:]
	}
	return why + ": restoring it replaces who you are to every contact, and they will see a new " +
		"safety number. Nothing was changed. If you restore it anyway, your current " +
		"profile is kept aside in its folder (ratchat.db.replaced-…), not deleted."
}

// phase says what the running restore is doing.
func (v *RestoreView) phase() string {
	switch {
	case v.cancelling:
		return "Cancelling…"
	case v.total > 0 && v.done >= v.total:
		return "The backup checked out. Opening the restored profile and counting what came back…"
	case v.done > 0 && v.total > 0:
		return fmt.Sprintf("Reading and checking the backup: %s of %s. esc cancels; "+
			"nothing changes until the end.", byteSize(v.done), byteSize(v.total))
	case v.done > 0:
		return fmt.Sprintf("Reading and checking the backup: %s. esc cancels; "+
			"nothing changes until the end.", byteSize(v.done))
	}
	return "Closing the profile and checking the backup… esc cancels."
}

// plural is n and a noun, with an s unless n is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
