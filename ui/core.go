package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/keys"
)

// Core is everything the interface asks of the messenger core, shaped
// around what the screens need. Every method may block on the database or
// the network: the interface only calls them inside tea.Cmds. Strings that
// came from peers may hold anything; the interface sanitizes them.
//
// It is the union of small per-screen interfaces, so that a test (or an
// adapter) can see at a glance which screen needs what.
type Core interface {
	Messenger
	Verifier
	Backups
	// Events returns the channel on which the core reports what happens
	// on its own: [MessageEvent], [ReceiptEvent], [ContactEvent],
	// [StatusEvent] and [BackupWrittenEvent]. A message that changes a contact's row (unread count,
	// preview, time) is followed by a ContactEvent for it: the interface
	// does not compute those itself. The channel is read by one goroutine
	// at a time; closing it stops the reading. The core should buffer it
	// or drop nothing: the interface reads it as fast as it renders.
	Events() <-chan any
}

// Messenger is what the main screen needs: contacts, messages, sending.
type Messenger interface {
	// Status reports the profile, its home and the connection state.
	Status() (Status, error)
	// Invite returns the user's own invite text (shown as text and QR).
	Invite() (string, error)
	// Contacts lists the contacts, most recent conversation first.
	Contacts() ([]ContactItem, error)
	// AddContact adds the contact an invite names and starts a session.
	AddContact(invite string) (ContactItem, error)
	// Messages returns up to n messages of a chat with Seq < before (the
	// newest ones when before <= 0), oldest first. The chat view loads
	// one page at a time, so that a chat of any length opens at once.
	Messages(contact, before int64, n int) ([]MessageItem, error)
	// MarkRead marks a chat read up to and including Seq upTo (and sends
	// read receipts).
	MarkRead(contact, upTo int64) error
	// Send queues a text message and returns it as it is stored.
	// It fails with an error wrapping [ErrKeyNotAccepted] while the
	// contact's changed identity key awaits acceptance.
	Send(contact int64, text string) (MessageItem, error)
	// SendFile sends a file, reporting progress, until done or until ctx
	// is cancelled.
	SendFile(ctx context.Context, contact int64, path string, progress Progress) error
	// SetTimer sets a chat's disappearing-messages timer (zero: off).
	SetTimer(contact int64, d time.Duration) error
}

// Verifier is what the verification screen needs.
type Verifier interface {
	// SafetyNumber returns the safety number of the user and a contact.
	SafetyNumber(contact int64) (keys.SafetyNumber, error)
	// SetVerified sets or clears a contact's verified mark. Setting it
	// also accepts a changed identity key: the user has just compared
	// the numbers made with the new key.
	SetVerified(contact int64, verified bool) error
	// AcceptIdentity accepts a contact's changed identity key, so that
	// sending may resume.
	AcceptIdentity(contact int64) error
	// ScanQR decodes the QR code in an image file and returns its text.
	ScanQR(path string) (string, error)
}

// Backups is what the backup, restore and automatic-backup screens need.
type Backups interface {
	// ExportBackup writes a backup to path, sealed under a fresh recovery
	// key, and returns the key: 64 decimal digits, which the interface
	// shows once and never stores.
	ExportBackup(ctx context.Context, path string, progress Progress) (recoveryKey string, err error)
	// RestoreBackup replaces the profile's history with the backup at
	// path. The existing profile stays untouched on any error.
	RestoreBackup(ctx context.Context, path, recoveryKey string, progress Progress) (RestoreResult, error)
	// AutoBackup returns the automatic-backup settings; On is false when
	// they are off.
	AutoBackup() (AutoBackupSettings, error)
	// EnableAutoBackup turns automatic backups on (or changes them): a
	// backup into folder whenever every has passed, keeping the newest
	// keep (all of them when keep is 0). It returns the fresh recovery
	// key they are all sealed under, which the interface shows once.
	EnableAutoBackup(folder string, every time.Duration, keep int) (recoveryKey string, err error)
	// DisableAutoBackup turns automatic backups off and forgets their
	// key; the backups already written stay where they are.
	DisableAutoBackup() error
}

// Progress is called by long operations with the work done and the total,
// in any unit (bytes, rows); total may be zero when unknown.
type Progress func(done, total int64)

// Opener opens the profile before there is a Core: it creates it on the
// first start and unlocks it afterwards.
type Opener interface {
	// Exists reports whether the profile was created already.
	Exists() (bool, error)
	// Create makes a new profile with its keys and returns its core.
	Create(name, passphrase string) (Core, error)
	// Unlock opens the profile; a wrong passphrase gives an error
	// wrapping [ErrWrongPassphrase].
	Unlock(passphrase string) (Core, error)
}

// Errors the interface tells apart. The adapter between the core and the
// interface wraps the core's errors with them.
var (
	// ErrWrongPassphrase is returned by [Opener.Unlock] when the
	// passphrase does not open the profile; the unlock screen asks again.
	ErrWrongPassphrase = errors.New("ui: wrong passphrase")
	// ErrKeyNotAccepted is returned by [Messenger.Send] while a changed
	// identity key awaits the user's acceptance.
	ErrKeyNotAccepted = errors.New("ui: the contact's new key is not accepted yet")
)

// MessageEvent reports a message stored in a chat: received, or sent from
// elsewhere. A message already shown (same Seq) is replaced.
type MessageEvent struct {
	// Contact is the chat's contact.
	Contact int64
	// Message is the message as stored.
	Message MessageItem
}

// ReceiptEvent reports a new delivery status of an outgoing message.
type ReceiptEvent struct {
	// Contact is the chat's contact.
	Contact int64
	// Seq is the message's place in the chat.
	Seq int64
	// Status is its new status; the interface never moves a status back.
	Status MessageStatus
}

// ContactEvent reports a contact added or changed (name, unread count,
// verification, key change, presence).
type ContactEvent struct {
	// Contact is the contact as it is now.
	Contact ContactItem
}

// StatusEvent reports a change of the profile's status (connection state).
type StatusEvent struct {
	// Status is the profile's status now.
	Status Status
}

// BackupWrittenEvent reports an automatic backup written, or one that
// failed; the status bar shows it.
type BackupWrittenEvent struct {
	// Path is the backup's file; empty when Err is set.
	Path string
	// Err says why the backup failed; nil when it was written.
	Err error
}

// eventsClosedMsg tells that the core's event channel was closed.
type eventsClosedMsg struct{}

// ListenCmd waits for the next event on ch and delivers it as a tea.Msg.
// The receiver must call it again after each event to keep listening.
func ListenCmd(ch <-chan any) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return ev
	}
}
