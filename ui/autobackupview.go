package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ratchat/chat"
)

// Bounds of the automatic-backup settings.
const (
	// minInterval is the shortest interval the core takes.
	minInterval = chat.MinAutoBackupEvery
	// maxInterval is the longest interval, a year.
	maxInterval = 365 * 24 * time.Hour
	// maxKeep bounds how many backups are kept.
	maxKeep = 10000
)

// errInterval explains what an automatic-backup interval looks like.
var errInterval = errors.New("the interval is a duration such as 24h, 90m or 7d, from a minute to a year")

// ParseInterval reads an automatic-backup interval as the interface and
// the command line take it: a Go duration ("24h", "90m") or a number of
// days ("7d"), from a minute to a year.
func ParseInterval(s string) (time.Duration, error) {
	d, ok := parseSpan(s, minInterval, maxInterval)
	if !ok {
		return 0, errInterval
	}
	return d, nil
}

// parseAutoForm checks the settings form; problem says what to fix, empty
// when the settings can be saved.
func parseAutoForm(folder, every, keep string) (s chat.AutoBackup, problem string) {
	s.Folder = strings.TrimSpace(folder)
	if s.Folder == "" {
		return s, "Type the folder the backups go into."
	}
	d, err := ParseInterval(every)
	if err != nil {
		return s, "The interval is a duration such as 24h, 90m or 7d, from a minute to a year."
	}
	n, err := strconv.Atoi(strings.TrimSpace(keep))
	if err != nil || n < 0 || n > maxKeep {
		return s, fmt.Sprintf("Keep a number of backups from 1 to %d, or 0 to keep them all.", maxKeep)
	}
	s.Every, s.Keep = d, n
	return s, ""
}

// newAutoForm returns the settings form, filled with the settings when
// they are on and with the defaults otherwise.
func newAutoForm(s chat.AutoBackup, on bool) form {
	f := newForm("Folder", "Every", "Keep")
	f.inputs[fieldAutoFolder].Placeholder = "a folder, such as /home/you/ratchat-backups"
	every, keep := chat.DefaultAutoBackupEvery, chat.DefaultAutoBackupKeep
	if on {
		f.set(fieldAutoFolder, s.Folder)
		every, keep = s.Every, s.Keep
	}
	f.set(fieldAutoEvery, intervalText(every))
	f.set(fieldAutoKeep, strconv.Itoa(keep))
	f.inputs[fieldAutoFolder].CursorEnd()
	return f
}

// intervalText renders an interval as it is typed: "24h" rather than
// "1d", but "7d" for whole days beyond one.
func intervalText(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 && d > day {
		return shortDuration(d)
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return shortDuration(d)
}

// View renders the current step.
func (v *AutoBackupView) View() string {
	st := v.common.Styles
	out := st.Title.Render("Automatic backups") + "\n\n"
	switch v.step {
	case autoLoading:
		out += "Reading the settings…"
	case autoOverview:
		out += v.overview()
	case autoEditing:
		out += "A backup goes into the folder each time the interval (such as 24h,\n" +
			"90m or 7d) has passed; beyond the number kept, the oldest are\n" +
			"deleted (0 keeps them all).\n\n" + v.form.view(st)
		if v.on {
			out += "\n\n" + st.Subtle.Render("Saving makes a new recovery key; the backups written before keep the old one.")
		}
	case autoSaving:
		out += "Saving…"
	case autoKey:
		out += st.Success.Render("Automatic backups are on.") + "\n\n" + v.check.view(st, "the backups")
		return out
	}
	if v.result != "" {
		res := st.Success
		if v.failed {
			res = st.Error
		}
		out += "\n\n" + res.Width(min(v.common.Width, 72)).Render(v.result)
	}
	return out
}

// overview renders the settings.
func (v *AutoBackupView) overview() string {
	st, s := v.common.Styles, v.settings
	if !v.on {
		return "Automatic backups are " + st.Warning.Render("off") + ".\n\n" +
			"When they are on, ratchat writes a backup into a folder of your\n" +
			"choice at a fixed interval, and deletes the oldest beyond the number\n" +
			"you keep. All are sealed under one recovery key, shown once.\n" +
			"They are written only while ratchat runs.\n\n" +
			"Press enter to set them up."
	}
	row := func(label, value string) string {
		return "  " + st.Label.Width(8).Render(label) + value + "\n"
	}
	folder := truncate(SanitizeLine(s.Folder), max(10, v.common.Width-12))
	return "Automatic backups are " + st.Success.Render("on") + ".\n\n" +
		row("Folder", folder) + row("Every", intervalText(s.Every)) + row("Keep", keepText(s.Keep)) + "\n" +
		"They are written only while ratchat runs, each sealed under the\n" +
		"recovery key shown when they were turned on.\n\n" +
		"Press enter to change them (with a new recovery key), d to turn them off."
}
