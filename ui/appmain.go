package ui

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// composerHeight is the composer's height: two lines of text and a hint.
// On a short screen (fewer than shortHeight rows) it keeps one line of
// text, so the chat above it still shows messages and both borders fit.
const (
	composerHeight = 3
	shortHeight    = 16
)

// composerLines is the composer's height on this screen.
func (a *App) composerLines() int {
	if a.common.Height < shortHeight {
		return composerHeight - 1
	}
	return composerHeight
}

// openMain builds the main screen around an open core.
func (a *App) openMain(core Core) {
	a.core, a.screen, a.page = core, screenMain, nil
	a.contacts = NewContactList(a.common)
	a.chat = NewChatView(a.common, core)
	a.chat.names = a.nameOf
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

// narrowWidth is the width below which the main screen shows one pane at
// a time: the contact list, or the chat over the composer.
const narrowWidth = 60

// narrow reports whether the main screen shows one pane at a time.
func (a *App) narrow() bool { return a.common.Width < narrowWidth }

// layoutMain sizes the three panes: the contact list on the left, the chat
// over the composer on the right, each inside a border; on a narrow
// screen each takes the whole width, and one shows at a time.
func (a *App) layoutMain() {
	a.hintRows = len(a.hintLines(a.common.Width))
	w, h := a.common.Width, a.common.Height-1-a.hintRows
	leftW := min(max(w/4, 20), 32)
	if a.narrow() {
		a.contacts.SetSize(w-2, h-2)
		leftW = 0
	} else {
		a.contacts.SetSize(leftW-2, h-2)
	}
	a.chat.SetSize(w-leftW-2, h-a.composerLines()-4)
	a.chat.SetOrigin(leftW+1, 1) // inside the chat pane's border
	a.composer.SetSize(w-leftW-2, a.composerLines())
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
	case a.focus == focusChat && a.chat.Captures(msg):
		// A selected message's action keys, or the answer to its
		// question, before the shortcuts the same letters are.
		_, cmd := a.chat.Update(msg)
		return cmd
	case key.Matches(msg, km.Back) && a.fileJob != nil:
		a.fileJob.cancel()
		return nil
	case key.Matches(msg, km.ShowContacts) && a.narrow() && a.focus != focusContacts:
		return a.setFocus(focusContacts)
	case key.Matches(msg, km.NextFocus) && !(a.focus == focusComposer && a.composer.Completing()):
		return a.setFocus(cycleFocus(a.focus, +1))
	case key.Matches(msg, km.PrevFocus):
		return a.setFocus(cycleFocus(a.focus, -1))
	case a.focus != focusComposer && (msg.Paste || msg.Type == tea.KeyRunes && string(msg.Runes) == "/"):
		// A command typed or text pasted from another pane goes to the
		// composer rather than nowhere.
		focus := a.setFocus(focusComposer)
		_, cmd := a.composer.Update(msg)
		return tea.Batch(focus, cmd)
	case key.Matches(msg, km.PageUp), key.Matches(msg, km.PageDown),
		key.Matches(msg, km.Bottom) && (a.focus != focusComposer || a.composer.Value() == ""):
		_, cmd := a.chat.Update(msg) // the chat scrolls from any pane
		return cmd
	case a.focus != focusComposer && key.Matches(msg, km.Verify):
		return a.openVerify()
	case a.focus != focusComposer && key.Matches(msg, km.Members):
		return a.showMembers()
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
		cmd = tea.Batch(cmd, a.composerChanged())
	}
	return cmd
}

// jumpUnread opens the next chat with unread messages.
func (a *App) jumpUnread() tea.Cmd {
	cur, _ := a.chat.Contact()
	id, ok := nextUnread(a.contacts.Items(), cur.Contact.ID)
	if !ok {
		return a.status.SetNotice("No unread messages", false)
	}
	a.contacts.Select(id)
	c, _ := a.contacts.Selected()
	return a.openChat(c)
}

// openChat opens a contact's chat and gives the composer the keyboard.
func (a *App) openChat(c chat.Summary) tea.Cmd {
	a.contacts.Select(c.Contact.ID)
	switch c.Contact.State {
	case chat.StateRequest:
		a.composer.holdHint(requestHint(c))
	case chat.StateBlocked:
		a.composer.holdHint(blockedHint)
	}
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
	if isGroup(c.Contact) {
		return a.status.SetNotice("No safety number for a group: g lists members", true)
	}
	return a.setPage(NewVerifyView(a.common, a.core, c.Contact), screenPage)
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
		switch {
		case msg.Target == (chat.MessageID{}):
			return SendCmd(a.core, c.Contact.ID, msg.Text)
		case msg.Edit:
			return EditCmd(a.core, c.Contact.ID, msg.Target, msg.Text)
		}
		return ReplyCmd(a.core, c.Contact.ID, msg.Target, msg.Text)
	case ComposeMsg:
		c, _ := a.chat.Contact()
		a.composer.StartAction(msg.Edit, msg.Message, chat.DisplayName(c.Contact))
		return a.setFocus(focusComposer)
	case CommandMsg:
		return a.handleCommand(msg)
	case OpenChatMsg:
		return tea.Batch(a.openChat(msg.Contact), a.composerChanged())
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
		a.status.SetProfile(msg.status.Profile, msg.status.Home)
		a.status.SetViaRelay(msg.status.ViaRelay)
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
	if held := (*chat.IdentityChangedError)(nil); errors.As(msg.err, &held) {
		if c, ok := a.chat.Contact(); ok && isGroup(c.Contact) {
			return a.composer.SetHint("Not sent: "+SanitizeLine(a.chat.memberName(held.Contact))+
				"'s key changed (verify them)", true)
		}
		return a.composer.SetHint("Not sent: their key changed. Tab to the chat and press v to verify.", true)
	}
	return a.composer.SetHint("Not sent: "+ErrorText(msg.err), true)
}

