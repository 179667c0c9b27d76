package ui

import (
	"context"
	"errors"
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

// restoreStep is where the restore screen is.
type restoreStep int

// The restore steps, in order.
const (
	restoreForm    restoreStep = iota // asking for the file and the key
	restoreConfirm                    // saying what a restore replaces; y or esc
	restoreRunning                    // restoring, with progress
	restoreDone                       // restored: what came back
	restoreOther                      // the backup is of another identity; y forces, esc keeps
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

// Restorer is what the restore screen needs: the backups, and the
// profile's name and contacts, to say what a restore replaces.
type Restorer interface {
	Backups
	// Name is the profile's display name.
	Name(ctx context.Context) (string, error)
	// Summaries lists the contacts (the screen counts them).
	Summaries(ctx context.Context) ([]chat.Summary, error)
}

// restoreProfileMsg carries what the confirmation says about the profile
// a restore replaces.
type restoreProfileMsg struct {
	name     string
	contacts int
	err      error
}

// restored is what a restore's job returns.
type restored struct {
	core   *chat.Messenger // nil: the same core goes on
	result chat.RestoreResult
}

// RestoreView restores a backup: a path and a recovery key, a
// confirmation that says what is replaced, a progress bar, and the
// result.
type RestoreView struct {
	common      Common
	core        Restorer
	step        restoreStep
	form        form
	bar         progress.Model
	done, total int64 // bytes of the backup read, of its size
	job         *job
	cancelling  bool
	profile     restoreProfileMsg // the zero value until loaded
	path        string
	key         chat.RecoveryKey
	result      string
	failed      bool
	other       *chat.OtherIdentityError // why the restore was refused, on restoreOther
}

var _ Component = (*RestoreView)(nil)

// NewRestoreView returns the restore screen.
func NewRestoreView(c Common, core Restorer) *RestoreView {
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

// Init loads the profile's name and contact count, for the confirmation.
func (v *RestoreView) Init() tea.Cmd { return restoreProfileCmd(v.core) }

// restoreProfileCmd loads what the confirmation says about the profile.
func restoreProfileCmd(c Restorer) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		name, err := c.Name(ctx)
		if err != nil {
			return restoreProfileMsg{err: err}
		}
		all, err := c.Summaries(ctx)
		people := 0
		for _, s := range all {
			if !isGroup(s.Contact) { // the groups are in the summaries too
				people++
			}
		}
		return restoreProfileMsg{name: name, contacts: people, err: err}
	}
}

// Update runs the restore's steps.
func (v *RestoreView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case restoreProfileMsg:
		v.profile = msg
	case jobMsg:
		return v, v.handleJob(msg)
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	}
	return v, nil
}

// handleKey hands the key to the current step.
func (v *RestoreView) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	msg = asText(msg, v.typing())
	switch v.step {
	case restoreConfirm, restoreOther:
		return v.handleConfirmKey(msg)
	case restoreRunning:
		if key.Matches(msg, km.Back) && v.cancellable() {
			v.cancelling = true
			v.job.cancel()
		}
		return nil
	case restoreDone:
		if key.Matches(msg, km.Back) || key.Matches(msg, km.Confirm) {
			return func() tea.Msg { return BackMsg{} }
		}
		return nil
	}
	return v.handleFormKey(msg)
}

// handleFormKey moves between the fields, and asks for confirmation.
func (v *RestoreView) handleFormKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	switch {
	case key.Matches(msg, km.Back):
		return func() tea.Msg { return BackMsg{} }
	case v.form.navigate(msg, km):
	case key.Matches(msg, km.Submit) && v.form.focus == fieldBackupPath && v.form.empty(fieldBackupPath):
		v.result, v.failed = "Type the backup file's path.", true
	case key.Matches(msg, km.Submit) && v.form.focus == fieldBackupPath:
		v.result, v.failed = "", false
		v.form.move(1)
	case key.Matches(msg, km.Submit):
		v.ask()
	default:
		return v.form.update(msg)
	}
	return nil
}

// handleConfirmKey starts the restore on y (forced, on the second
// confirmation that the backup is of another identity); esc goes back to
// the form with nothing touched.
func (v *RestoreView) handleConfirmKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	switch {
	case key.Matches(msg, km.Yes):
		return v.start(v.step == restoreOther)
	case key.Matches(msg, km.Back):
		v.step, v.key = restoreForm, chat.RecoveryKey{}
		v.result, v.failed = "Restore cancelled: nothing was changed.", false
	}
	return nil
}

