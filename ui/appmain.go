package ui

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// composerHeight is the composer's height: two lines of text and a hint.
const composerHeight = 3

// openMain builds the main screen around an open core.
func (a *App) openMain(core Core) {
	a.core, a.screen, a.page = core, screenMain, nil
	a.contacts = NewContactList(a.common)
	a.chat = NewChatView(a.common, core)
	a.composer = NewComposer(a.common)
	a.setFocus(focusContacts)
	if a.common.Width > 0 {
		a.layoutMain()
	}
}

// loadMain loads the contacts and the status and starts listening to the
// core's events.
func (a *App) loadMain() tea.Cmd {
	return tea.Batch(ContactsCmd(a.core), StatusCmd(a.core), ListenCmd(a.core.Events()), tea.EnableMouseCellMotion)
}

// layoutMain sizes the three panes: the contact list on the left, the chat
// over the composer on the right, each inside a border.
func (a *App) layoutMain() {
	w, h := a.common.Width, a.common.Height-2
	leftW := min(max(w/4, 20), 32)
	a.contacts.SetSize(leftW-2, h-2)
	a.chat.SetSize(w-leftW-2, h-composerHeight-4)
	a.composer.SetSize(w-leftW-2, composerHeight)
}

// setFocus gives the keyboard to a pane.
func (a *App) setFocus(f focus) tea.Cmd {
	a.focus = f
	a.contacts.SetFocused(f == focusContacts)
	if f == focusComposer {
		return a.composer.Focus()
	}
	a.composer.Blur()
	return nil
}

// handleMainKey handles the main screen's own keys, then hands the key
// to the focused pane.
func (a *App) handleMainKey(msg tea.KeyMsg) tea.Cmd {
	km := a.common.KeyMap
	switch {
	case key.Matches(msg, km.NextUnread):
		return a.jumpUnread()
	case key.Matches(msg, km.Back) && a.fileJob != nil:
		a.fileJob.cancel()
		return nil
	case key.Matches(msg, km.NextFocus) && !(a.focus == focusComposer && a.composer.Completing()):
		return a.setFocus(cycleFocus(a.focus, +1))
	case key.Matches(msg, km.PrevFocus):
		return a.setFocus(cycleFocus(a.focus, -1))
	case key.Matches(msg, km.PageUp), key.Matches(msg, km.PageDown),
		key.Matches(msg, km.Bottom) && (a.focus != focusComposer || a.composer.Value() == ""):
		_, cmd := a.chat.Update(msg) // the chat scrolls from any pane
		return cmd
	case a.focus != focusComposer && key.Matches(msg, km.Verify):
		return a.openVerify()
	case a.focus != focusComposer && key.Matches(msg, km.Backup):
		return a.setPage(NewBackupView(a.common, a.core), screenPage)
	case a.focus != focusComposer && key.Matches(msg, km.Restore):
		return a.setPage(NewRestoreView(a.common, a.core), screenPage)
	}
	var cmd tea.Cmd
	switch a.focus {
	case focusContacts:
		_, cmd = a.contacts.Update(msg)
	case focusChat:
		_, cmd = a.chat.Update(msg)
	default:
		_, cmd = a.composer.Update(msg)
	}
	return cmd
}

// jumpUnread opens the next chat with unread messages.
func (a *App) jumpUnread() tea.Cmd {
	cur, _ := a.chat.Contact()
	id, ok := nextUnread(a.contacts.Items(), cur.ID)
	if !ok {
		return a.status.SetNotice("No unread messages", false)
	}
	a.contacts.Select(id)
	c, _ := a.contacts.Selected()
	return a.openChat(c)
}

// openChat opens a contact's chat and gives the composer the keyboard.
func (a *App) openChat(c ContactItem) tea.Cmd {
	a.contacts.Select(c.ID)
	return tea.Batch(a.chat.Open(c), a.setFocus(focusComposer))
}

// openVerify opens the verification screen for the open chat's contact.
func (a *App) openVerify() tea.Cmd {
	c, ok := a.chat.Contact()
	if !ok {
		c, ok = a.contacts.Selected()
	}
	if !ok {
		return a.status.SetNotice("Open a chat to verify its contact", true)
	}
	return a.setPage(NewVerifyView(a.common, a.core, c), screenPage)
}

