package chat

import (
	"errors"
	"fmt"

	"ratchat/store"
	"ratchat/transport"
)

// Errors returned by this package, checked with [errors.Is].
var (
	// ErrBadContent is returned when the content inside a decrypted message
	// cannot be parsed or breaks a bound; the wrapping error says which.
	ErrBadContent = errors.New("chat: malformed content")
	// ErrUnknownKind is returned (with [ErrBadContent]) by [ParseContent]
	// for a well-formed content of a kind from a newer version; the
	// receiver keeps its session in step rather than dropping the
	// envelope, and shows an "unsupported message" line for kinds below
	// 128, the kinds a person sends (see docs/PROTOCOL.md).
	ErrUnknownKind = errors.New("chat: content of a kind this version does not know")
)

// More errors of this package.
var (
	// ErrNoSession is returned when sending to a contact with no session
	// yet (a reset after a restore is still under way).
	ErrNoSession = errors.New("chat: no session with this contact yet")
	// ErrSelf is returned when adding one's own invite.
	ErrSelf = errors.New("chat: that invite is your own")
	// ErrInviteWithoutToken is returned when adding an invite from a
	// version before deposit tokens: its home would refuse every message
	// we sent, so ask its owner for a new invite.
	ErrInviteWithoutToken = errors.New("chat: that invite is from an older ratchat and has no deposit token; ask for a new invite")
	// ErrCodeMismatch is returned when a pasted or scanned safety number
	// does not match the contact's.
	ErrCodeMismatch = errors.New("chat: the safety numbers differ")
)

// IdentityChangedError is returned when sending to a contact whose
// identity key changed and has not been accepted yet.
type IdentityChangedError struct {
	Contact store.ContactID
}

func (e *IdentityChangedError) Error() string {
	return "chat: the contact's identity key changed; accept it before sending"
}

// Errors of the front ends' look-ups and waits.
var (
	// ErrNoContact is returned when no contact has the name or id given.
	ErrNoContact = errors.New("chat: no such contact")
	// ErrAmbiguous is returned when several contacts have the name given.
	ErrAmbiguous = errors.New("chat: several contacts have that name; use the id")
	// ErrTimeout is returned when a message did not leave in time.
	ErrTimeout = errors.New("chat: timed out")
	// ErrNoQR is returned by [ScanQR] when no QR code could be read.
	ErrNoQR = errors.New("chat: no QR code found in the image")
	// ErrImageTooLarge is returned by [ScanQR] for an image too large to
	// decode safely.
	ErrImageTooLarge = errors.New("chat: image too large")
	// ErrMalformedCode is returned by [Messenger.VerifyCode] for a code
	// that is neither a safety number (60 digits) nor its QR text.
	ErrMalformedCode = errors.New("chat: that is not a safety number (60 digits, or the text of its QR code)")
	// ErrAutoBackupSettings is returned by [Messenger.EnableAutoBackup]
	// for settings it cannot run with: no folder, an interval under
	// [MinAutoBackupEvery], or a negative number of backups to keep.
	ErrAutoBackupSettings = errors.New("chat: automatic backups need a folder, an interval of a minute or more, and a number kept of 0 or more")
	// ErrNotOwner is returned by profile operations that need the
	// messenger to own its store (opened with [Open] or [Create]).
	ErrNotOwner = errors.New("chat: the messenger does not own its profile")
	// ErrNoTransfer is returned by [Messenger.CancelFile] when the message
	// is not a file still being transferred.
	ErrNoTransfer = errors.New("chat: no file transfer under way with that id")
	// ErrDownloadsFull is why a received file fails when it would take
	// the downloads folder past [DownloadsQuota].
	ErrDownloadsFull = errors.New("chat: the downloads folder is full (quota)")
	// ErrFileChanged is the cause, in the log, of a file the receiver
	// asked for again that is gone or no longer the file offered (its size
	// or hash differs): nothing of it is sent, and the file fails on both
	// sides.
	ErrFileChanged = errors.New("chat: the file is gone or no longer the file offered")
	// ErrNotAccepted is returned when sending to a message request or a
	// blocked sender: accept the request first.
	ErrNotAccepted = errors.New("chat: that is a message request or a blocked sender; accept it first")
	// ErrNotRequest is returned by [Messenger.Accept] for a contact that
	// is not a message request.
	ErrNotRequest = errors.New("chat: not a message request")
	// ErrNotBlocked is returned by [Messenger.Unblock] for a contact that
	// is not blocked.
	ErrNotBlocked = errors.New("chat: not blocked")
)

