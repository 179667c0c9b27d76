package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
)

// The restore screen's fields.
const (
	fieldBackupPath = iota
	fieldRecoveryKey
)

// RestoredMsg reports a finished restore, so that the main screen reloads.
type RestoredMsg struct {
	// Result counts what came back.
	Result RestoreResult
}

// RestoreView restores a backup: a path and a recovery key, a progress
// bar, and the result.
type RestoreView struct {
	common  Common
	core    Backups
	form    form
	bar     progress.Model
	pct     float64
	job     *job
	running bool
	result  string
	failed  bool
}

var _ Component = (*RestoreView)(nil)

// NewRestoreView returns the restore screen.
func NewRestoreView(c Common, core Backups) *RestoreView {
	v := &RestoreView{common: c, core: core,
		form: newForm("Backup file", "Recovery key"),
		bar:  progress.New(progress.WithSolidFill("#5fafff"))}
	v.form.inputs[fieldRecoveryKey].Placeholder = "64 digits, spaces allowed"
	return v
}

// SetSize sets the screen's size.
func (v *RestoreView) SetSize(width, height int) {
	v.common.SetSize(width, height)
	v.form.setWidth(min(width, 90))
	v.bar.Width = min(width-4, 60)
}

// Init does nothing.
func (v *RestoreView) Init() tea.Cmd { return nil }

// Update runs the restore.
func (v *RestoreView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case jobMsg:
		return v, v.handleJob(msg)
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	}
	return v, nil
}

// handleKey moves between the fields, starts and cancels.
func (v *RestoreView) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	msg = asText(msg, v.typing())
	switch {
	case key.Matches(msg, km.Back) && v.running:
		v.job.cancel()
	case key.Matches(msg, km.Back):
		return func() tea.Msg { return BackMsg{} }
	case v.running:
	case v.form.navigate(msg, km):
	case key.Matches(msg, km.Submit) && v.form.focus == fieldBackupPath && v.form.empty(fieldBackupPath):
		v.result, v.failed = "Type the backup file's path.", true
	case key.Matches(msg, km.Submit) && v.form.focus == fieldBackupPath:
		v.result, v.failed = "", false
		v.form.move(1)
	case key.Matches(msg, km.Submit):
		return v.start()
	default:
		return v.form.update(msg)
	}
	return nil
}

// typing reports whether a field has the keyboard: while no restore runs.
func (v *RestoreView) typing() bool { return !v.running }

// start checks the fields and runs the restore in a job.
func (v *RestoreView) start() tea.Cmd {
	path := strings.TrimSpace(v.form.value(fieldBackupPath))
	rk := digitsOnly(v.form.value(fieldRecoveryKey))
	switch {
	case path == "":
		v.result, v.failed = "Type the backup file's path.", true
		v.form.move(fieldBackupPath - v.form.focus)
		return nil
	case len(rk) != recoveryKeyDigits:
		v.result, v.failed = fmt.Sprintf("A recovery key has 64 digits; this one has %d.", len(rk)), true
		return nil
	}
	v.running, v.pct, v.result, v.failed, v.job = true, 0, "", false, newJob(2)
	core := v.core
	return v.job.Start(func(ctx context.Context, p Progress) (any, error) {
		return core.RestoreBackup(ctx, path, rk, p)
	})
}

// handleJob follows the restore and reports its result.
func (v *RestoreView) handleJob(msg jobMsg) tea.Cmd {
	if !v.running {
		return nil
	}
	if !msg.finished {
		v.pct = fraction(msg.done, msg.total)
		return msg.next
	}
	v.running = false
	if msg.err != nil {
		v.result, v.failed = "Restore failed: "+SanitizeLine(msg.err.Error())+
			". Your profile is unchanged.", true
		return nil
	}
	res := msg.value.(RestoreResult)
	v.pct, v.failed = 1, false
	v.result = fmt.Sprintf("Restored %d contacts and %d messages. "+
		"Every contact gets a fresh session.", res.Contacts, res.Messages)
	return func() tea.Msg { return RestoredMsg{Result: res} }
}

// ShortHelp lists the screen's keys.
func (v *RestoreView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	return []key.Binding{km.Submit, km.NextField, km.Back}
}

// FullHelp lists the screen's keys.
func (v *RestoreView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.ShortHelp()}
}

// View renders the fields, the progress bar and the result.
func (v *RestoreView) View() string {
	st := v.common.Styles
	out := st.Title.Render("Restore a backup") + "\n\n" +
		"Restoring replaces this profile's contacts and messages with the\n" +
		"backup's. Nothing changes unless the whole file checks out.\n\n" +
		v.form.view(st)
	if v.running || v.pct > 0 {
		out += "\n\n" + v.bar.ViewAs(v.pct)
	}
	if v.result != "" {
		res := st.Success
		if v.failed {
			res = st.Error
		}
		out += "\n\n" + res.Width(min(v.common.Width, 70)).Render(v.result)
	}
	return out
}
