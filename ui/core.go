package ui

import (
	"context"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
	"ratchat/keys"
)

// Core is everything the interface asks of the messenger core: the
// methods of [chat.Messenger] the screens use, so that the messenger is
// the core (tests put a fake in its place). Every method may block on the
// database or the network: the interface only calls them inside tea.Cmds.
// Strings that came from peers may hold anything; the interface sanitizes
// them.
//
// It is the union of small per-screen interfaces, so that a test can see
// at a glance which screen needs what.
type Core interface {
	Messenger
	Verifier
	Backups
	Manager
	Grouper
	// Events returns the channel on which the core reports what happens
	// on its own (the types of [chat.Event]). The channel is read by one
	// goroutine at a time; closing it stops the reading.
	Events() <-chan chat.Event
}

var _ Core = (*chat.Messenger)(nil)

// Messenger is what the main screen needs: the profile, contacts,
// messages, sending.
type Messenger interface {
	// Name is the profile's display name.
	Name(ctx context.Context) (string, error)
	// Home is the address of the profile's home.
	Home() string
	// ViaRelay reports whether that home is a relay.
	ViaRelay() bool
	// Invite returns the user's own invite text (shown as text and QR).
	Invite() (string, error)
	// Summaries lists the contacts and the groups (those we left too) with
	// their unread counts and newest rows, most recent conversation first.
	Summaries(ctx context.Context) ([]chat.Summary, error)
	// Requests lists the message requests (someone new who wrote first),
	// each with its mark when it is named like a contact.
	Requests(ctx context.Context) ([]chat.Summary, error)
	// Accept makes a message request a contact.
	Accept(ctx context.Context, id chat.ContactID) error
	// Block blocks a contact or request, deleting its chat.
	Block(ctx context.Context, id chat.ContactID) error
	// Blocked lists the blocked senders, shown last in the contact list.
	Blocked(ctx context.Context) ([]chat.Summary, error)
	// Summary returns one contact's, request's or group's summary.
	Summary(ctx context.Context, id chat.ContactID) (chat.Summary, error)
	// AddContact adds the contact an invite names and starts a session.
	AddContact(ctx context.Context, invite, name string) (chat.Contact, error)
	// Messages returns up to n rows of a chat before the cursor (the
	// newest ones for the zero cursor), oldest first, and the cursor of
	// the page before (zero when there is none). The chat view loads one
	// page at a time, so that a chat of any length opens at once.
	Messages(ctx context.Context, id chat.ContactID, before chat.Cursor, n int) ([]chat.Message, chat.Cursor, error)
	// MarkRead marks a chat read up to and including Seq upTo (and sends
	// read receipts).
	MarkRead(ctx context.Context, id chat.ContactID, upTo int64) error
	// Send queues a text message and returns it as it is stored. It fails
	// with a [*chat.IdentityChangedError] while the contact's changed
	// identity key awaits acceptance.
	Send(ctx context.Context, id chat.ContactID, text string) (chat.Message, error)
	// SendFile sends a file, reporting progress in bytes, until done or
	// until ctx is cancelled.
	SendFile(ctx context.Context, id chat.ContactID, path string, progress func(done, total int64)) (chat.Message, error)
	// SetTimer sets a chat's disappearing-messages timer (zero: off).
	SetTimer(ctx context.Context, id chat.ContactID, d time.Duration) error
	// AcceptFile downloads a file that waits for the user's acceptance.
	AcceptFile(ctx context.Context, id chat.ContactID, file chat.MessageID) error
	// SetTyping tells a contact the user started or stopped typing; it is
	// dropped when it cannot go at once.
	SetTyping(ctx context.Context, id chat.ContactID, typing bool) error
	// Mute mutes a chat's notifications until a time (zero: unmute).
	Mute(ctx context.Context, id chat.ContactID, until time.Time) error
	Actions
}

// Actions is what the chat view's message actions need.
type Actions interface {
	// Reply sends text quoting message quote of the chat.
	Reply(ctx context.Context, id chat.ContactID, quote chat.MessageID, text string) (chat.Message, error)
	// Edit replaces the text of one of our messages (within 24 hours).
	Edit(ctx context.Context, id chat.ContactID, target chat.MessageID, text string) (chat.Message, error)
	// Delete deletes a message here, or for everyone (ours, within 24
	// hours); the row that stays is returned.
	Delete(ctx context.Context, id chat.ContactID, target chat.MessageID, forEveryone bool) (chat.Message, error)
	// React sets our reaction to a message ("" removes it).
	React(ctx context.Context, id chat.ContactID, target chat.MessageID, emoji string) (chat.Message, error)
	// MessageInfo returns a message's times and earlier versions.
	MessageInfo(ctx context.Context, id chat.ContactID, target chat.MessageID) (chat.Info, error)
	// MemberStatuses returns where our message id in group g is at each
	// member (a group message's info).
	MemberStatuses(ctx context.Context, g chat.ContactID, id chat.MessageID) ([]chat.MemberStatus, error)
	// Group returns group g: its name, members, admins and held members
	// (a group's chat shows who wrote each message).
	Group(ctx context.Context, g chat.ContactID) (chat.GroupInfo, error)
	// Groups returns every group, those we left included; the contact
	// list shows each with its summary.
	Groups(ctx context.Context) ([]chat.GroupInfo, error)
}

