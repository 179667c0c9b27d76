package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// autoStep is where the automatic-backup screen is.
type autoStep int

// The steps of the automatic-backup screen.
const (
	autoLoading  autoStep = iota // reading the settings
	autoOverview                 // showing them: on or off
	autoEditing                  // the form that turns them on or changes them
	autoSaving                   // waiting for the core to turn them on or off
	autoKey                      // showing the new recovery key once, then asking it back
	autoFailed                   // the settings could not be read
)

// The settings form's fields.
const (
	fieldAutoFolder = iota
	fieldAutoEvery
	fieldAutoKeep
)

// AutoBackupView shows and changes the automatic-backup settings: whether
// they are on, the folder, the interval and how many are kept. Turning
// them on (or changing them) makes a new recovery key, shown once and
// typed back as on the export screen.
type AutoBackupView struct {
	common   Common
	core     Backups
	step     autoStep
	settings chat.AutoBackup
	on       bool // automatic backups are on
	form     form
	check    keyConfirm
	result   string
	failed   bool
}

var _ Component = (*AutoBackupView)(nil)

// NewAutoBackupView returns the automatic-backup screen; Init loads the
// settings.
func NewAutoBackupView(c Common, core Backups) *AutoBackupView {
	return &AutoBackupView{common: c, core: core, form: newAutoForm(chat.AutoBackup{}, false)}
}

// SetSize sets the screen's size.
func (v *AutoBackupView) SetSize(width, height int) {
	v.common.SetSize(width, height)
	v.form.setWidth(min(width, 80))
	v.check.setWidth(width)
}

// Init loads the settings.
func (v *AutoBackupView) Init() tea.Cmd { return AutoBackupCmd(v.core) }

// Update runs the screen's steps.
func (v *AutoBackupView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case autoSettingsMsg:
		v.handleSettings(msg)
	case autoEnabledMsg:
		return v, v.handleEnabled(msg)
	case autoDisabledMsg:
		v.handleDisabled(msg)
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	}
	return v, nil
}

// handleKey hands a key to the current step.
func (v *AutoBackupView) handleKey(msg tea.KeyMsg) tea.Cmd {
	msg = asText(msg, v.typing())
	switch v.step {
	case autoOverview:
		return v.handleOverviewKey(msg)
	case autoEditing:
		return v.handleFormKey(msg)
	case autoKey:
		return v.handleConfirmKey(msg)
	case autoFailed:
		if key.Matches(msg, v.common.KeyMap.Back) {
			return backCmd
		}
	}
	return nil // loading or saving: the core answers first
}

// typing reports whether a field has the keyboard: the settings form, or
// the recovery key typed back.
func (v *AutoBackupView) typing() bool {
	return v.step == autoEditing || v.step == autoKey && v.check.phase == keyTyping
}

// autoFieldProblem says what an empty settings field wants.
func autoFieldProblem(field int) string {
	switch field {
	case fieldAutoFolder:
		return "Type the folder the backups go into."
	case fieldAutoEvery:
		return "Type how often to back up, such as 24h, 90m or 7d."
	}
	return "Type how many backups to keep, or 0 to keep them all."
}

// handleOverviewKey leaves, opens the form, or turns backups off.
func (v *AutoBackupView) handleOverviewKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	switch {
	case key.Matches(msg, km.Back):
		return backCmd
	case key.Matches(msg, km.AutoOn):
		v.step, v.result, v.failed = autoEditing, "", false
		v.form = newAutoForm(v.settings, v.on)
		v.form.setWidth(min(v.common.Width, 80))
	case key.Matches(msg, km.AutoOff) && v.on:
		v.step, v.result, v.failed = autoSaving, "", false
		return DisableAutoBackupCmd(v.core)
	}
	return nil
}

