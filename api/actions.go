package api

import (
	"context"
	"encoding/hex"
	"time"

	"ratchat/chat"
)

// MessageParams name a message: a contact (id or name) and the message's
// id in hex, whole (32 digits, as messages returns it) or its first 8 or
// more digits (as "ratchat messages" prints it).
type MessageParams struct {
	Contact string `json:"contact"`
	Message string `json:"message"`
}

// ReplyParams name a message and the text that replies to it, quoting it.
type ReplyParams struct {
	Contact     string  `json:"contact"`
	Message     string  `json:"message"`
	Text        string  `json:"text"`
	WaitSeconds float64 `json:"wait_seconds,omitempty"`
}

// EditParams name one of our messages and its new text.
type EditParams struct {
	Contact     string  `json:"contact"`
	Message     string  `json:"message"`
	Text        string  `json:"text"`
	WaitSeconds float64 `json:"wait_seconds,omitempty"`
}

// DeleteParams name a message and whether to delete it for everyone (our
// own, within 24 hours) or for this profile only.
type DeleteParams struct {
	Contact     string  `json:"contact"`
	Message     string  `json:"message"`
	ForEveryone bool    `json:"for_everyone,omitempty"`
	WaitSeconds float64 `json:"wait_seconds,omitempty"`
}

// ReactParams name a message and our reaction: one emoji, or "" to remove it.
type ReactParams struct {
	Contact     string  `json:"contact"`
	Message     string  `json:"message"`
	Emoji       string  `json:"emoji"`
	WaitSeconds float64 `json:"wait_seconds,omitempty"`
}

// MessageResult is the message after reply (the reply), edit, delete or
// react, and whether what tells the contact left within the params'
// wait_seconds (0 to [MaxWait]; 0 does not wait, and Flushed is false).
// What did not leave yet goes out later.
type MessageResult struct {
	Message Message `json:"message"`
	Flushed bool    `json:"flushed"`
}

// checkWait checks wait_seconds.
func checkWait(secs float64) error {
	if secs < 0 || time.Duration(secs*float64(time.Second)) > MaxWait {
		return errorf(CodeInvalidParams, "api: invalid params: wait_seconds must be from 0 to %v", MaxWait.Seconds())
	}
	return nil
}

// result makes the result of an action, waiting up to secs for the
// outbox to empty.
func result(ctx context.Context, m *chat.Messenger, msg chat.Message, secs float64, err error) (MessageResult, error) {
	if err != nil {
		return MessageResult{}, err
	}
	out := MessageResult{Message: newMessage(msg)}
	if secs > 0 {
		fctx, cancel := context.WithTimeout(ctx, time.Duration(secs*float64(time.Second)))
		defer cancel()
		out.Flushed = m.Flush(fctx)
	}
	return out, nil
}

// InfoResult is message info: the row, and when it was written, received,
// accepted by the contact's home (sent, ours only), delivered and read;
// and, for an edited message, when it was last edited and its earlier
// texts, oldest first. A time that is not known is absent.
type InfoResult struct {
	Message   Message   `json:"message"`
	Written   time.Time `json:"written"`
	Received  time.Time `json:"received,omitzero"`
	Sent      time.Time `json:"sent,omitzero"`
	Delivered time.Time `json:"delivered,omitzero"`
	Read      time.Time `json:"read,omitzero"`
	Edited    time.Time `json:"edited,omitzero"`
	Versions  []Version `json:"versions,omitempty"`
}

// Version is an earlier text of an edited message, and when it was written.
type Version struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Reaction is one person's emoji on a message: From is "in" (the
// contact's) or "out" (ours).
type Reaction struct {
	From  string `json:"from"`
	Emoji string `json:"emoji"`
}

// findMessage looks a contact and one of its chat's messages up.
func findMessage(ctx context.Context, m *chat.Messenger, contact, message string, wait float64) (chat.ContactID, chat.Message, error) {
	if err := checkWait(wait); err != nil {
		return 0, chat.Message{}, err
	}
	if message == "" {
		return 0, chat.Message{}, errorf(CodeInvalidParams, "api: invalid params: message is missing")
	}
	s, err := findChat(ctx, m, contact)
	if err != nil {
		return 0, chat.Message{}, err
	}
	msg, err := m.FindMessage(ctx, s.Contact.ID, message)
	return s.Contact.ID, msg, err
}

// reply sends a text quoting a message.
func reply(ctx context.Context, m *chat.Messenger, p ReplyParams) (MessageResult, error) {
	if p.Text == "" {
		return MessageResult{}, errorf(CodeInvalidParams, "api: invalid params: text is empty")
	}
	id, msg, err := findMessage(ctx, m, p.Contact, p.Message, p.WaitSeconds)
	if err != nil {
		return MessageResult{}, err
	}
	r, err := m.Reply(ctx, id, msg.ID, p.Text)
	return result(ctx, m, r, p.WaitSeconds, err)
}

// edit changes the text of one of our messages.
func edit(ctx context.Context, m *chat.Messenger, p EditParams) (MessageResult, error) {
	if p.Text == "" {
		return MessageResult{}, errorf(CodeInvalidParams, "api: invalid params: text is empty")
	}
	id, msg, err := findMessage(ctx, m, p.Contact, p.Message, p.WaitSeconds)
	if err != nil {
		return MessageResult{}, err
	}
	r, err := m.Edit(ctx, id, msg.ID, p.Text)
	return result(ctx, m, r, p.WaitSeconds, err)
}

// deleteMessage deletes a message, for everyone or here only.
func deleteMessage(ctx context.Context, m *chat.Messenger, p DeleteParams) (MessageResult, error) {
	id, msg, err := findMessage(ctx, m, p.Contact, p.Message, p.WaitSeconds)
	if err != nil {
		return MessageResult{}, err
	}
	r, err := m.Delete(ctx, id, msg.ID, p.ForEveryone)
	return result(ctx, m, r, p.WaitSeconds, err)
}

// react sets or removes our reaction to a message.
func react(ctx context.Context, m *chat.Messenger, p ReactParams) (MessageResult, error) {
	id, msg, err := findMessage(ctx, m, p.Contact, p.Message, p.WaitSeconds)
	if err != nil {
		return MessageResult{}, err
	}
	r, err := m.React(ctx, id, msg.ID, p.Emoji)
	return result(ctx, m, r, p.WaitSeconds, err)
}

// info returns message info.
func info(ctx context.Context, m *chat.Messenger, p MessageParams) (InfoResult, error) {
	id, msg, err := findMessage(ctx, m, p.Contact, p.Message, 0)
	if err != nil {
		return InfoResult{}, err
	}
	i, err := m.MessageInfo(ctx, id, msg.ID)
	if err != nil {
		return InfoResult{}, err
	}
	out := InfoResult{Message: newMessage(i.Message), Written: i.Written, Received: i.Received,
		Sent: i.Sent, Delivered: i.Delivered, Read: i.Read, Edited: i.Edited}
	for _, v := range i.Versions {
		out.Versions = append(out.Versions, Version{Text: string(v.Body), At: v.At})
	}
	return out, nil
}

// addActions fills a row's reply, edit and reaction fields.
func addActions(j *Message, r chat.Message) {
	if r.Quote != (chat.MessageID{}) {
		j.Quote = hex.EncodeToString(r.Quote[:])
	}
	j.Edited = r.Edited
	for _, x := range r.Reactions {
		j.Reactions = append(j.Reactions, Reaction{From: x.From.String(), Emoji: x.Emoji})
	}
}