// Manager is what search, contact management and export need.
type Manager interface {
	// Search finds the rows that hold every word of query, newest first,
	// from the in-memory index (which may still be building).
	Search(ctx context.Context, query string, opts chat.SearchOptions) (chat.SearchResults, error)
	// Rename gives a contact a local name.
	Rename(ctx context.Context, id chat.ContactID, name string) (chat.Contact, error)
	// Remove removes a contact, with or without its chat.
	Remove(ctx context.Context, id chat.ContactID, keepHistory bool) error
	// Unblock lifts a block: the sender's next message is a request.
	Unblock(ctx context.Context, id chat.ContactID) error
	// Export writes a chat as text or JSON to w.
	Export(ctx context.Context, id chat.ContactID, format string, w io.Writer) (int, error)
}

// Grouper is what the group commands, the member list and a group
// message's info need. A group is a chat like a contact's: its
// conversation id is what Messages, Send, MarkRead ... take.
type Grouper interface {
	// CreateGroup makes a group of us (its admin) and members.
	CreateGroup(ctx context.Context, name string, members []chat.ContactID) (chat.GroupInfo, error)
	// AddGroupMembers adds members to group g (admins only).
	AddGroupMembers(ctx context.Context, g chat.ContactID, members []chat.ContactID) (chat.GroupInfo, error)
	// RemoveGroupMember removes a member from group g (admins only).
	RemoveGroupMember(ctx context.Context, g, member chat.ContactID) (chat.GroupInfo, error)
	// PromoteGroupMember makes a member an admin of group g.
	PromoteGroupMember(ctx context.Context, g, member chat.ContactID) (chat.GroupInfo, error)
	// RenameGroup renames group g for every member (admins only).
	RenameGroup(ctx context.Context, g chat.ContactID, name string) (chat.GroupInfo, error)
	// LeaveGroup takes us out of group g; its chat stays.
	LeaveGroup(ctx context.Context, g chat.ContactID) error
}

// Verifier is what the verification screen needs.
type Verifier interface {
	// SafetyNumber returns the safety number of the user and a contact.
	SafetyNumber(ctx context.Context, id chat.ContactID) (keys.SafetyNumber, error)
	// SetVerified sets or clears a contact's verified mark. Setting it
	// also accepts a changed identity key: the user has just compared
	// the numbers made with the new key.
	SetVerified(ctx context.Context, id chat.ContactID, verified bool) error
	// AcceptIdentity accepts a contact's changed identity key, so that
	// sending may resume.
	AcceptIdentity(ctx context.Context, id chat.ContactID) error
}

// Backups is what the backup, restore and automatic-backup screens need.
type Backups interface {
	// ExportBackup writes a backup to path, sealed under a fresh recovery
	// key, and returns the key, which the interface shows once and never
	// stores.
	ExportBackup(ctx context.Context, path string, progress func(chat.Progress)) (chat.RecoveryKey, error)
	// Restore replaces the profile with the backup at path; the profile
	// stays untouched on any error. The messenger it is called on is
	// closed: the one returned replaces it, on success and on failure
	// (nil: the same core goes on, as fakes do). A backup of another
	// identity fails with chat.ErrOtherIdentity unless chat.ForceRestore
	// is given.
	Restore(ctx context.Context, path string, key chat.RecoveryKey, progress func(chat.Progress), opts ...chat.RestoreOption) (*chat.Messenger, chat.RestoreResult, error)
	// AutoBackupSettings returns the automatic-backup settings and
	// whether they are on.
	AutoBackupSettings(ctx context.Context) (chat.AutoBackup, bool, error)
	// EnableAutoBackup turns automatic backups on (or changes them) and
	// returns the fresh recovery key they are all sealed under, which the
	// interface shows once.
	EnableAutoBackup(ctx context.Context, a chat.AutoBackup) (chat.RecoveryKey, error)
	// DisableAutoBackup turns automatic backups off and forgets their
	// key; the backups already written stay where they are.
	DisableAutoBackup(ctx context.Context) error
}

// progressFunc is called by long operations with the work done and the
// total, in any unit (bytes, records); total may be zero when unknown.
type progressFunc func(done, total int64)

// Opener opens the profile before there is a Core: it creates it on the
// first start and unlocks it afterwards.
type Opener interface {
	// Exists reports whether the profile was created already.
	Exists() (bool, error)
	// Create makes a new profile with its keys and returns its core.
	Create(name, passphrase string) (Core, error)
	// Unlock opens the profile; a wrong passphrase gives an error
	// matching [chat.ErrWrongPassphrase].
	Unlock(passphrase string) (Core, error)
}

// eventMsg is an event read from a core's channel, with the channel, so
// that events of a core replaced by a restore are told apart.
type eventMsg struct {
	from <-chan chat.Event
	ev   chat.Event
}

// eventsClosedMsg tells that a core's event channel was closed.
type eventsClosedMsg struct{ from <-chan chat.Event }

// ListenCmd waits for the next event on ch and delivers it as a tea.Msg.
// The receiver must call it again after each event to keep listening.
func ListenCmd(ch <-chan chat.Event) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{ch}
		}
		return eventMsg{ch, ev}
	}
}
