package chat

import "ratchat/store"

// The store's types as the front ends use them: chat is the one package
// they talk to, and these are names for the same types, not copies.
type (
	// ContactID identifies a contact.
	ContactID = store.ContactID
	// Contact is a contact as the messenger keeps it.
	Contact = store.Contact
	// MessageID is the sender's id of a message.
	MessageID = store.MessageID
	// Message is one row of a conversation's history.
	Message = store.Message
	// Cursor marks where a page of history starts.
	Cursor = store.Cursor
	// Status is where an outgoing message is on its way.
	Status = store.Status
	// Direction says who wrote a row.
	Direction = store.Direction
	// RowKind says what a row of the history is (chat's own Kind is the
	// kind of a message's content on the wire).
	RowKind = store.Kind
	// FileInfo describes the file of a file row.
	FileInfo = store.FileInfo
	// FileState is where a file transfer is.
	FileState = store.FileState
	// RecoveryKey is the key a backup is sealed under.
	RecoveryKey = store.RecoveryKey
	// Progress reports how far an export or a restore has come.
	Progress = store.Progress
	// MemberStatus is where our message to a group is at one member.
	MemberStatus = store.MemberStatus
)

// Contact states, for the front ends (see [store.ContactState]).
const (
	StateContact = store.StateContact
	StateRequest = store.StateRequest
	StateBlocked = store.StateBlocked
)

// The statuses, directions, kinds and file states, as the store defines them.
const (
	StatusQueued    = store.StatusQueued
	StatusSent      = store.StatusSent
	StatusDelivered = store.StatusDelivered
	StatusRead      = store.StatusRead
	StatusFailed    = store.StatusFailed

	Incoming = store.Incoming
	Outgoing = store.Outgoing
	Local    = store.Local

	RowText          = store.KindText
	RowFile          = store.KindFile
	RowKeyChanged    = store.KindKeyChanged
	RowSessionReset  = store.KindSessionReset
	RowVerified      = store.KindVerified
	RowUnverified    = store.KindUnverified
	RowTimer         = store.KindTimer
	RowDecryptFailed = store.KindDecryptFailed
	RowMembership    = store.KindMembership

	FileTransferring = store.FileTransferring
	FileComplete     = store.FileComplete
	FileCancelled    = store.FileCancelled
	FileFailed       = store.FileFailed
	FileWaiting      = store.FileWaiting
)
