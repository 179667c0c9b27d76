package ui

import "time"

// ContactItem is one row of the contact list, as the core reports it.
// Name and Preview come from peers and are sanitized before rendering.
type ContactItem struct {
	// ID is the core's stable contact id.
	ID int64
	// Name is the contact's display name.
	Name string
	// Verified is set once the user compared safety numbers.
	Verified bool
	// KeyChanged is set while a changed identity key awaits the user's
	// explicit acceptance; sending to the contact waits until then.
	KeyChanged bool
	// Unread counts the messages not read yet.
	Unread int
	// Preview is the start of the last message.
	Preview string
	// LastAt is when the last message was sent or received.
	LastAt time.Time
	// Online says whether the contact's home answered recently.
	Online bool
	// Timer is the disappearing-messages timer, zero when off.
	Timer time.Duration
}

// MessageStatus is the delivery state of an outgoing message.
type MessageStatus int

// The delivery states, in the order a message goes through them.
const (
	// StatusNone is the status of incoming messages.
	StatusNone MessageStatus = iota
	// StatusQueued: stored in the outbox, not yet accepted by the peer's home.
	StatusQueued
	// StatusSent: the peer's home accepted it (one tick).
	StatusSent
	// StatusDelivered: the peer's device decrypted it (two ticks).
	StatusDelivered
	// StatusRead: the peer opened it (a dot and a tick, "●✓").
	StatusRead
	// StatusFailed: sending gave up; the user may retry.
	StatusFailed
)

// SystemKind marks a message as a line the messenger itself wrote into
// the chat, rather than one a person typed.
type SystemKind int

// The system lines.
const (
	// SystemNone is an ordinary message.
	SystemNone SystemKind = iota
	// SystemKeyChanged: the contact's identity key changed.
	SystemKeyChanged
	// SystemSessionReset: a fresh session replaced the old one.
	SystemSessionReset
	// SystemVerified: the user marked the contact verified.
	SystemVerified
	// SystemUnverified: the user removed the verified mark.
	SystemUnverified
	// SystemTimer: the disappearing-messages timer changed (see Timer).
	SystemTimer
)

// MessageItem is one message of a chat, as the core reports it.
type MessageItem struct {
	// Seq orders a chat's messages; it is unique within the chat.
	Seq int64
	// Outgoing is set for the user's own messages.
	Outgoing bool
	// Text is the message; from peers it is hostile until sanitized.
	Text string
	// Sent is the sender's clock; Received is ours. Every message is
	// shown at Sent, the time its writer saw (see at); Received is kept
	// for what arrived late.
	Sent, Received time.Time
	// Status is the delivery state of an outgoing message.
	Status MessageStatus
	// System marks the messenger's own lines.
	System SystemKind
	// Timer is the new timer of a SystemTimer line.
	Timer time.Duration
	// File names an attached file, if any.
	File *FileItem
}

// FileItem describes an attached file. Name comes from the sender.
type FileItem struct {
	// Name is the file's name as the sender gave it.
	Name string
	// Size is its length in bytes.
	Size int64
}

// ConnState is the state of the connection to the profile's home.
type ConnState int

// The connection states.
const (
	// ConnOffline: the home cannot be reached; sending queues.
	ConnOffline ConnState = iota
	// ConnConnecting: a connection attempt is under way.
	ConnConnecting
	// ConnOnline: connected and authenticated to the home.
	ConnOnline
)

// String names the state as the status bar shows it.
func (s ConnState) String() string {
	switch s {
	case ConnOnline:
		return "online"
	case ConnConnecting:
		return "connecting"
	default:
		return "offline"
	}
}

// Status is what the status bar shows: the profile, its home and the
// connection to it.
type Status struct {
	// Profile is the user's display name.
	Profile string
	// Home is the address of the profile's home (listener or relay).
	Home string
	// Connection is the state of the connection to the home.
	Connection ConnState
}

// RestoreResult reports what a restore brought back.
type RestoreResult struct {
	// Contacts and Messages count what the backup held.
	Contacts, Messages int
}

// AutoBackupSettings are the automatic-backup settings, as the core
// reports them.
type AutoBackupSettings struct {
	// On says whether automatic backups are on; the rest is unset when
	// they are off.
	On bool
	// Folder is where the backups are written.
	Folder string
	// Every is the interval between two backups.
	Every time.Duration
	// Keep is how many of the newest backups are kept; 0 keeps all.
	Keep int
}

// at is the time a message is shown at: when it was sent, by the clock
// of whoever wrote it, so that a message that waited in a mailbox shows
// when it was written, not when it arrived. Received stands in when Sent
// is unknown, and when Sent is later than Received: a peer's clock that
// runs ahead (or lies) cannot date a message after it arrived.
func (m MessageItem) at() time.Time {
	switch {
	case m.Outgoing, m.Received.IsZero():
		return m.Sent
	case m.Sent.IsZero(), m.Sent.After(m.Received):
		return m.Received
	}
	return m.Sent
}
