package ui

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
)

// recoveryKeyDigits is the length of a backup's recovery key.
const recoveryKeyDigits = 64

// exportStep is where the export screen is.
type exportStep int

// The export steps, in order.
const (
	exportPath    exportStep = iota // asking where to write
	exportRunning                   // writing, with progress
	exportShowKey                   // showing the recovery key, once
	exportConfirm                   // asking for the key back
	exportDone                      // confirmed
	exportFailed                    // the export failed
)

// BackupView exports a backup: it asks for a path, writes the backup with
// a progress bar, shows the 64-digit recovery key once, and then asks the
// user to type it back, which proves it was written down correctly.
type BackupView struct {
	common Common
	core   Backups
	step   exportStep
	form   form
	bar    progress.Model
	pct    float64
	job    *job
	key    string
	result string
}

var _ Component = (*BackupView)(nil)

// NewBackupView returns the export screen, proposing a file name.
func NewBackupView(c Common, core Backups) *BackupView {
	v := &BackupView{common: c, core: core, form: newForm("Save backup to"),
		bar: progress.New(progress.WithSolidFill("#5fafff"))}
	v.form.set(0, "ratchat-"+c.now().Format("2006-01-02")+".backup")
	v.form.inputs[0].CursorEnd()
	return v
}

// SetSize sets the screen's size.
func (v *BackupView) SetSize(width, height int) {
	v.common.SetSize(width, height)
	v.form.setWidth(min(width, 70))
	v.bar.Width = min(width-4, 60)
}

// Init does nothing.
func (v *BackupView) Init() tea.Cmd { return nil }

// Update runs the export's steps.
func (v *BackupView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case jobMsg:
		return v, v.handleJob(msg)
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	}
	return v, nil
}

// handleKey moves through the steps.
func (v *BackupView) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	switch {
	case key.Matches(msg, km.Back):
		return v.back()
	case key.Matches(msg, km.Confirm):
		return v.confirm()
	}
	if v.step == exportPath || v.step == exportConfirm {
		return v.form.update(msg)
	}
	return nil
}

// back leaves the screen, cancels a running export, or shows the key
// again from the confirmation step. Leaving while the key is shown is not
// possible: the key would be lost with the screen.
func (v *BackupView) back() tea.Cmd {
	switch v.step {
	case exportRunning:
		v.job.cancel()
	case exportConfirm:
		v.step = exportShowKey
	case exportShowKey:
		v.result = "Write the key down first, then press enter."
	default:
		return func() tea.Msg { return BackMsg{} }
	}
	return nil
}

// confirm acts on Enter: start, go on to confirmation, check the key.
func (v *BackupView) confirm() tea.Cmd {
	switch v.step {
	case exportPath:
		return v.start(strings.TrimSpace(v.form.value(0)))
	case exportShowKey:
		v.step, v.result = exportConfirm, ""
		v.form = newForm("Recovery key")
		v.form.setWidth(min(v.common.Width, 70))
	case exportConfirm:
		v.check(v.form.value(0))
	case exportDone, exportFailed:
		return func() tea.Msg { return BackMsg{} }
	}
	return nil
}

// start runs the export in a job.
func (v *BackupView) start(path string) tea.Cmd {
	if path == "" {
		v.result = "Type a path first."
		return nil
	}
	v.step, v.pct, v.result, v.job = exportRunning, 0, "", newJob(1)
	core := v.core
	return v.job.Start(func(ctx context.Context, p Progress) (any, error) {
		return core.ExportBackup(ctx, path, p)
	})
}

// handleJob follows the export's progress and takes the key at its end.
func (v *BackupView) handleJob(msg jobMsg) tea.Cmd {
	if v.step != exportRunning {
		return nil
	}
	if !msg.finished {
		v.pct = fraction(msg.done, msg.total)
		return msg.next
	}
	if msg.err != nil {
		v.step, v.result = exportFailed, "Backup failed: "+SanitizeLine(msg.err.Error())
		return nil
	}
	key, _ := msg.value.(string)
	if key = digitsOnly(key); len(key) != recoveryKeyDigits {
		v.step, v.result = exportFailed, "Backup failed: the core returned a malformed recovery key."
		return nil
	}
	v.step, v.key, v.pct = exportShowKey, key, 1
	return nil
}

// check compares the typed key with the one shown, ignoring spaces.
func (v *BackupView) check(typed string) {
	if subtle.ConstantTimeCompare([]byte(digitsOnly(typed)), []byte(v.key)) != 1 {
		v.result = "That is not the key. Check what you wrote, or press esc to see it again."
		return
	}
	// Drop our copy: the key now exists only on the user's paper.
	v.step, v.key, v.result = exportDone, "", ""
}

// ShortHelp lists the keys of the current step.
func (v *BackupView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	if v.step == exportShowKey {
		return []key.Binding{km.Confirm}
	}
	return []key.Binding{km.Confirm, km.Back}
}

// FullHelp lists the screen's keys.
func (v *BackupView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.ShortHelp()}
}

// View renders the current step.
func (v *BackupView) View() string {
	st := v.common.Styles
	out := st.Title.Render("Export a backup") + "\n\n"
	switch v.step {
	case exportPath:
		out += "The backup holds your contacts, messages and identity, sealed\n" +
			"under a new recovery key.\n\n" + v.form.view(st)
	case exportRunning:
		out += "Writing the backup…\n\n" + v.bar.ViewAs(v.pct)
	case exportShowKey:
		out += st.Warning.Render("Write this recovery key down now. It is shown only once,") +
			"\n" + st.Warning.Render("and without it the backup cannot be opened.") + "\n\n" +
			st.Digits.Render(digitRows(groupDigits(v.key, 4), 4)) + "\n\n" +
			"Press enter once it is written down."
	case exportConfirm:
		out += "Type the recovery key you wrote down, to check it.\n\n" + v.form.view(st)
	case exportDone:
		out += st.Success.Render("Backup saved. Keep the key apart from the file.") +
			"\n\nPress enter to go back."
	case exportFailed:
		out += st.Error.Render(v.result) + "\n\nPress enter to go back."
		return out
	}
	if v.result != "" {
		out += "\n\n" + st.Error.Render(v.result)
	}
	return out
}

// groupDigits splits s into groups of n characters.
func groupDigits(s string, n int) []string {
	var g []string
	for i := 0; i < len(s); i += n {
		g = append(g, s[i:min(i+n, len(s))])
	}
	return g
}

// digitsOnly keeps the ASCII digits of s.
func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// fraction is done/total as a fraction in [0, 1]; 0 when total is unknown.
func fraction(done, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return min(1, max(0, float64(done)/float64(total)))
}