// handleFormKey moves between the fields, goes back, or submits.
func (v *AutoBackupView) handleFormKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	switch {
	case key.Matches(msg, km.Back):
		v.step, v.result, v.failed = autoOverview, "", false
	case v.form.navigate(msg, km):
	case key.Matches(msg, km.Submit) && v.form.empty(v.form.focus):
		v.result, v.failed = autoFieldProblem(v.form.focus), true
	case key.Matches(msg, km.Submit) && v.form.focus != fieldAutoKeep:
		v.result, v.failed = "", false
		v.form.move(1)
	case key.Matches(msg, km.Submit):
		return v.submit()
	default:
		return v.form.update(msg)
	}
	return nil
}

// submit checks the form and asks the core to turn backups on.
func (v *AutoBackupView) submit() tea.Cmd {
	s, problem := parseAutoForm(v.form.value(fieldAutoFolder),
		v.form.value(fieldAutoEvery), v.form.value(fieldAutoKeep))
	if problem != "" {
		v.result, v.failed = problem, true
		return nil
	}
	v.step, v.result, v.failed = autoSaving, "", false
	return EnableAutoBackupCmd(v.core, s)
}

// handleConfirmKey runs the recovery key's confirmation.
func (v *AutoBackupView) handleConfirmKey(msg tea.KeyMsg) tea.Cmd {
	km := v.common.KeyMap
	switch {
	case key.Matches(msg, km.Back):
		v.check.back()
	case key.Matches(msg, km.Confirm):
		if v.check.confirm(); v.check.phase == keyConfirmed {
			v.step, v.failed = autoOverview, false
			v.result = "Automatic backups are on. Keep the key apart from the backups."
		}
	default:
		return v.check.update(msg)
	}
	return nil
}

// handleSettings shows the settings read.
func (v *AutoBackupView) handleSettings(msg autoSettingsMsg) {
	if msg.err != nil {
		v.step, v.failed = autoFailed, true
		v.result = "Could not read the settings: " + ErrorText(msg.err)
		return
	}
	v.step, v.settings, v.on = autoOverview, msg.settings, msg.on
}

// handleEnabled shows the new key, or why backups could not be turned on.
// A key that is not one is never shown: backups sealed under a key the
// user does not have are worse than none, so they are turned off again.
func (v *AutoBackupView) handleEnabled(msg autoEnabledMsg) tea.Cmd {
	if v.step != autoSaving {
		return nil
	}
	if msg.err != nil {
		v.step, v.failed = autoEditing, true
		v.result = "Could not turn automatic backups on: " + ErrorText(msg.err)
		return nil
	}
	check, ok := newKeyConfirm(keyDigits(msg.key), v.common.Width)
	if !ok {
		v.result, v.failed = "The core returned a malformed recovery key, "+
			"so automatic backups were turned off again.", true
		return DisableAutoBackupCmd(v.core)
	}
	v.step, v.settings, v.on, v.check = autoKey, msg.settings, true, check
	return nil
}

// handleDisabled shows the settings once backups are off.
func (v *AutoBackupView) handleDisabled(msg autoDisabledMsg) {
	if v.step != autoSaving {
		return
	}
	v.step = autoOverview
	if msg.err != nil {
		v.result, v.failed = "Could not turn automatic backups off: "+ErrorText(msg.err), true
		return
	}
	v.settings, v.on = chat.AutoBackup{}, false
	if !v.failed {
		v.result = "Turned off. The backups written so far stay in their folder."
	}
}

// ShortHelp lists the keys of the current step.
func (v *AutoBackupView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	switch v.step {
	case autoOverview:
		if v.on {
			return []key.Binding{km.AutoOn, km.AutoOff, km.Back}
		}
		return []key.Binding{km.AutoOn, km.Back}
	case autoEditing:
		return []key.Binding{km.Submit, km.NextField, km.Back}
	case autoKey:
		return v.check.keys(km)
	case autoFailed:
		return []key.Binding{km.Back}
	}
	return nil
}

// FullHelp lists the screen's keys.
func (v *AutoBackupView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.ShortHelp()}
}

// backCmd leaves the screen.
func backCmd() tea.Msg { return BackMsg{} }

// keepText says how many backups are kept.
func keepText(keep int) string {
	if keep == 0 {
		return "all"
	}
	return fmt.Sprintf("the newest %d", keep)
}
