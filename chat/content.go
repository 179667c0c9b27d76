package chat

import (
	"fmt"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"ratchat/internal/wire"
	"ratchat/store"
)

// Kind says what a [Content] carries.
type Kind uint8

// The kinds of content. Numbers are part of the wire format.
const (
	// KindText is a text message.
	KindText Kind = 1
	// KindReceipt acknowledges messages as delivered or read.
	KindReceipt Kind = 2
	// KindProfile carries the sender's display name and home address; the
	// first message of a session carries it so the contact can answer.
	KindProfile Kind = 3
	// KindTimer sets the conversation's disappearing-message timer.
	KindTimer Kind = 4
	// KindReset tells the contact that our session was started anew (after
	// a restore) and that its old one is gone.
	KindReset Kind = 5
	// KindFileOffer announces a file: name, size, chunk count and hash.
	KindFileOffer Kind = 6
	// KindFileChunk is one chunk of a file.
	KindFileChunk Kind = 7
	// KindFileDone is the receiver's answer once a file's last chunk
	// arrived: FileOK says whether the whole file matched the offer's hash
	// and was saved. Only then does the sender count the file delivered.
	// From the sender, without FileOK, it answers a [KindFileResume] it
	// cannot serve: the receiver's file fails.
	KindFileDone Kind = 8
	// KindFileCancel says that the sender or the receiver cancelled a
	// transfer: the other side stops sending or drops what it received.
	KindFileCancel Kind = 9
	// KindToken gives the contact a deposit token of ours: the token it
	// deposits with at our home from then on (docs/TRANSPORT.md). It
	// travels only inside the session, so the home never learns who
	// holds which token.
	KindToken Kind = 10
	// KindFileResume is the receiver's request to send a file again from
	// chunk ChunkIndex on: the chunks a file waiting for acceptance could
	// not hold were dropped, and the user has since accepted it. The
	// sender answers with the chunks, or with a failed [KindFileDone] when
	// it no longer has the file as offered. A sender older than this kind
	// ignores it (see [ErrUnknownKind]); the receiver's row then keeps
	// what arrived until the user cancels it.
	KindFileResume Kind = 11
	// KindReaction sets the sender's reaction to message TargetID of the
	// conversation: Emoji, one emoji; an empty Emoji removes it.
	KindReaction Kind = 12
	// KindEdit replaces the text of the sender's own message TargetID
	// with Text, within [EditWindow] of sending it.
	KindEdit Kind = 13
	// KindDelete deletes the sender's own message TargetID for everyone,
	// within [EditWindow] of sending it.
	KindDelete Kind = 14
	// KindTyping says the sender started (Typing set) or stopped typing
	// to us. It is never stored and never queued: sent only while the
	// contact's home answers, dropped when it cannot go at once, and
	// ignored when it arrives late (see [Messenger.SetTyping]).
	KindTyping Kind = 15
	// KindGroupUpdate carries one signed version of a group's state
	// (GroupState, see [GroupState]) pairwise to a member. Below
	// firstSilentKind on purpose: an older peer shows "unsupported
	// message" rather than silently missing a group.
	KindGroupUpdate Kind = 16
	// KindSenderKey carries our sender key for group GroupID (SenderKey,
	// a libsignal SenderKeyDistributionMessage), pairwise to a member.
	KindSenderKey Kind = 128
	// KindGroupFetch asks a member for every version of group GroupID
	// after GroupVersion (a gap in the versions we received) or, with
	// SenderKeyWanted, for its sender key again (a group message of its
	// did not decrypt).
	KindGroupFetch Kind = 129
	// maxWireKind bounds the kind a peer may send: kinds after
	// KindTyping come from a newer version and are not refused (see
	// [ErrUnknownKind]).
	maxWireKind = 255
	// firstSilentKind splits the kinds a newer version may add: an
	// unknown kind below it is something a person sent, and the chat
	// shows an "unsupported message" line for it; from it on, an unknown
	// kind is a control message (a typing indicator, say), ignored in
	// silence so that it never floods an older peer's chat.
	firstSilentKind = 128
)

