package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ratchat/store"
)

// EditWindow is how long after sending a message its sender may edit it
// or delete it for everyone, as in Signal and WhatsApp: long enough to fix
// a typo the next morning, short enough that old history stays put.
const EditWindow = 24 * time.Hour

// Reaction is one emoji on a message, as [store.Reaction] keeps it.
type Reaction = store.Reaction

// Version is an earlier text of an edited message.
type Version = store.Version

// RowDeleted and RowUnsupported are the rows of a deleted message and of
// something a newer ratchat sent that this one cannot show.
const (
	RowDeleted     = store.KindDeleted
	RowUnsupported = store.KindUnsupported
)

// Reply sends text to a contact quoting the earlier message quote of the
// same chat. It fails with [ErrNoMessage] when the chat has no such
// message and [ErrNotActionable] when it is a line of the messenger's own
// or a deleted message.
func (m *Messenger) Reply(ctx context.Context, id store.ContactID, quote store.MessageID, text string) (store.Message, error) {
	q, err := m.st.Message(ctx, id, quote)
	if err != nil {
		return store.Message{}, fmt.Errorf("chat: the quoted message: %w", noMessage(err))
	}
	if !personal(q) {
		return store.Message{}, ErrNotActionable
	}
	c := &Content{Kind: KindText, Text: text, QuoteID: quote}
	if err := m.stamp(c); err != nil {
		return store.Message{}, err
	}
	return m.sendMessage(ctx, id, c, func(msg *store.Message) { msg.Body, msg.Quote = []byte(text), quote })
}

// Edit replaces the text of our own message target with text, here and at
// the contact. Only a text message we sent less than [EditWindow] ago can
// be edited, at most [store.MaxVersions] times; the earlier texts stay in
// its versions (see [Messenger.MessageInfo]).
func (m *Messenger) Edit(ctx context.Context, id store.ContactID, target store.MessageID, text string) (store.Message, error) {
	c := &Content{Kind: KindEdit, TargetID: target, Text: text}
	return m.act(ctx, id, c, func(msg *store.Message) error { return applyEdit(msg, store.Outgoing, text, c.Sent) })
}

// Delete deletes message target of a chat. For everyone, it must be our
// own message sent less than [EditWindow] ago, and the contact deletes it
// too; for this profile only, any message a person wrote. Either way the
// row stays as a "this message was deleted" line and its text, versions
// and reactions are gone from the store.
func (m *Messenger) Delete(ctx context.Context, id store.ContactID, target store.MessageID, forEveryone bool) (store.Message, error) {
	if err := m.stopTransfer(ctx, id, target); err != nil {
		return store.Message{}, err
	}
	if !forEveryone {
		msg, err := m.st.UpdateMessage(ctx, id, target, deleteForMe)
		if err != nil {
			return msg, fmt.Errorf("chat: deleting: %w", noMessage(err))
		}
		m.events.emit(MessageStored{Contact: id, Message: msg})
		return msg, nil
	}
	c := &Content{Kind: KindDelete, TargetID: target}
	return m.act(ctx, id, c, func(msg *store.Message) error { return applyDelete(msg, store.Outgoing, c.Sent) })
}

// React sets our reaction to message target of a chat: one emoji, which
// replaces the one we had; an empty emoji removes it. The contact sees it
// too.
func (m *Messenger) React(ctx context.Context, id store.ContactID, target store.MessageID, emoji string) (store.Message, error) {
	if len(emoji) > MaxEmojiSize || !validEmoji(emoji) {
		return store.Message{}, ErrBadEmoji
	}
	c := &Content{Kind: KindReaction, TargetID: target, Emoji: emoji}
	return m.act(ctx, id, c, func(msg *store.Message) error { return applyReaction(msg, store.Outgoing, emoji) })
}

