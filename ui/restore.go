package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// The restore screen's fields.
const (
	fieldBackupPath = iota
	fieldRecoveryKey
)

// RestoredMsg reports a finished restore, so that the main screen reloads.
type RestoredMsg struct {
	// Result counts what came back.
	Result chat.RestoreResult
	// Core is the core that replaces the one the restore closed; nil
	// when the same core goes on.
	Core Core
}

// CoreSwappedMsg reports the core that replaces the one a restore closed
// (whether the restore succeeded or not), so that the interface talks to
// it and listens to its events from now on.
type CoreSwappedMsg struct {
	// Core is the new core.
	Core Core
}

// restored is what a restore's job returns.
type restored struct {
	core   *chat.Messenger // nil: the same core goes on
	result chat.RestoreResult
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
	raw := v.form.value(fieldRecoveryKey)
	rk := digitsOnly(raw)
	switch {
	case path == "":
		v.result, v.failed = "Type the backup file's path.", true
		v.form.move(fieldBackupPath - v.form.focus)
		return nil
	case len(rk) != recoveryKeyDigits:
		v.result, v.failed = fmt.Sprintf("A recovery key has 64 digits; this one has %d.", len(rk)), true
		return nil
	}
	key, err := chat.ParseRecoveryKey(raw)
	if err != nil {
		v.result, v.failed = "A recovery key is 64 digits, with spaces or dashes between them if you like.", true
		return nil
	}
	v.running, v.pct, v.result, v.failed, v.job = true, 0, "", false, newJob(2)
	core := v.core
	return v.job.Start(func(ctx context.Context, p progressFunc) (any, error) {
		m, res, err := core.Restore(ctx, path, key, p.records)
		return restored{m, res}, err
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
	out, _ := msg.value.(restored)
	var next Core // stays a nil interface when the same core goes on
	if out.core != nil {
		v.core, next = out.core, out.core
	}
	if msg.err != nil {
		v.result, v.failed = "Restore failed: "+SanitizeLine(msg.err.Error())+
			". Your profile is unchanged.", true
		if next == nil {
			return nil
		}
		return func() tea.Msg { return CoreSwappedMsg{Core: next} }
	}
	res := out.result
	v.pct, v.failed = 1, false
	v.result = fmt.Sprintf("Restored %d contacts and %d messages. "+
		"Every contact gets a fresh session.", res.Contacts, res.Messages)
	return func() tea.Msg { return RestoredMsg{Result: res, Core: next} }
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