// ReceiptType tells a delivery receipt from a read receipt.
type ReceiptType uint8

// The receipt types.
const (
	ReceiptDelivered ReceiptType = 1
	ReceiptRead      ReceiptType = 2
)

// Bounds of the content encoding. Decoding checks each before it copies.
const (
	contentVersion = 1
	// MaxTextSize bounds a text message, in bytes of UTF-8.
	MaxTextSize = 16 << 10
	// MaxNameSize bounds a display name or a file name.
	MaxNameSize = 255
	// MaxAddressSize bounds a home address (host:port).
	MaxAddressSize = 255
	// MaxReceiptIDs bounds the message ids one receipt acknowledges.
	MaxReceiptIDs = 512
	// ChunkSize is the size of every file chunk but the last.
	ChunkSize = 64 << 10
	// paddingBlock is the block the encoded content is padded to, so that
	// a message's length says little about its text (Signal pads to 160).
	paddingBlock = 160
	// paddingMarker ends the content and starts the padding (ISO/IEC
	// 7816-4, as Signal pads): the marker, then zero bytes.
	paddingMarker = 0x80
)

// Content is what travels inside the ratchet: an explicit, versioned
// encoding of one message. Only the fields of its Kind are set.
type Content struct {
	Kind Kind
	// ID identifies the message within the conversation; a redelivered
	// message keeps its id, so it is shown once.
	ID store.MessageID
	// Sent is the sender's clock when it wrote the message, in milliseconds.
	Sent time.Time

	Text       string            // KindText
	Receipt    ReceiptType       // KindReceipt
	Acked      []store.MessageID // KindReceipt
	Name       string            // KindProfile: display name; KindFileOffer: file name
	Home       string            // KindProfile: home address
	Timer      time.Duration     // KindTimer, whole seconds; 0 turns it off
	FileID     store.MessageID   // KindFileOffer, KindFileChunk, KindFileDone, KindFileCancel, KindFileResume: the offer's message id
	FileSize   uint64            // KindFileOffer
	FileChunks uint32            // KindFileOffer
	FileSHA256 [32]byte          // KindFileOffer
	ChunkIndex uint32            // KindFileChunk; KindFileResume: the first chunk to send again
	ChunkData  []byte            // KindFileChunk
	FileOK     bool              // KindFileDone: the file was whole and saved (from the sender: never set)
	Token      [TokenSize]byte   // KindToken: never all zero
	QuoteID    store.MessageID   // KindText: the earlier message of the conversation a reply quotes (zero: none)
	TargetID   store.MessageID   // KindReaction, KindEdit, KindDelete: the message acted on
	Emoji      string            // KindReaction: one emoji, at most MaxEmojiSize bytes; empty removes the reaction
	Typing     bool              // KindTyping: started (true) or stopped

	GroupState      []byte        // KindGroupUpdate: one signed group state
	GroupID         store.GroupID // KindSenderKey, KindGroupFetch; KindReceipt: the group of the acknowledged messages
	SenderKey       []byte        // KindSenderKey: a SenderKeyDistributionMessage
	GroupVersion    uint64        // KindGroupFetch: the version we have
	SenderKeyWanted bool          // KindGroupFetch: send your sender key again
}

// MaxGroupStateSize bounds a [KindGroupUpdate]'s state: 1,024 members of
// a key, a home and a flag, with room to spare.
const MaxGroupStateSize = 512 << 10

// maxSenderKeySize bounds a [KindSenderKey]'s distribution message
// (libsignal's is under 100 bytes).
const maxSenderKeySize = 1024

// MaxEmojiSize bounds a reaction's emoji, in bytes of UTF-8.
const MaxEmojiSize = store.MaxEmojiSize

// TokenSize is the length of the deposit token a [KindToken] carries.
const TokenSize = 16