// handleContacts shows the loaded contact list.
func (a *App) handleContacts(msg contactsMsg) tea.Cmd {
	if msg.err != nil {
		return errCmd(msg.err)
	}
	a.contacts.SetItems(msg.items)
	if c, ok := a.chat.Contact(); ok {
		for _, it := range msg.items {
			if it.Contact.ID == c.Contact.ID {
				a.chat.SetContact(it)
			}
		}
	}
	return nil
}

// handleEvent applies an event from the core: the chat view shows rows
// and their changes, the contact list the summaries the core computes
// (reloaded through a Cmd, never worked out here), the status bar the
// connection and the automatic backups.
func (a *App) handleEvent(ev chat.Event) tea.Cmd {
	switch ev := ev.(type) {
	case chat.MessageReceived:
		a.chat.setTyping(ev.Contact, false) // the message is what was typed
		return tea.Batch(a.updateChat(ev, ev.Contact), a.notifyNewMessage(ev))
	case chat.TypingChanged:
		return a.handleTypingIn(ev)
	case chat.MessageStored:
		return a.updateChat(ev, ev.Contact)
	case chat.StatusChanged, chat.FileProgress:
		_, cmd := a.chat.Update(ev)
		return cmd
	case chat.ContactChanged:
		if ev.MergedInto != 0 { // a request merged into a contact: its row is gone
			return tea.Batch(ContactsCmd(a.core), a.reloadGroup(0))
		}
		return tea.Batch(SummaryCmd(a.core, ev.Contact.ID), a.reloadGroup(0))
	case chat.GroupChanged:
		// The whole list: members first seen with this change were
		// listed before the group's state said they are group-only.
		return tea.Batch(ContactsCmd(a.core), a.reloadGroup(ev.Contact))
	case chat.ContactRemoved:
		return a.contactRemoved(ev)
	case chat.IdentityChanged:
		return tea.Batch(SummaryCmd(a.core, ev.Contact), a.reloadGroup(0))
	case chat.TimerChanged:
		return SummaryCmd(a.core, ev.Contact) // its line comes as MessageStored
	case chat.MessagesExpired:
		return tea.Batch(ContactsCmd(a.core), a.chat.Reload())
	case chat.HomeState:
		a.status.SetConnection(ev.Connected)
	case chat.BackupWritten:
		return a.status.SetNotice(backupNotice(ev, a.common.now()))
	case chat.PresenceChanged:
		return SummaryCmd(a.core, ev.Contact)
		// chat.SessionReset: its line comes as MessageStored; chat.FileReceived:
		// the file row's change comes as MessageStored.
	}
	return nil
}

// updateChat shows a new or changed row in the open chat, and reloads its
// contact's summary (unread count, newest row).
func (a *App) updateChat(ev chat.Event, id chat.ContactID) tea.Cmd {
	_, cmd := a.chat.Update(ev)
	return tea.Batch(cmd, SummaryCmd(a.core, id))
}

// handleSummary shows a contact's fresh summary in the list and the chat.
func (a *App) handleSummary(msg summaryMsg) tea.Cmd {
	if msg.err != nil {
		return errCmd(msg.err)
	}
	a.contacts.Upsert(msg.summary)
	a.chat.SetContact(msg.summary)
	return nil
}

// swapCore puts the core a restore returned in place of the one it
// closed, and listens to its events.
func (a *App) swapCore(core Core) tea.Cmd {
	if core == nil || core == a.core {
		return nil
	}
	a.core = core
	a.chat.core = core
	if a.common.CoreChanged != nil {
		a.common.CoreChanged(core)
	}
	return tea.Batch(StatusCmd(core), ListenCmd(core.Events()))
}

// backupNotice is the status bar's line about an automatic backup, short
// enough for 80 columns: the time rather than the file's long name.
func backupNotice(e chat.BackupWritten, now time.Time) (text string, isErr bool) {
	if e.Err != nil {
		return "Backup failed: " + ErrorText(e.Err), true
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
		return a.composer.SetHint("File not sent: "+ErrorText(m.err), true)
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
	return a.fileJob.Start(func(ctx context.Context, p progressFunc) (any, error) {
		return core.SendFile(ctx, c.Contact.ID, path, p)
	})
}