// typing reports whether a field has the keyboard: on the form only.
func (v *RestoreView) typing() bool { return v.step == restoreForm }

// cancellable reports whether esc may still stop the restore: until the
// whole backup is read. After that the restored profile is being swapped
// in and opened, which a cancel would not undo.
func (v *RestoreView) cancellable() bool {
	return !v.cancelling && (v.total <= 0 || v.done < v.total)
}

// ask checks the fields and moves to the confirmation.
func (v *RestoreView) ask() {
	path := strings.TrimSpace(v.form.value(fieldBackupPath))
	raw := v.form.value(fieldRecoveryKey)
	rk := digitsOnly(raw)
	switch {
	case path == "":
		v.result, v.failed = "Type the backup file's path.", true
		v.form.move(fieldBackupPath - v.form.focus)
		return
	case len(rk) != recoveryKeyDigits:
		v.result, v.failed = fmt.Sprintf("A recovery key has 64 digits; this one has %d.", len(rk)), true
		return
	}
	key, err := chat.ParseRecoveryKey(raw)
	if err != nil {
		v.result, v.failed = "A recovery key is 64 digits, with spaces or dashes between them if you like.", true
		return
	}
	v.step, v.path, v.key, v.result, v.failed = restoreConfirm, path, key, "", false
}

// start runs the confirmed restore in a job; force restores a backup of
// another identity. The key is kept until the job ends, for the second
// confirmation that a refusal of another identity asks.
func (v *RestoreView) start(force bool) tea.Cmd {
	v.step, v.done, v.total, v.cancelling, v.job = restoreRunning, 0, 0, false, newJob(2)
	core, path, key := v.core, v.path, v.key
	var opts []chat.RestoreOption
	if force {
		opts = append(opts, chat.ForceRestore())
	}
	return v.job.Start(func(ctx context.Context, p progressFunc) (any, error) {
		m, res, err := core.Restore(ctx, path, key, p.records, opts...)
		return restored{m, res}, err
	})
}

// handleJob follows the restore and reports its result.
func (v *RestoreView) handleJob(msg jobMsg) tea.Cmd {
	if v.step != restoreRunning {
		return nil
	}
	if !msg.finished {
		v.done, v.total = msg.done, msg.total
		return msg.next
	}
	out, _ := msg.value.(restored)
	var next Core // stays a nil interface when the same core goes on
	if out.core != nil {
		v.core, next = out.core, out.core
	}
	var other *chat.OtherIdentityError
	if errors.As(msg.err, &other) {
		v.step, v.other = restoreOther, other
		return swapCmd(next)
	}
	v.key = chat.RecoveryKey{}
	if msg.err != nil {
		v.step, v.failed = restoreForm, true
		v.result = "Restore failed: " + ErrorText(msg.err) + ". Your profile is unchanged."
		if errors.Is(msg.err, context.Canceled) {
			v.result, v.failed = "Restore cancelled. Your profile is unchanged.", false
		}
		return swapCmd(next)
	}
	res := out.result
	v.step, v.failed = restoreDone, false
	v.result = fmt.Sprintf("Restored %d contacts and %d messages. "+
		"Every contact gets a fresh session.", res.Contacts, res.Messages)
	return func() tea.Msg { return RestoredMsg{Result: res, Core: next} }
}

// swapCmd reports the core that replaces the one a failed restore closed;
// nil when the same core goes on.
func swapCmd(next Core) tea.Cmd {
	if next == nil {
		return nil
	}
	return func() tea.Msg { return CoreSwappedMsg{Core: next} }
}

// ShortHelp lists the keys of the current step.
func (v *RestoreView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	switch v.step {
	case restoreConfirm, restoreOther:
		return []key.Binding{km.Yes, km.Back}
	case restoreRunning:
		if v.cancellable() {
			return []key.Binding{km.Cancel}
		}
		return nil
	case restoreDone:
		return []key.Binding{km.Confirm}
	}
	return []key.Binding{km.Submit, km.NextField, km.Back}
}

// FullHelp lists the screen's keys.
func (v *RestoreView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.ShortHelp()}
}
