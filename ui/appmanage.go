package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// The /commands of search, contact management and export.

// handleManage runs /search, /rename, /remove, /unblock and /export.
func (a *App) handleManage(msg CommandMsg) tea.Cmd {
	if msg.Name == "search" {
		if msg.Arg == "" {
			return a.composer.SetHint("Usage: /search TEXT", true)
		}
		return a.setPage(NewSearchView(a.common, a.core, msg.Arg), screenPage)
	}
	c, ok := a.chat.Contact()
	if !ok {
		return a.composer.SetHint("Open a chat first.", true)
	}
	if isGroup(c.Contact) && (msg.Name == "rename" || msg.Name == "remove" || msg.Name == "unblock") {
		// A group's name is every member's, and one leaves a group.
		return a.composer.SetHint("In a group: /group rename NAME, /group leave", true)
	}
	switch msg.Name {
	case "rename":
		if msg.Arg == "" {
			return a.composer.SetHint("Usage: /rename NAME", true)
		}
		return renameCmd(a.core, c.Contact.ID, msg.Arg)
	case "remove":
		return a.remove(c, msg.Arg)
	case "unblock":
		return unblockCmd(a.core, c.Contact)
	case "export":
		if msg.Arg == "" {
			return a.composer.SetHint("Usage: /export PATH (.json for JSON, else text)", true)
		}
		return exportCmd(a.core, c.Contact, msg.Arg)
	}
	return nil
}

// remove asks for a confirmation, then removes the open chat's contact.
func (a *App) remove(c chat.Summary, arg string) tea.Cmd {
	name := SanitizeLine(chat.DisplayName(c.Contact))
	switch arg {
	case "yes", "keep":
		core, id, keep := a.core, c.Contact.ID, arg == "keep"
		return func() tea.Msg {
			if err := core.Remove(context.Background(), id, keep); err != nil {
				return errMsg{err}
			}
			if keep {
				return noticeMsg{"Removed " + name + " (chat kept)"}
			}
			return noticeMsg{"Removed " + name + " and the chat"}
		}
	case "":
		return a.composer.SetHint("Remove "+name+"? /remove yes deletes the chat too; /remove keep keeps it.", true)
	}
	return a.composer.SetHint("Usage: /remove, then /remove yes or /remove keep", true)
}

// renameCmd gives a contact a local name.
func renameCmd(core Manager, id chat.ContactID, name string) tea.Cmd {
	return func() tea.Msg {
		c, err := core.Rename(context.Background(), id, name)
		if err != nil {
			return errMsg{err}
		}
		return noticeMsg{"Renamed to " + SanitizeLine(c.Name)}
	}
}

// unblockCmd unblocks a contact.
func unblockCmd(core Manager, c chat.Contact) tea.Cmd {
	return func() tea.Msg {
		if err := core.Unblock(context.Background(), c.ID); err != nil {
			return errMsg{err}
		}
		return noticeMsg{"Unblocked " + SanitizeLine(chat.DisplayName(c)) + ": their next message is a request"}
	}
}

// exportCmd writes a chat to a new file (0600), as JSON when the name
// ends in .json, else as text, and warns that it is not encrypted.
func exportCmd(core Manager, c chat.Contact, path string) tea.Cmd {
	return func() tea.Msg {
		format := chat.ExportText
		if strings.EqualFold(filepath.Ext(path), ".json") {
			format = chat.ExportJSON
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return errMsg{err}
		}
		_, err = core.Export(context.Background(), c.ID, format, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return errMsg{err}
		}
		return noticeMsg{"Exported to " + SanitizeLine(path) + " — NOT encrypted"}
	}
}

// openAt opens a chat at a row: a search result.
func (a *App) openAt(msg OpenAtMsg) tea.Cmd {
	back := a.handleBack()
	s := chat.Summary{Contact: msg.Contact}
	for _, it := range a.contacts.Items() {
		if it.Contact.ID == msg.Contact.ID {
			s = it
		}
	}
	a.contacts.Select(s.Contact.ID)
	return tea.Batch(back, a.chat.OpenAt(s, msg.Seq), a.setFocus(focusChat))
}

// contactRemoved takes a removed contact off the list, and closes its
// chat if open.
func (a *App) contactRemoved(ev chat.ContactRemoved) tea.Cmd {
	a.contacts.Remove(ev.Contact.ID)
	if c, ok := a.chat.Contact(); ok && c.Contact.ID == ev.Contact.ID {
		a.chat.Close()
		return a.setFocus(focusContacts)
	}
	return nil
}

// blockedHint is the line above the composer in a blocked sender's chat.
const blockedHint = "Blocked — /unblock to unblock (their next message arrives as a request)"