// errBlocked marks an envelope from a blocked sender, dropped in silence.
var errBlocked = errors.New("chat: envelope from a blocked sender")

// ErrShortPassphrase is returned for a passphrase under [MinPassphrase]
// characters.
var ErrShortPassphrase = errors.New("chat: the passphrase is too short")

// ErrInvalidInvite is returned by [Messenger.AddContact] (wrapped) for an
// invite that cannot be read: transport's own error, named here for the
// front ends.
var ErrInvalidInvite = transport.ErrInvite

// ErrBadMute is returned by [ParseMute] for a duration it does not know.
var ErrBadMute = errors.New("chat: mute for 1h, 8h, 1w, always or off")

// Errors of message actions: replies, edits, deletions and reactions.
var (
	// ErrNotOwnMessage is returned when editing, or deleting for everyone,
	// a message the profile did not write; a contact's edit or deletion of
	// a message it did not write is refused with it too.
	ErrNotOwnMessage = errors.New("chat: only the sender of a message can edit it or delete it for everyone")
	// ErrEditWindow is returned when a message is older than [EditWindow]:
	// it can no longer be edited or deleted for everyone.
	ErrEditWindow = errors.New("chat: the message is older than 24 hours")
	// ErrTooManyEdits is returned when a message was edited
	// [store.MaxVersions] times already.
	ErrTooManyEdits = errors.New("chat: the message was edited too many times")
	// ErrNotActionable is returned for a row the action does not apply to:
	// a line of the messenger's own, a deleted message, a file to edit.
	ErrNotActionable = errors.New("chat: that message cannot be replied to, edited or reacted to")
	// ErrBadEmoji is returned by [Messenger.React] for a reaction that is
	// not one emoji.
	ErrBadEmoji = errors.New("chat: a reaction is one emoji")
)

// Errors of message look-ups.
var (
	// ErrNoMessage is returned when a chat has no message with the id
	// given (or no id starts so).
	ErrNoMessage = errors.New("chat: no such message in this chat")
	// ErrAmbiguousMessage is returned by [Messenger.FindMessage] when
	// several messages' ids start with the prefix given: give more of it.
	ErrAmbiguousMessage = errors.New("chat: several messages have ids starting so; give more of the id")
)

// noMessage marks the store's not-found as [ErrNoMessage], keeping it.
func noMessage(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNoMessage, err)
	}
	return err
}

// Errors of search, contact management and export.
var (
	// ErrEmptyQuery is returned by [Messenger.Search] for a query with no
	// word in it (only spaces or punctuation).
	ErrEmptyQuery = errors.New("chat: the search has no word in it")
	// ErrQueryTooLong is returned by [Messenger.Search] for a query over
	// [MaxSearchQuery] bytes or of more than 16 words.
	ErrQueryTooLong = errors.New("chat: the search is too long")
	// ErrSearchClosed is returned by [Messenger.Search] once the messenger
	// is closed: the index was dropped with it.
	ErrSearchClosed = errors.New("chat: search is closed with the profile")
	// ErrSearchIndex is returned by [Messenger.Search] when building the
	// index failed; it wraps the cause.
	ErrSearchIndex = errors.New("chat: the search index could not be built")
	// ErrBadName is returned by [Messenger.Rename] for an empty name, one
	// over [MaxContactName] bytes, or one with control characters.
	ErrBadName = errors.New("chat: a contact's name must be 1 to 64 bytes without control characters")
	// ErrExportFormat is returned by [Messenger.Export] for a format other
	// than text and json.
	ErrExportFormat = errors.New("chat: export format must be text or json")
)

// Errors of groups.
var (
	// ErrNotGroup is returned by a group operation on a conversation that
	// is not a group.
	ErrNotGroup = errors.New("chat: not a group")
	// ErrNotMember is returned when we are not (or no longer) a member of
	// the group, or when the contact named is not a member.
	ErrNotMember = errors.New("chat: not a member of the group")
	// ErrNotAdmin is returned when changing a group we are no admin of.
	ErrNotAdmin = errors.New("chat: only a group's admins can change it")
	// ErrBadGroupState is returned for a group state that does not parse,
	// breaks a bound, does not verify, or may not follow the version
	// before it (see [ParseGroupState]).
	ErrBadGroupState = errors.New("chat: bad group state")
	// ErrGroupSize is returned when a group would pass [MaxGroupMembers].
	ErrGroupSize = errors.New("chat: too many members for a group")
	// ErrBadGroupName is returned for a group name over [MaxGroupName]
	// bytes, empty, or with control characters.
	ErrBadGroupName = errors.New("chat: a group's name must be 1 to 255 bytes without control characters")
)
