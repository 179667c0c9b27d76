package api

import (
	"encoding/hex"
	"time"

	"ratchat/chat"
)

// Contact is a contact as the api shows it.
type Contact struct {
	// ID is the contact's id, which never changes; Name is what it is
	// shown under ("contact 3" until it tells its own).
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Unnamed says that Name is a stand-in: the contact has not told its
	// name yet and was given none.
	Unnamed bool `json:"unnamed,omitempty"`
	// Verified says whether its safety number was compared; KeyChanged
	// that its identity key changed and sending to it is held.
	Verified   bool `json:"verified"`
	KeyChanged bool `json:"key_changed"`
	// Unread counts its messages not read yet; Last is when its chat last
	// changed (absent for an empty chat); Online whether its home answered
	// recently.
	Unread int       `json:"unread"`
	Last   time.Time `json:"last,omitzero"`
	Online bool      `json:"online"`
	// Mark, on a message request named like a contact, says "not the
	// same key as your contact X"; SameName is that contact's id.
	Mark     string `json:"mark,omitempty"`
	SameName int64  `json:"same_name,omitempty"`
	// MutedUntil is until when its notifications are muted (absent: not
	// muted; 9999-12-31: always).
	MutedUntil time.Time `json:"muted_until,omitzero"`
	// Blocked marks a blocked sender (listed by contacts with blocked).
	Blocked bool `json:"blocked,omitempty"`
	// Group marks a group's chat (see group.members for its members).
	Group bool `json:"group,omitempty"`
}

// Message is one row of a chat's history: a message, a file or one of the
// messenger's own lines.
type Message struct {
	// Seq orders the rows of a chat; ID is the message's id (hex), which
	// reply, edit, delete, react and info take (whole, or its first 8
	// digits).
	Seq int64  `json:"seq"`
	ID  string `json:"id"`
	// Direction is "in", "out" or "local" (the messenger's own lines);
	// Kind is "text", "file", "key changed", "session reset", "verified",
	// "unverified", "timer", "a message could not be decrypted",
	// "deleted" (a message deleted, for everyone or here),
	// "unsupported" (something a newer ratchat sent that this one cannot
	// show) or "membership" (a group's member or name changed; Text says
	// how).
	Direction string `json:"direction"`
	Kind      string `json:"kind"`
	// Sender is, in a group's chat, the name of the member who wrote an
	// incoming row, and SenderID its contact id.
	Sender   string `json:"sender,omitempty"`
	SenderID int64  `json:"sender_id,omitempty"`
	// Text is a text message's text, as the peer wrote it (sanitize it
	// before showing it on a terminal).
	Text     string    `json:"text,omitempty"`
	Sent     time.Time `json:"sent"`
	Received time.Time `json:"received"`
	// Status is where an outgoing message is: "queued", "sent",
	// "delivered", "read" or "failed".
	Status string `json:"status,omitempty"`
	// Timer is a timer row's disappearing-messages time ("20s"; "0s": off).
	Timer string `json:"timer,omitempty"`
	// File describes a file row's file.
	File *File `json:"file,omitempty"`
	// Quote is, for a reply, the id of the message it quotes.
	Quote string `json:"quote,omitempty"`
	// Edited is when the message was last edited (see info for its
	// earlier texts).
	Edited time.Time `json:"edited,omitzero"`
	// Reactions are the emoji on the message, one per person.
	Reactions []Reaction `json:"reactions,omitempty"`
}

// File is the file of a file row.
type File struct {
	// Name is the name the sender gave it; Path where it was saved, once
	// received whole.
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	// Size is its length and Done how many bytes have been transferred.
	Size int64 `json:"size"`
	Done int64 `json:"done"`
	// State is "transferring", "complete", "cancelled" or "failed".
	State string `json:"state"`
}

// newContact is a summary as the api shows it.
func newContact(s chat.Summary) Contact {
	return Contact{ID: int64(s.Contact.ID), Name: chat.DisplayName(s.Contact), Unnamed: s.Contact.Name == "",
		Verified:   s.Contact.Verified,
		KeyChanged: s.Contact.Held, Unread: s.Unread, Last: s.LastAt(), Online: s.Online,
		Mark: s.Mark, SameName: int64(s.SameName), MutedUntil: s.MutedUntil, Blocked: s.Contact.State == chat.StateBlocked,
		Group: isGroup(s)}
}

// newMessage is a row as the api shows it.
func newMessage(r chat.Message) Message {
	j := Message{Seq: r.Seq, ID: hex.EncodeToString(r.ID[:]), Direction: r.Direction.String(),
		Kind: r.Kind.String(), Text: string(r.Body), Sent: r.Sent, Received: r.Received}
	if r.Direction == chat.Outgoing {
		j.Status = r.Status.String()
	}
	if r.Kind == chat.RowTimer {
		j.Timer = r.Timer.String()
	}
	if f := r.File; f != nil {
		j.File = &File{Name: f.Name, Path: f.Path, Size: f.Size, Done: f.Done, State: fileStateName(f.State)}
	}
	addActions(&j, r)
	return j
}

// fileStateName names where a file transfer is.
func fileStateName(s chat.FileState) string {
	switch s {
	case chat.FileTransferring:
		return "transferring"
	case chat.FileComplete:
		return "complete"
	case chat.FileCancelled:
		return "cancelled"
	case chat.FileWaiting:
		return "waiting"
	}
	return "failed"
}
