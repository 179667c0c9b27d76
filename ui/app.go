package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// screen is what the root model shows.
type screen int

// The screens.
const (
	screenStart screen = iota // asking the opener whether a profile exists
	screenOpen                // onboarding or unlock, in page
	screenMain                // contacts, chat and composer
	screenPage                // verification, backup or restore, in page
)

// existsMsg carries whether the profile exists.
type existsMsg struct {
	exists bool
	err    error
}

// App is the root model: it routes between onboarding or unlock, the main
// screen (contact list, chat view, composer) and the full-screen pages
// (verification, backup, restore, automatic backups), with the help overlay and the status
// bar on top.
type App struct {
	common   Common
	opener   Opener
	core     Core
	screen   screen
	page     Component // onboarding, unlock, verify, backup, restore or automatic backups
	showHelp bool
	focus    focus
	contacts *ContactList
	chat     *ChatView
	composer *Composer
	status   *StatusBar
	help     *HelpView
	fileJob  *job
	fatal    error
	// hintRows is how many lines of keys the main screen was laid out
	// around; View lays it out again when the focused pane's keys take
	// another number of lines.
	hintRows int
	// typingOut is what the open chat's contact knows of our typing.
	typingOut typingOut
}

var _ tea.Model = (*App)(nil)

// NewApp returns the root model for a profile that the opener creates or
// unlocks.
func NewApp(c Common, o Opener) *App {
	return &App{common: c, opener: o, screen: screenStart,
		status: NewStatusBar(c), help: NewHelpView(c)}
}

// NewMainApp returns the root model for a profile already open.
func NewMainApp(c Common, core Core) *App {
	a := NewApp(c, nil)
	a.openMain(core)
	return a
}

// ProgramOptions are the options the interface expects its tea.Program to
// run with: the alternate screen. Mouse reports (for the chat's wheel)
// are turned on by the main screen only, so that the mouse selects text,
// an invite or a safety number, everywhere else.
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithAltScreen()}
}

// Init asks whether the profile exists, or loads the main screen.
func (a *App) Init() tea.Cmd {
	if a.core != nil {
		return a.loadMain()
	}
	o := a.opener
	return func() tea.Msg {
		ok, err := o.Exists()
		return existsMsg{ok, err}
	}
}

// Update is the root of all messages: the global keys first, then the
// screen's own handlers.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.handleResize(msg.Width, msg.Height)
	case tea.KeyMsg:
		return a, a.handleKey(msg)
	case existsMsg:
		a.handleExists(msg)
	case OpenedMsg:
		a.openMain(msg.Core)
		return a, a.loadMain()
	case BackMsg:
		return a, a.handleBack()
	case AutoBackupPageMsg:
		return a, a.setPage(NewAutoBackupView(a.common, a.core), screenPage)
	case eventMsg:
		if a.core == nil || msg.from != a.core.Events() {
			return a, nil // from a core a restore replaced
		}
		return a, tea.Batch(a.handleEvent(msg.ev), ListenCmd(msg.from))
	case chat.Event: // sent straight to the model, by tests
		return a, a.handleEvent(msg)
	case eventsClosedMsg:
		if a.core == nil || msg.from != a.core.Events() {
			return a, nil
		}
		return a, a.status.SetNotice("The messenger core stopped", true)
	case CoreSwappedMsg:
		return a, a.swapCore(msg.Core)
	case summaryMsg:
		return a, a.handleSummary(msg)
	case groupMsg:
		if a.chat != nil {
			_, cmd := a.chat.Update(msg)
			return a, cmd
		}
	case groupDoneMsg:
		return a, a.handleGroupDone(msg)
	case VerifyMemberMsg:
		return a, a.setPage(NewVerifyView(a.common, a.core, msg.Contact), screenPage)
	case OpenAtMsg:
		return a, a.openAt(msg)
	case SubmitMsg, ComposeMsg, CommandMsg, OpenChatMsg, sentMsg, contactsMsg, statusMsg:
		return a, a.handleMain(msg)
	case contactAddedMsg, VerifiedMsg, RestoredMsg, errMsg, noticeMsg:
		return a, a.handleResult(msg)
	case noticeExpiredMsg:
		msg.n.expire(msg.id)
	case typingExpiredMsg:
		if a.chat != nil {
			a.chat.expireTyping(msg)
		}
	case typingIdleMsg:
		return a, a.typingIdle(msg)
	default:
		return a, a.forward(msg)
	}
	return a, nil
}