// act sends content c about a message of the chat and applies change to
// that message, in one transaction: both happen, or neither.
func (m *Messenger) act(ctx context.Context, id store.ContactID, c *Content, change func(*store.Message) error) (store.Message, error) {
	if err := m.stamp(c); err != nil {
		return store.Message{}, err
	}
	if g, err := m.groupOf(ctx, id); err != nil {
		return store.Message{}, err
	} else if g != nil {
		return m.actInGroup(ctx, g, c, change)
	}
	m.lockSessions()
	defer m.mu.Unlock()
	contact, s, err := m.sendable(ctx, id)
	if err != nil {
		return store.Message{}, err
	}
	payload, state, err := m.seal(contact, s, c)
	if err != nil {
		return store.Message{}, err
	}
	msg, err := m.st.UpdateMessageSent(ctx, id, c.TargetID, change, state, payload)
	if err != nil {
		return msg, fmt.Errorf("chat: message action: %w", noMessage(err))
	}
	m.events.emit(MessageStored{Contact: id, Message: msg})
	m.wakeOutbox()
	return msg, nil
}

// stopTransfer cancels the transfer of a file about to be deleted, so that
// nothing more of it is sent or saved.
func (m *Messenger) stopTransfer(ctx context.Context, id store.ContactID, target store.MessageID) error {
	if err := m.CancelFile(ctx, id, target); err != nil && !errors.Is(err, ErrNoTransfer) {
		return err
	}
	return nil
}

