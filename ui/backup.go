package ui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// exportStep is where the export screen is.
type exportStep int

// The export steps, in order.
const (
	exportPath    exportStep = iota // asking where to write
	exportRunning                   // writing, with progress
	exportKey                       // showing the recovery key once, then asking it back
	exportDone                      // confirmed
	exportFailed                    // the export failed
)

// AutoBackupPageMsg asks the root model to open the automatic-backup
// settings in place of the current page.
type AutoBackupPageMsg struct{}

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
	check  keyConfirm
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
	v.check.setWidth(width)
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
	msg = asText(msg, v.typing())
	switch {
	case key.Matches(msg, km.Back):
		return v.back()
	case key.Matches(msg, km.Confirm):
		return v.confirm()
	case v.step == exportPath && key.Matches(msg, km.AutoBackup):
		return func() tea.Msg { return AutoBackupPageMsg{} }
	case v.step == exportPath:
		return v.form.update(msg)
	case v.step == exportKey:
		return v.check.update(msg)
	}
	return nil
}

// typing reports whether a field has the keyboard: the path, or the
// recovery key typed back.
func (v *BackupView) typing() bool {
	return v.step == exportPath || v.step == exportKey && v.check.phase == keyTyping
}

// back leaves the screen, cancels a running export, or shows the key
// again from the confirmation step. Leaving while the key is shown is not
// possible: the key would be lost with the screen.
func (v *BackupView) back() tea.Cmd {
	switch v.step {
	case exportRunning:
		v.job.cancel()
	case exportKey:
		v.check.back()
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
	case exportKey:
		if v.check.confirm(); v.check.phase == keyConfirmed {
			v.step = exportDone
		}
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
	return v.job.Start(func(ctx context.Context, p progressFunc) (any, error) {
		return core.ExportBackup(ctx, path, p.records)
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
		v.step, v.result = exportFailed, "Backup failed: "+ErrorText(msg.err)
		return nil
	}
	k, _ := msg.value.(chat.RecoveryKey)
	check, ok := newKeyConfirm(keyDigits(k), v.common.Width)
	if !ok {
		v.step, v.result = exportFailed, "Backup failed: the core returned a malformed recovery key."
		return nil
	}
	v.step, v.check, v.pct = exportKey, check, 1
	return nil
}

// ShortHelp lists the keys of the current step.
func (v *BackupView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	switch v.step {
	case exportKey:
		return v.check.keys(km)
	case exportPath:
		return []key.Binding{km.Confirm, km.Back, km.AutoBackup}
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
	case exportKey:
		return out + v.check.view(st, "the backup")
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

// records reports a backup's progress through p.
func (p progressFunc) records(pr chat.Progress) { p(pr.Done, pr.Total) }

// keyDigits is a recovery key's 64 digits, for showing once and typing
// back.
func keyDigits(k chat.RecoveryKey) string { return strings.ReplaceAll(k.Display(), " ", "") }