// handleResize sizes every component for the new terminal size.
func (a *App) handleResize(w, h int) {
	a.common.SetSize(w, h)
	a.status.SetSize(w, 1)
	a.help.SetSize(w, h)
	if a.page != nil {
		a.page.SetSize(w, h-2)
	}
	if a.contacts != nil {
		a.layoutMain()
	}
}

// handleExists starts onboarding or unlock.
func (a *App) handleExists(msg existsMsg) {
	switch {
	case msg.err != nil:
		a.fatal = msg.err
	case msg.exists:
		a.setPage(NewUnlock(a.common, a.opener), screenOpen)
	default:
		a.setPage(NewOnboarding(a.common, a.opener), screenOpen)
	}
}

// setPage shows a full-screen page, with the mouse left to the terminal
// for selecting text.
func (a *App) setPage(p Component, s screen) tea.Cmd {
	a.page, a.screen, a.showHelp = p, s, false
	p.SetSize(a.common.Width, a.common.Height-2)
	return tea.Batch(p.Init(), tea.DisableMouse)
}

// handleBack returns from a page or the help overlay to the main screen.
func (a *App) handleBack() tea.Cmd {
	if a.showHelp {
		a.showHelp = false
		return nil
	}
	if a.screen == screenPage {
		a.page, a.screen = nil, screenMain
		return tea.EnableMouseCellMotion
	}
	return nil
}

// handleKey handles the global keys, then hands the key to the overlay,
// the page or the main screen.
func (a *App) handleKey(msg tea.KeyMsg) tea.Cmd {
	km := a.common.KeyMap
	msg = asText(msg, a.typing())
	switch {
	case key.Matches(msg, km.Quit):
		return tea.Quit
	case a.showHelp:
		_, cmd := a.help.Update(msg)
		return cmd
	case key.Matches(msg, km.HelpAnywhere) || key.Matches(msg, km.Help) && !a.typing():
		a.help.SetKeys(a.keys())
		a.showHelp = true
		return nil
	case a.screen == screenMain:
		return a.handleMainKey(msg)
	case a.page != nil:
		_, cmd := a.page.Update(msg)
		return cmd
	}
	return nil
}

// typing reports whether keys go to a text field, where runes ("?", "v",
// or a pasted "down") are text.
func (a *App) typing() bool {
	switch {
	case a.showHelp:
		return false
	case a.screen == screenMain:
		return a.focus == focusComposer
	}
	t, ok := a.page.(typist)
	return ok && t.typing()
}

// keys returns the key bindings of what has the keyboard, for help.
func (a *App) keys() help.KeyMap {
	switch {
	case a.screen != screenMain && a.page != nil:
		return a.page
	case a.focus == focusContacts:
		return a.contacts
	case a.narrow() && a.focus == focusChat:
		return withKeys{a.chat, a.common.KeyMap.ShowContacts}
	case a.focus == focusChat:
		return a.chat
	case a.narrow():
		return withKeys{a.composer, a.common.KeyMap.ShowContacts}
	}
	return a.composer
}

// withKeys is a part's key map with one more key first, for the help.
type withKeys struct {
	help.KeyMap
	first key.Binding
}

// ShortHelp lists the extra key, then the part's.
func (k withKeys) ShortHelp() []key.Binding {
	return append([]key.Binding{k.first}, k.KeyMap.ShortHelp()...)
}

// forward hands other messages (pages of a chat, job progress, results
// of a page's calls) to the page or the chat view.
func (a *App) forward(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(jobMsg); ok && a.fileJob != nil && m.id == a.fileJob.id {
		return a.handleFileJob(m)
	}
	if a.page != nil {
		_, cmd := a.page.Update(msg)
		return cmd
	}
	if a.chat != nil {
		_, cmd := a.chat.Update(msg)
		return cmd
	}
	return nil
}

// Core returns the messenger the interface runs on now: a restore replaces
// the one it started with, and whoever started the interface closes this
// one when it ends. Nil before a profile is open.
func (a *App) Core() Core { return a.core }
