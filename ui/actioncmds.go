package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
)

// actedMsg carries the result of a message action (edit, delete, react):
// the row as it is now, or why the action failed.
type actedMsg struct {
	contact chat.ContactID
	item    chat.Message
	err     error
}

// infoMsg carries a message's info, and for our message to a group
// where it is at each member.
type infoMsg struct {
	contact chat.ContactID
	info    chat.Info
	members []chat.MemberStatus
	err     error
}

// ComposeMsg asks the main screen to write a reply to a message (quoting
// it) or, with Edit, a new text for it.
type ComposeMsg struct {
	Edit    bool
	Message chat.Message
}

// ReplyCmd sends text quoting a message; the result is a sentMsg, as for
// any text sent.
func ReplyCmd(c Actions, contact chat.ContactID, quote chat.MessageID, text string) tea.Cmd {
	return func() tea.Msg {
		item, err := c.Reply(context.Background(), contact, quote, text)
		return sentMsg{contact, text, item, err}
	}
}

// EditCmd edits one of our messages.
func EditCmd(c Actions, contact chat.ContactID, target chat.MessageID, text string) tea.Cmd {
	return func() tea.Msg {
		item, err := c.Edit(context.Background(), contact, target, text)
		return actedMsg{contact, item, err}
	}
}

// DeleteCmd deletes a message, here or for everyone.
func DeleteCmd(c Actions, contact chat.ContactID, target chat.MessageID, forEveryone bool) tea.Cmd {
	return func() tea.Msg {
		item, err := c.Delete(context.Background(), contact, target, forEveryone)
		return actedMsg{contact, item, err}
	}
}

// ReactCmd sets or removes our reaction to a message.
func ReactCmd(c Actions, contact chat.ContactID, target chat.MessageID, emoji string) tea.Cmd {
	return func() tea.Msg {
		item, err := c.React(context.Background(), contact, target, emoji)
		return actedMsg{contact, item, err}
	}
}

// InfoCmd loads a message's info.
func InfoCmd(c Actions, contact chat.ContactID, target chat.MessageID) tea.Cmd {
	return func() tea.Msg {
		info, err := c.MessageInfo(context.Background(), contact, target)
		return infoMsg{contact: contact, info: info, err: err}
	}
}
