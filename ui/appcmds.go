package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// handleCommand runs a /command from the composer.
func (a *App) handleCommand(msg CommandMsg) tea.Cmd {
	switch msg.Name {
	case "add":
		if msg.Arg == "" {
			return a.composer.SetHint("Usage: /add INVITE", true)
		}
		invite, name, _ := strings.Cut(msg.Arg, " ")
		return AddContactCmd(a.core, invite, strings.TrimSpace(name))
	case "invite":
		return a.setPage(NewInviteView(a.common, a.core), screenPage)
	case "verify":
		return a.openVerify()
	case "file":
		if msg.Arg == "" {
			return a.composer.SetHint("Usage: /file PATH", true)
		}
		return a.sendFile(msg.Arg)
	case "accept":
		if msg.Arg == "file" {
			return a.acceptFile()
		}
		return a.decideRequest(msg.Name)
	case "block":
		return a.decideRequest(msg.Name)
	case "timer":
		return a.setTimer(msg.Arg)
	case "mute":
		return a.mute(msg.Arg)
	case "quit":
		return tea.Quit
	case "backup":
		return a.openBackup(msg.Arg)
	case "search", "rename", "remove", "unblock", "export":
		return a.handleManage(msg)
	case "group":
		cmd := a.handleGroup(msg.Arg)
		if a.chat.members {
			return tea.Batch(cmd, a.setFocus(focusChat)) // esc closes the list there
		}
		return cmd
	case "help":
		a.help.SetKeys(a.keys())
		a.showHelp = true
	}
	return nil
}

// openBackup opens the export, the restore or the automatic-backup screen.
func (a *App) openBackup(arg string) tea.Cmd {
	switch arg {
	case "", "export":
		return a.setPage(NewBackupView(a.common, a.core), screenPage)
	case "restore":
		return a.setPage(NewRestoreView(a.common, a.core), screenPage)
	case "auto":
		return a.setPage(NewAutoBackupView(a.common, a.core), screenPage)
	}
	return a.composer.SetHint("Usage: /backup [export|restore|auto]", true)
}

// requestHint is the line above the composer in a message request's chat.
func requestHint(c chat.Summary) string {
	h := "Message request — /accept to accept, /block to block"
	if c.Mark != "" {
		h += " (" + SanitizeLine(c.Mark) + ")"
	}
	return h
}

// decideRequest accepts or blocks the open chat's contact.
func (a *App) decideRequest(what string) tea.Cmd {
	c, ok := a.chat.Contact()
	if !ok {
		return a.composer.SetHint("Open a chat first.", true)
	}
	core, id := a.core, c.Contact.ID
	return func() tea.Msg {
		do, done := core.Accept, "Accepted "
		if what == "block" {
			do, done = core.Block, "Blocked "
		}
		if err := do(context.Background(), id); err != nil {
			return errMsg{err}
		}
		return noticeMsg{done + SanitizeLine(chat.DisplayName(c.Contact))}
	}
}

// setTimer sets the open chat's disappearing-messages timer.
func (a *App) setTimer(arg string) tea.Cmd {
	c, ok := a.chat.Contact()
	if !ok {
		return a.composer.SetHint("Open a chat first.", true)
	}
	d, err := parseTimer(arg)
	if err != nil {
		return a.composer.SetHint(err.Error(), true)
	}
	core := a.core
	return func() tea.Msg {
		if err := core.SetTimer(context.Background(), c.Contact.ID, d); err != nil {
			return errMsg{err}
		}
		if d == 0 {
			return noticeMsg{"Disappearing messages off"}
		}
		return noticeMsg{"Disappearing messages: " + shortDuration(d)}
	}
}

// mute mutes or unmutes the open chat's notifications.
func (a *App) mute(arg string) tea.Cmd {
	c, ok := a.chat.Contact()
	if !ok {
		return a.composer.SetHint("Open a chat first.", true)
	}
	until, err := chat.ParseMute(arg, a.common.Now())
	if err != nil {
		return a.composer.SetHint("Usage: /mute 1h|8h|1w|always|off", true)
	}
	core, id := a.core, c.Contact.ID
	return func() tea.Msg {
		if err := core.Mute(context.Background(), id, until); err != nil {
			return errMsg{err}
		}
		switch {
		case until.IsZero():
			return noticeMsg{"Notifications on"}
		case until.Equal(chat.MuteForever):
			return noticeMsg{"Muted"}
		}
		return noticeMsg{"Muted until " + until.In(a.common.Location).Format("Mon 15:04")}
	}
}

// errTimer explains the /timer syntax.
var errTimer = errors.New("usage: /timer off, or a duration such as 30s, 5m, 1h, 7d")

// parseTimer reads a /timer argument: "off" or "0", a Go duration, or a
// number of days ("7d"). Timers run from one second to one year.
func parseTimer(s string) (time.Duration, error) {
	if s = strings.TrimSpace(strings.ToLower(s)); s == "off" || s == "0" {
		return 0, nil
	}
	d, ok := parseSpan(s, time.Second, 365*24*time.Hour)
	if !ok {
		return 0, errTimer
	}
	return d, nil
}

// handleResult shows the outcome of a call that has no screen of its own.
func (a *App) handleResult(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case contactAddedMsg:
		if msg.err != nil {
			return a.status.SetNotice("Could not add the contact: "+ErrorText(msg.err), true)
		}
		s := chat.Summary{Contact: msg.contact}
		a.contacts.Upsert(s)
		return tea.Batch(a.status.SetNotice("Added "+SanitizeLine(chat.DisplayName(msg.contact)), false),
			a.openChat(s), SummaryCmd(a.core, msg.contact.ID))
	case VerifiedMsg:
		if a.page != nil {
			a.page.Update(msg)
		}
		return ContactsCmd(a.core)
	case RestoredMsg:
		swap := a.swapCore(msg.Core)
		note := a.status.SetNotice(fmt.Sprintf("Restored %d contacts", msg.Result.Contacts), false)
		if c, ok := a.chat.Contact(); ok {
			return tea.Batch(swap, note, ContactsCmd(a.core), a.chat.Open(c))
		}
		return tea.Batch(swap, note, ContactsCmd(a.core))
	case errMsg:
		return a.status.SetNotice(ErrorText(msg.err), true)
	case noticeMsg:
		return a.status.SetNotice(msg.text, false)
	}
	return nil
}

// progressText renders a small progress bar with its percentage.
func progressText(f float64) string {
	bar := progress.New(progress.WithSolidFill("#5fafff"), progress.WithWidth(24))
	return bar.ViewAs(f)
}

// acceptFile downloads the newest file of the open chat that waits for the
// user's acceptance.
func (a *App) acceptFile() tea.Cmd {
	c, ok := a.chat.Contact()
	if !ok {
		return a.composer.SetHint("Open a chat first.", true)
	}
	f, ok := a.chat.waitingFile()
	if !ok {
		return a.composer.SetHint("No file here waits for your acceptance.", true)
	}
	core, id := a.core, c.Contact.ID
	return func() tea.Msg {
		if err := core.AcceptFile(context.Background(), id, f.ID); err != nil {
			return errMsg{err}
		}
		return noticeMsg{"Downloading " + SanitizeLine(f.File.Name)}
	}
}