// Field numbers of the encoding.
const (
	fKind protowire.Number = iota + 1
	fID
	fSent
	fText
	fReceipt
	fAcked
	fName
	fHome
	fTimer
	fFileID
	fFileSize
	fFileChunks
	fFileSHA256
	fChunkIndex
	fChunkData
	fFileOK
	fToken
	// Fields from here on are numbered explicitly: kinds added in
	// parallel take numbers of their own.
	fQuoteID  protowire.Number = 18
	fTargetID protowire.Number = 19
	fEmoji    protowire.Number = 20
	fTyping   protowire.Number = 21
	// Groups (docs/PROTOCOL.md "Groups").
	fGroupState      protowire.Number = 22
	fGroupID         protowire.Number = 23
	fSenderKey       protowire.Number = 24
	fGroupVersion    protowire.Number = 25
	fSenderKeyWanted protowire.Number = 26
)

// Marshal encodes c: version byte, fields, padding. It checks c first, so
// that nothing we send could be refused by the contact's [ParseContent].
func (c *Content) Marshal() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	b := []byte{contentVersion}
	b = appendVarint(b, fKind, uint64(c.Kind))
	b = appendBytes(b, fID, c.ID[:])
	b = appendVarint(b, fSent, uint64(c.Sent.UnixMilli()))
	switch c.Kind {
	case KindText:
		b = appendBytes(b, fText, []byte(c.Text))
		if c.QuoteID != (store.MessageID{}) {
			b = appendBytes(b, fQuoteID, c.QuoteID[:])
		}
	case KindReceipt:
		b = appendVarint(b, fReceipt, uint64(c.Receipt))
		for _, id := range c.Acked {
			b = appendBytes(b, fAcked, id[:])
		}
		if c.GroupID != (store.GroupID{}) {
			b = appendBytes(b, fGroupID, c.GroupID[:])
		}
	case KindProfile:
		b = appendBytes(b, fName, []byte(c.Name))
		b = appendBytes(b, fHome, []byte(c.Home))
	case KindTimer:
		b = appendVarint(b, fTimer, uint64(c.Timer/time.Second))
	case KindFileOffer:
		b = appendBytes(b, fFileID, c.FileID[:])
		b = appendBytes(b, fName, []byte(c.Name))
		b = appendVarint(b, fFileSize, c.FileSize)
		b = appendVarint(b, fFileChunks, uint64(c.FileChunks))
		b = appendBytes(b, fFileSHA256, c.FileSHA256[:])
	case KindFileChunk:
		b = appendBytes(b, fFileID, c.FileID[:])
		b = appendVarint(b, fChunkIndex, uint64(c.ChunkIndex))
		b = appendBytes(b, fChunkData, c.ChunkData)
	case KindFileDone:
		b = appendBytes(b, fFileID, c.FileID[:])
		if c.FileOK {
			b = appendVarint(b, fFileOK, 1)
		}
	case KindFileCancel:
		b = appendBytes(b, fFileID, c.FileID[:])
	case KindToken:
		b = appendBytes(b, fToken, c.Token[:])
	case KindFileResume:
		b = appendBytes(b, fFileID, c.FileID[:])
		b = appendVarint(b, fChunkIndex, uint64(c.ChunkIndex))
	case KindReaction:
		b = appendBytes(b, fTargetID, c.TargetID[:])
		b = appendBytes(b, fEmoji, []byte(c.Emoji))
	case KindEdit:
		b = appendBytes(b, fTargetID, c.TargetID[:])
		b = appendBytes(b, fText, []byte(c.Text))
	case KindDelete:
		b = appendBytes(b, fTargetID, c.TargetID[:])
	case KindTyping:
		var started uint64
		if c.Typing {
			started = 1
		}
		b = appendVarint(b, fTyping, started)
	case KindGroupUpdate:
		b = appendBytes(b, fGroupState, c.GroupState)
	case KindSenderKey:
		b = appendBytes(b, fGroupID, c.GroupID[:])
		b = appendBytes(b, fSenderKey, c.SenderKey)
	case KindGroupFetch:
		b = appendBytes(b, fGroupID, c.GroupID[:])
		b = appendVarint(b, fGroupVersion, c.GroupVersion)
		if c.SenderKeyWanted {
			b = appendVarint(b, fSenderKeyWanted, 1)
		}
	}
	return pad(b), nil
}

