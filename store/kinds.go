package store

import (
	"fmt"
	"time"

	"ratchat/internal/wire"
)

// Kind says what a row of a conversation's history is: something a person
// wrote (text or a file), or a line the messenger itself wrote into the
// chat (a key change, a verification, a session reset, a timer change, a
// message that could not be decrypted).
type Kind uint8

// The kinds of history rows. The numbers are stored: never reuse one.
const (
	// KindText is a text message.
	KindText Kind = 0
	// KindFile is a file sent or received; [Message.File] describes it.
	KindFile Kind = 1
	// KindKeyChanged: the contact's identity key changed.
	KindKeyChanged Kind = 2
	// KindSessionReset: a fresh session replaced the old one.
	KindSessionReset Kind = 3
	// KindVerified: the user marked the contact verified.
	KindVerified Kind = 4
	// KindUnverified: the user removed the verified mark.
	KindUnverified Kind = 5
	// KindTimer: the disappearing-messages timer changed to [Message.Timer].
	KindTimer Kind = 6
	// KindDecryptFailed: a message from the contact could not be decrypted.
	KindDecryptFailed Kind = 7
	// KindDeleted: a message (text or file) that was deleted, for everyone
	// or for this profile only. The row keeps its id, direction and times
	// so the chat shows where it was; its text, file, versions, quote and
	// reactions are gone from the record.
	KindDeleted Kind = 8
	// KindUnsupported: the contact's newer ratchat sent something this
	// version cannot show.
	KindUnsupported Kind = 9
	// KindMembership: a change of a group's membership or name; Body is
	// the line's text ("Alice added Bob").
	KindMembership Kind = 10

	lastKind = KindMembership
)

// System reports whether rows of kind k are lines the messenger wrote
// rather than messages a person wrote. A deleted message is still the
// person's (it keeps its place and direction).
func (k Kind) System() bool { return k != KindText && k != KindFile && k != KindDeleted }

// kindNames name the kinds, as exports and the api write them.
var kindNames = [...]string{
	KindText:          "text",
	KindFile:          "file",
	KindKeyChanged:    "key changed",
	KindSessionReset:  "session reset",
	KindVerified:      "verified",
	KindUnverified:    "unverified",
	KindTimer:         "timer",
	KindDecryptFailed: "a message could not be decrypted",
	KindDeleted:       "deleted",
	KindUnsupported:   "unsupported",
	KindMembership:    "membership",
}

// String names the kind ("text", "key changed", ...), or "unknown".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// FileState is where a file transfer is.
//
// An interface shows a file row's delivery from its state, not from the
// row's [Status]: the offer message is acknowledged (StatusDelivered) as
// soon as it arrives, long before the file does. A file row shows
// delivered (✓✓) only when its state is FileComplete, which for an
// outgoing file means the receiver checked the whole file's hash and
// saved it; while FileTransferring it shows progress (Done of Size), and
// FileCancelled and FileFailed show as such on both sides.
type FileState uint8

// The file states.
const (
	// FileTransferring: chunks are on their way. For an outgoing file,
	// Done counts the bytes the contact's home accepted; once it reaches
	// Size the row stays here until the receiver confirms.
	FileTransferring FileState = 0
	// FileComplete: every chunk arrived and the whole file's hash matched
	// (for an outgoing file: the receiver confirmed it). Only this state
	// means delivered.
	FileComplete FileState = 1
	// FileCancelled: the sender or the receiver cancelled the transfer.
	FileCancelled FileState = 2
	// FileFailed: the file could not be received (bad hash, too large,
	// refused).
	FileFailed FileState = 3
	// FileWaiting: an incoming offer waits for the user's acceptance (it
	// came from a message request or from a contact whose files are not
	// accepted automatically); nothing of it is in the downloads folder.
	// Accepting it moves it to FileTransferring.
	FileWaiting FileState = 4

	lastFileState = FileWaiting
)

// FileInfo describes the file of a [KindFile] row. Its State, not the
// row's Status, says whether the file was delivered (see [FileState]).
type FileInfo struct {
	// Name is the file's name as the sender gave it (hostile until
	// sanitized, when it came from a peer).
	Name string
	// Size is its length in bytes.
	Size int64
	// Done counts the bytes transferred so far.
	Done int64
	// Path is where a received file was saved, once complete: its final
	// name in the downloads folder, made unique (" (1)", " (2)" ...).
	Path string
	// State is where the transfer is.
	State FileState
	// Source is, for an outgoing file, the file it was sent from, and
	// SHA256 the hash its offer announced: what the sender needs to send
	// the rest again when the receiver asks for it (a file from someone
	// whose files wait for acceptance), even after a restart. The file is
	// sent again only if it still has Size bytes and this hash. Empty for
	// an incoming file, and for files sent before they were kept.
	Source string
	SHA256 [32]byte
}

// encodeExtra appends the fields that only some rows have (kind, timer,
// file) after a record's body. A text message writes nothing, so records
// written before kinds existed read as text.
func (m *Message) encodeExtra(e *encoder) {
	acts := m.hasActions()
	if m.Kind == KindText && m.Timer == 0 && m.File == nil && !acts {
		return
	}
	e.uvarint(uint64(m.Kind))
	e.varint(int64(m.Timer))
	e.bool(m.File != nil)
	if f := m.File; f != nil {
		e.str(f.Name)
		e.varint(f.Size)
		e.varint(f.Done)
		e.str(f.Path)
		e.uvarint(uint64(f.State))
		// Only an outgoing file that knows its source writes more, so every
		// other record keeps the bytes it had before sources were kept.
		// Actions follow the source, so a file with actions writes its
		// (maybe empty) source too.
		if f.Source != "" || acts {
			e.str(f.Source)
			e.bytes(f.SHA256[:])
		}
	}
	if acts {
		m.encodeActions(e)
	}
}

// decodeExtra reads what encodeExtra wrote, if anything is left.
func (m *Message) decodeExtra(d *decoder) {
	if d.d.Err() != nil || d.d.Len() == 0 {
		return
	}
	kind := d.uvarint()
	m.Timer = time.Duration(d.varint())
	if kind > uint64(lastKind) {
		d.d.Fail(fmt.Errorf("%w: row kind %d", wire.ErrRange, kind))
		return
	}
	m.Kind = Kind(kind)
	if d.bool() {
		f := &FileInfo{Name: d.str(), Size: d.varint(), Done: d.varint(), Path: d.str()}
		state := d.uvarint()
		if state > uint64(lastFileState) {
			d.d.Fail(fmt.Errorf("%w: file state %d", wire.ErrRange, state))
			return
		}
		f.State = FileState(state)
		if d.d.Len() > 0 {
			f.Source = d.str()
			d.fixed(f.SHA256[:])
		}
		m.File = f
	}
	if d.d.Err() == nil && d.d.Len() > 0 {
		m.decodeActions(d)
	}
}
