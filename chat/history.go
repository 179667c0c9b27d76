package chat

import (
	"context"
	"fmt"
	"io"
	"time"

	"ratchat/store"
)

// markReadPage is how many rows MarkRead reads at a time.
const markReadPage = 500

// systemLine writes a line of the messenger's own into a chat (a key
// change, a verification, a session reset, a timer change, a message that
// could not be decrypted) as a row of its history, and reports it as a
// [MessageStored].
func (m *Messenger) systemLine(ctx context.Context, id store.ContactID, kind store.Kind, timer time.Duration) error {
	now := m.now()
	msg := store.Message{Conversation: id, Direction: store.Local, Kind: kind, Timer: timer,
		Sent: now, Received: now, Status: store.StatusSent, StatusAt: now}
	if _, err := io.ReadFull(m.rand, msg.ID[:]); err != nil {
		return err
	}
	seq, _, err := m.st.InsertMessage(ctx, msg)
	if err != nil {
		return fmt.Errorf("chat: writing a system line: %w", err)
	}
	msg.Seq = seq
	m.events.emit(MessageStored{Contact: id, Message: msg})
	return nil
}

// Messages returns a page of a conversation: the n rows before the cursor
// (0: the newest), oldest first, and the cursor of the page before. Rows
// are messages, files and the messenger's own lines (see [RowKind]).
func (m *Messenger) Messages(ctx context.Context, id store.ContactID, before store.Cursor, n int) ([]store.Message, store.Cursor, error) {
	return m.st.Messages(ctx, id, before, n)
}

// MarkRead records that the user has seen a chat up to and including the
// row with sequence number upTo: the unread count drops, the incoming
// messages in between are marked read, and the contact gets read receipts.
// A marker never moves back.
func (m *Messenger) MarkRead(ctx context.Context, id store.ContactID, upTo int64) error {
	old, err := m.st.AdvanceReadMarker(ctx, id, upTo)
	if err != nil || upTo <= old {
		return err
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	if c.State != store.StateContact {
		// A request learns nothing, not even that it was read, until it
		// is accepted (Accept sends the receipts then).
		m.events.emit(ContactChanged{Contact: c})
		return nil
	}
	if c.GroupID != (store.GroupID{}) {
		if err := m.groupReadReceipts(ctx, c, old, upTo); err != nil {
			return err
		}
		m.events.emit(ContactChanged{Contact: c})
		return nil
	}
	var ids []store.MessageID
	for after := old; after < upTo; {
		rows, err := m.st.After(ctx, id, after, markReadPage)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Seq > upTo {
				break
			}
			if r.Direction == store.Incoming && r.Status != store.StatusRead {
				ids = append(ids, r.ID)
			}
		}
		if len(rows) < markReadPage {
			break
		}
		after = rows[len(rows)-1].Seq
	}
	if err := m.readReceipts(ctx, id, ids); err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: c})
	return nil
}

// sessionReset reports a session with a contact started anew, as an event
// and as a line in the chat.
func (m *Messenger) sessionReset(ctx context.Context, id store.ContactID) error {
	m.events.emit(SessionReset{Contact: id})
	return m.systemLine(ctx, id, store.KindSessionReset, 0)
}