// appendVarint and appendBytes append one field of the encoding.
var appendVarint, appendBytes = wire.AppendVarintField, wire.AppendBytesField

// pad appends the marker and zeros up to a multiple of paddingBlock.
func pad(b []byte) []byte {
	b = append(b, paddingMarker)
	for len(b)%paddingBlock != 0 {
		b = append(b, 0)
	}
	return b
}

// unpad strips the padding: trailing zeros, then the marker.
func unpad(b []byte) ([]byte, error) {
	end := len(b)
	for end > 0 && b[end-1] == 0 {
		end--
	}
	if end == 0 || b[end-1] != paddingMarker {
		return nil, fmt.Errorf("%w: bad padding", ErrBadContent)
	}
	return b[:end-1], nil
}

// check enforces the bounds and the fields each kind requires.
func (c *Content) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadContent, fmt.Sprintf(format, args...))
	}
	switch {
	case !knownKind(c.Kind):
		return bad("kind %d", c.Kind)
	case len(c.Text) > MaxTextSize || !utf8.ValidString(c.Text):
		return bad("text of %d bytes or not UTF-8", len(c.Text))
	case len(c.Name) > MaxNameSize || !utf8.ValidString(c.Name):
		return bad("name of %d bytes or not UTF-8", len(c.Name))
	case len(c.Home) > MaxAddressSize || !utf8.ValidString(c.Home):
		return bad("address of %d bytes or not UTF-8", len(c.Home))
	case len(c.Acked) > MaxReceiptIDs:
		return bad("%d receipt ids", len(c.Acked))
	case len(c.ChunkData) > ChunkSize:
		return bad("chunk of %d bytes", len(c.ChunkData))
	case c.Timer < 0 || c.Timer%time.Second != 0:
		return bad("timer %v", c.Timer)
	case len(c.Emoji) > MaxEmojiSize || !validEmoji(c.Emoji):
		return bad("reaction of %d bytes or not one emoji", len(c.Emoji))
	}
	switch c.Kind {
	case KindReceipt:
		if c.Receipt != ReceiptDelivered && c.Receipt != ReceiptRead || len(c.Acked) == 0 {
			return bad("receipt type %d with %d ids", c.Receipt, len(c.Acked))
		}
	case KindFileOffer:
		want := (c.FileSize + ChunkSize - 1) / ChunkSize
		if c.Name == "" || uint64(c.FileChunks) != want {
			return bad("file offer of %d bytes in %d chunks", c.FileSize, c.FileChunks)
		}
	case KindFileChunk:
		if len(c.ChunkData) == 0 {
			return bad("empty chunk")
		}
	case KindToken:
		if c.Token == [TokenSize]byte{} {
			return bad("zero token")
		}
	case KindReaction, KindDelete:
		if c.TargetID == (store.MessageID{}) {
			return bad("no target")
		}
	case KindEdit:
		if c.TargetID == (store.MessageID{}) || c.Text == "" {
			return bad("edit without a target or a text")
		}
	case KindGroupUpdate:
		if len(c.GroupState) == 0 || len(c.GroupState) > MaxGroupStateSize {
			return bad("group state of %d bytes", len(c.GroupState))
		}
	case KindSenderKey:
		if c.GroupID == (store.GroupID{}) || len(c.SenderKey) == 0 || len(c.SenderKey) > maxSenderKeySize {
			return bad("sender key of %d bytes", len(c.SenderKey))
		}
	case KindGroupFetch:
		if c.GroupID == (store.GroupID{}) {
			return bad("group fetch without a group")
		}
	}
	return nil
}

// knownKind reports whether this version knows kind k: kinds it does not
// know come from a newer version (see [ErrUnknownKind]).
func knownKind(k Kind) bool {
	_, ok := kindFields[k]
	return ok
}