// handleMain handles what the main screen's panes and the core's answers
// ask for.
func (a *App) handleMain(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case SubmitMsg:
		c, ok := a.chat.Contact()
		if !ok {
			return a.composer.SetHint("Open a chat first (tab to the contact list).", true)
		}
		return SendCmd(a.core, c.ID, msg.Text)
	case CommandMsg:
		return a.handleCommand(msg)
	case OpenChatMsg:
		return a.openChat(msg.Contact)
	case sentMsg:
		note := a.handleSent(msg)
		_, cmd := a.chat.Update(msg)
		return tea.Batch(note, cmd)
	case contactsMsg:
		return a.handleContacts(msg)
	case statusMsg:
		if msg.err != nil {
			return errCmd(msg.err)
		}
		a.status.SetStatus(msg.status)
	}
	return nil
}

// handleSent explains a message that could not be sent, and gives its
// text back to the composer so that nothing typed is lost.
func (a *App) handleSent(msg sentMsg) tea.Cmd {
	if msg.err == nil {
		return nil
	}
	if a.composer.Value() == "" {
		a.composer.SetValue(msg.text)
	}
	if errors.Is(msg.err, ErrKeyNotAccepted) {
		return a.composer.SetHint("Not sent: their key changed. Tab to the chat and press v to verify.", true)
	}
	return a.composer.SetHint("Not sent: "+SanitizeLine(msg.err.Error()), true)
}

// handleContacts shows the loaded contact list.
func (a *App) handleContacts(msg contactsMsg) tea.Cmd {
	if msg.err != nil {
		return errCmd(msg.err)
	}
	a.contacts.SetItems(msg.items)
	if c, ok := a.chat.Contact(); ok {
		for _, it := range msg.items {
			if it.ID == c.ID {
				a.chat.SetContact(it)
			}
		}
	}
	return nil
}

// handleEvent applies an event from the core and listens for the next.
func (a *App) handleEvent(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case MessageEvent, ReceiptEvent:
		_, cmd = a.chat.Update(msg)
	case ContactEvent:
		a.contacts.Upsert(msg.Contact)
		a.chat.SetContact(msg.Contact)
	case StatusEvent:
		a.status.SetStatus(msg.Status)
	case BackupWrittenEvent:
		cmd = a.status.SetNotice(backupNotice(msg, a.common.now()))
	case eventsClosedMsg:
		return a.status.SetNotice("The messenger core stopped", true)
	}
	return tea.Batch(cmd, ListenCmd(a.core.Events()))
}

// backupNotice is the status bar's line about an automatic backup, short
// enough for 80 columns: the time rather than the file's long name.
func backupNotice(e BackupWrittenEvent, now time.Time) (text string, isErr bool) {
	if e.Err != nil {
		return "Backup failed: " + SanitizeLine(e.Err.Error()), true
	}
	return "Backup written at " + now.Format("15:04"), false
}

// errCmd reports an error on the status bar.
func errCmd(err error) tea.Cmd {
	return func() tea.Msg { return errMsg{err} }
}

// handleFileJob shows a file's progress under the composer.
func (a *App) handleFileJob(m jobMsg) tea.Cmd {
	if !m.finished {
		a.composer.holdHint("sending… " + progressText(fraction(m.done, m.total)) + " · esc cancels")
		return m.next
	}
	a.fileJob = nil
	switch {
	case errors.Is(m.err, context.Canceled):
		return a.composer.SetHint("File not sent: cancelled.", false)
	case m.err != nil:
		return a.composer.SetHint("File not sent: "+SanitizeLine(m.err.Error()), true)
	}
	return a.composer.SetHint("File sent.", false)
}

// sendFile sends a file to the open chat in a job that Esc cancels.
func (a *App) sendFile(path string) tea.Cmd {
	c, ok := a.chat.Contact()
	switch {
	case !ok:
		return a.composer.SetHint("Open a chat first.", true)
	case a.fileJob != nil:
		return a.composer.SetHint("A file is being sent already.", true)
	}
	a.fileJob = newJob(3)
	a.composer.holdHint("sending " + SanitizeLine(filepath.Base(path)) + "…")
	core := a.core
	return a.fileJob.Start(func(ctx context.Context, p Progress) (any, error) {
		return nil, core.SendFile(ctx, c.ID, path, p)
	})
}