// applyAction applies a contact's edit, deletion or reaction to a message
// of its own chat: the message is looked up in that chat only, so no
// contact reaches another's messages, and the rules are ours (a contact
// edits and deletes only what it wrote, within [EditWindow] by its own
// clock). What breaks a rule is refused and logged, never an error: the
// envelope was authentic and must be acknowledged.
func (m *Messenger) applyAction(ctx context.Context, id store.ContactID, c *Content) error {
	var change func(*store.Message) error
	switch c.Kind {
	case KindEdit:
		change = func(msg *store.Message) error { return applyEdit(msg, store.Incoming, c.Text, c.Sent) }
	case KindDelete:
		change = func(msg *store.Message) error { return applyDelete(msg, store.Incoming, c.Sent) }
		// Only a file of the contact's own: a forged deletion must not
		// cancel ours.
		if msg, err := m.st.Message(ctx, id, c.TargetID); err == nil && msg.Direction == store.Incoming {
			if err := m.stopTransfer(ctx, id, c.TargetID); err != nil {
				return err
			}
		}
	case KindReaction:
		change = func(msg *store.Message) error { return applyReaction(msg, store.Incoming, c.Emoji) }
	}
	msg, err := m.st.UpdateMessage(ctx, id, c.TargetID, change)
	if errors.Is(err, store.ErrNotFound) || isRuleError(err) {
		m.log.Warn("refusing a contact's message action", "contact", id, "kind", c.Kind, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	m.events.emit(MessageStored{Contact: id, Message: msg})
	return nil
}

// isRuleError reports whether err is an action's rule refusing it.
func isRuleError(err error) bool {
	for _, e := range []error{ErrNotOwnMessage, ErrEditWindow, ErrTooManyEdits, ErrNotActionable} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// personal reports whether a row is a message a person wrote that still
// has its content: what can be replied to, edited or reacted to.
func personal(msg store.Message) bool {
	return msg.Kind == store.KindText || msg.Kind == store.KindFile
}

// ownRecent checks that msg was written by from and that at is within
// [EditWindow] of its sending, by the writer's own clock.
func ownRecent(msg *store.Message, from store.Direction, at time.Time) error {
	if msg.Direction != from {
		return ErrNotOwnMessage
	}
	if at.Sub(msg.Sent) > EditWindow {
		return ErrEditWindow
	}
	return nil
}

// applyEdit makes text the message's text, keeping the old one.
func applyEdit(msg *store.Message, from store.Direction, text string, at time.Time) error {
	if msg.Kind != store.KindText {
		return ErrNotActionable
	}
	if err := ownRecent(msg, from, at); err != nil {
		return err
	}
	if len(msg.Versions) >= store.MaxVersions {
		return ErrTooManyEdits
	}
	was := msg.Sent
	if !msg.Edited.IsZero() {
		was = msg.Edited
	}
	msg.Versions = append(msg.Versions, store.Version{Body: msg.Body, At: was})
	msg.Body, msg.Edited = []byte(text), at
	return nil
}

// applyDelete deletes a message for everyone.
func applyDelete(msg *store.Message, from store.Direction, at time.Time) error {
	if !personal(*msg) {
		return ErrNotActionable
	}
	if err := ownRecent(msg, from, at); err != nil {
		return err
	}
	msg.Clear()
	return nil
}

// deleteForMe deletes any message a person wrote, here only.
func deleteForMe(msg *store.Message) error {
	if !personal(*msg) && msg.Kind != store.KindUnsupported {
		return ErrNotActionable
	}
	msg.Clear()
	return nil
}

// applyReaction sets one side's reaction.
func applyReaction(msg *store.Message, from store.Direction, emoji string) error {
	if !personal(*msg) {
		return ErrNotActionable
	}
	msg.SetReaction(from, emoji)
	return nil
}

// Info is what message info shows about one message.
type Info struct {
	// Message is the row as it is now.
	Message store.Message
	// Written is when its sender wrote it (the sender's clock); Received
	// when it reached this profile (for ours: when we wrote it).
	Written, Received time.Time
	// Sent is when the contact's home accepted our message; Delivered when
	// the contact's device acknowledged it (for an incoming message: when
	// it arrived); Read when it was read. Zero when not (yet) known.
	Sent, Delivered, Read time.Time
	// Edited is when it was last edited, and Versions its earlier texts,
	// oldest first.
	Edited   time.Time
	Versions []store.Version
}

// MessageInfo returns message info for message target of a chat.
func (m *Messenger) MessageInfo(ctx context.Context, id store.ContactID, target store.MessageID) (Info, error) {
	msg, err := m.st.Message(ctx, id, target)
	if err != nil {
		return Info{}, fmt.Errorf("chat: message info: %w", noMessage(err))
	}
	info := Info{Message: msg, Written: msg.Sent, Received: msg.Received,
		Sent: msg.Times.Sent, Delivered: msg.Times.Delivered, Read: msg.Times.Read,
		Edited: msg.Edited, Versions: msg.Versions}
	if msg.Direction != store.Outgoing {
		info.Sent = time.Time{} // no home of ours accepted it
	}
	return info, nil
}

// Message returns one message of a chat by its id: a quote's original,
// say. It fails with [ErrNoMessage] when the chat has none.
func (m *Messenger) Message(ctx context.Context, id store.ContactID, msgID store.MessageID) (store.Message, error) {
	msg, err := m.st.Message(ctx, id, msgID)
	return msg, noMessage(err)
}

// checkQuote keeps a received reply's quote only if this chat has the
// quoted message: a quote never reaches into another chat, and one that
// names no message is dropped (the text still shows).
func (m *Messenger) checkQuote(ctx context.Context, id store.ContactID, msg *store.Message, quote store.MessageID) error {
	_, err := m.st.Message(ctx, id, quote)
	switch {
	case err == nil:
		msg.Quote = quote
	case errors.Is(err, store.ErrNotFound):
		m.log.Warn("dropping a quote of a message this chat does not have", "contact", id)
	default:
		return err
	}
	return nil
}

// ReactionCount is one emoji on a message and how many people chose it.
type ReactionCount struct {
	Emoji string
	Count int
}

// CountReactions summarizes reactions as the front ends show them under a
// message: each emoji once, with its count, in the order first chosen.
func CountReactions(rs []store.Reaction) []ReactionCount {
	var out []ReactionCount
	for _, r := range rs {
		found := false
		for i := range out {
			if out[i].Emoji == r.Emoji {
				out[i].Count++
				found = true
			}
		}
		if !found {
			out = append(out, ReactionCount{Emoji: r.Emoji, Count: 1})
		}
	}
	return out
}
