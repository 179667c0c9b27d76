package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// Onboarding's fields.
const (
	fieldName = iota
	fieldPass
	fieldPassAgain
)

// Passphrase and name limits. Argon2id makes each guess slow, but only a
// passphrase with enough entropy makes guessing hopeless; eight characters
// is the floor we enforce, not a recommendation.
const (
	minPassphrase = chat.MinPassphrase
	maxName       = 64
)

// OpenedMsg reports that the profile is open: the root model shows the
// main screen with this core.
type OpenedMsg struct {
	// Core is the open profile's core.
	Core Core
}

// createdMsg carries the result of creating the profile.
type createdMsg struct {
	core   Core
	invite string
	err    error
}

// Onboarding is the first start: a display name and a passphrase typed
// twice, hidden; then the new profile's invite as text and QR code.
type Onboarding struct {
	common  Common
	opener  Opener
	form    form
	problem string
	busy    bool
	core    Core
	invite  string
}

var _ Component = (*Onboarding)(nil)

// NewOnboarding returns the first-start screen.
func NewOnboarding(c Common, o Opener) *Onboarding {
	f := newForm("Display name", "Passphrase", "Passphrase again")
	f.secret(fieldPass)
	f.secret(fieldPassAgain)
	f.inputs[fieldName].CharLimit = maxName
	return &Onboarding{common: c, opener: o, form: f}
}

// SetSize sets the screen's size.
func (o *Onboarding) SetSize(width, height int) {
	o.common.SetSize(width, height)
	o.form.setWidth(min(width, 60))
}

// Init does nothing.
func (o *Onboarding) Init() tea.Cmd { return nil }

// Update walks through the fields, creates the profile, shows the invite.
func (o *Onboarding) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case createdMsg:
		o.handleCreated(msg)
	case tea.KeyMsg:
		return o, o.handleKey(msg)
	}
	return o, nil
}

// handleKey moves between fields, submits, and leaves the invite screen.
func (o *Onboarding) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := o.common.KeyMap
	msg = asText(msg, o.typing())
	switch {
	case o.busy:
		return nil
	case o.core != nil && key.Matches(msg, km.Confirm):
		core := o.core
		return func() tea.Msg { return OpenedMsg{Core: core} }
	case o.core != nil && key.Matches(msg, km.Copy):
		return copyCmd(o.common.Terminal, o.invite)
	case o.core != nil:
		return nil
	case o.form.navigate(msg, km):
	case key.Matches(msg, km.Submit) && o.form.empty(o.form.focus):
		o.problem = fieldProblem(o.form.focus)
	case key.Matches(msg, km.Submit) && o.form.focus < fieldPassAgain:
		o.problem = ""
		o.form.move(1)
	case key.Matches(msg, km.Submit):
		return o.submit()
	default:
		return o.form.update(msg)
	}
	return nil
}

// typing reports whether a field has the keyboard: until the invite shows.
func (o *Onboarding) typing() bool { return o.core == nil }

// fieldProblem says what an empty onboarding field wants.
func fieldProblem(field int) string {
	switch field {
	case fieldName:
		return "Choose a display name: your contacts see it."
	case fieldPass:
		return "Choose a passphrase of at least 8 characters (a few random words are best)."
	}
	return "Type the passphrase again, to check it."
}

// submit checks the fields and creates the profile.
func (o *Onboarding) submit() tea.Cmd {
	name := strings.TrimSpace(o.form.value(fieldName))
	pass, again := o.form.value(fieldPass), o.form.value(fieldPassAgain)
	o.problem = onboardingProblem(name, pass, again)
	if o.problem != "" {
		field := fieldName
		if name != "" {
			o.form.set(fieldPass, "")
			o.form.set(fieldPassAgain, "")
			field = fieldPass
		}
		o.form.move(field - o.form.focus)
		return nil
	}
	o.busy = true
	opener := o.opener
	return func() tea.Msg {
		core, err := opener.Create(name, pass)
		if err != nil {
			return createdMsg{err: err}
		}
		invite, err := core.Invite()
		return createdMsg{core: core, invite: invite, err: err}
	}
}

// onboardingProblem says what is wrong with the fields, or "".
func onboardingProblem(name, pass, again string) string {
	switch {
	case name == "":
		return "Choose a display name: your contacts see it."
	case utf8.RuneCountInString(pass) < minPassphrase:
		return "Use a passphrase of at least 8 characters (a few random words are best)."
	case pass != again:
		return "The two passphrases differ. Type them again."
	}
	return ""
}

// handleCreated shows the invite, or why the profile could not be made.
func (o *Onboarding) handleCreated(msg createdMsg) {
	o.busy = false
	if msg.err != nil {
		o.problem = "Could not create the profile: " + ErrorText(msg.err)
		return
	}
	o.core, o.invite = msg.core, msg.invite
	o.form.set(fieldPass, "")
	o.form.set(fieldPassAgain, "")
}

// ShortHelp lists the screen's keys.
func (o *Onboarding) ShortHelp() []key.Binding {
	km := o.common.KeyMap
	if o.core != nil {
		return []key.Binding{km.Confirm, km.Copy}
	}
	return []key.Binding{km.Submit, km.NextField, km.Quit}
}

// FullHelp lists the screen's keys.
func (o *Onboarding) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }

// View renders the form, or the invite once the profile exists.
func (o *Onboarding) View() string {
	st := o.common.Styles
	if o.core != nil {
		return o.inviteView()
	}
	out := st.Title.Render("Welcome to ratchat") + "\n\n" +
		"Your name is shown to the contacts you add. The passphrase encrypts\n" +
		"everything ratchat stores; it cannot be recovered if you forget it.\n\n" +
		o.form.view(st)
	if o.busy {
		out += "\n\n" + st.Subtle.Render("Creating your keys…")
	}
	if o.problem != "" {
		out += "\n\n" + st.Error.Width(min(o.common.Width, 70)).Render(o.problem)
	}
	return out
}

// inviteView renders the new profile's invite as text and QR code.
func (o *Onboarding) inviteView() string {
	return renderInvite(o.common, o.invite, "Give it to a contact:\nthey add you with\n/add INVITE, or scan\nthe code.\n\nPress c to copy it,\nenter to start.")
}
