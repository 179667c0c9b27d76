package app

import (
	"context"
	"sort"
	"time"

	"ratchat/store"
	"ratchat/ui"
)

// Messages returns up to n messages of a chat with Seq below before (the
// newest when before <= 0), oldest first, with the system lines among
// them.
func (c *Core) Messages(contact, before int64, n int) ([]ui.MessageItem, error) {
	ctx := context.Background()
	c.mu.RLock()
	defer c.mu.RUnlock()
	id := store.ContactID(contact)
	msgs, prev, err := c.m.Messages(ctx, id, storeCursor(before), n)
	if err != nil {
		return nil, err
	}
	md, err := c.meta(ctx, id)
	if err != nil {
		return nil, err
	}
	items := make([]ui.MessageItem, 0, len(msgs)+len(md.System))
	for _, m := range msgs {
		items = append(items, messageItem(m, md))
	}
	lo := int64(-1) // the oldest page takes every earlier system line
	if prev != 0 && len(msgs) > 0 {
		lo = uiSeq(msgs[0].Seq)
	}
	hi := before
	if hi <= 0 {
		hi = 1<<63 - 1
	}
	added := false
	for _, l := range md.System {
		if l.Seq > lo && l.Seq < hi {
			items, added = append(items, l.item()), true
		}
	}
	if added {
		sort.Slice(items, func(i, j int) bool { return items[i].Seq < items[j].Seq })
	}
	return items, nil
}

// messageItem is a stored message as the interface shows it.
func messageItem(m store.Message, md *meta) ui.MessageItem {
	it := ui.MessageItem{Seq: uiSeq(m.Seq), Outgoing: m.Direction == store.Outgoing,
		Text: string(m.Body), Sent: m.Sent, Received: m.Received}
	if it.Outgoing {
		it.Status = statusItem(m.Status)
	}
	if size, ok := md.fileSize(m.ID); ok {
		it.File = &ui.FileItem{Name: it.Text, Size: size}
		it.Text = ""
	}
	return it
}

// statusItem maps a stored status to the interface's.
func statusItem(s store.Status) ui.MessageStatus {
	switch s {
	case store.StatusQueued:
		return ui.StatusQueued
	case store.StatusSent:
		return ui.StatusSent
	case store.StatusDelivered:
		return ui.StatusDelivered
	case store.StatusRead:
		return ui.StatusRead
	case store.StatusFailed:
		return ui.StatusFailed
	}
	return ui.StatusNone
}

// Send queues a text message and returns it as stored. While the contact's
// changed key awaits acceptance the error matches ui.ErrKeyNotAccepted.
func (c *Core) Send(contact int64, text string) (ui.MessageItem, error) {
	msg, err := c.SendMessage(contact, text)
	if err != nil {
		return ui.MessageItem{}, err
	}
	return messageItem(msg, &meta{}), nil
}

// SendMessage is Send for the command line: it returns the stored message.
func (c *Core) SendMessage(contact int64, text string) (store.Message, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	msg, err := c.m.Send(context.Background(), store.ContactID(contact), text)
	return msg, mapErr(err)
}

// SendFile sends a file, reporting progress, until done or ctx is
// cancelled.
func (c *Core) SendFile(ctx context.Context, contact int64, path string, progress ui.Progress) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var p func(done, total int64)
	if progress != nil {
		p = progress
	}
	_, err := c.m.SendFile(ctx, store.ContactID(contact), path, p)
	return mapErr(err)
}

// SetTimer sets a chat's disappearing-messages timer.
func (c *Core) SetTimer(contact int64, d time.Duration) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return mapErr(c.m.SetTimer(context.Background(), store.ContactID(contact), d))
}

// markScan bounds how far back MarkRead looks for unread messages.
const markScan = 2000

// MarkRead marks every unread incoming message up to Seq upTo read and
// sends read receipts, then reports the contact's new row.
func (c *Core) MarkRead(contact, upTo int64) error {
	ctx := context.Background()
	c.mu.RLock()
	id := store.ContactID(contact)
	ids, err := c.unreadUpTo(ctx, id, storeCursor(upTo+1))
	if err == nil && len(ids) > 0 {
		err = c.m.MarkRead(ctx, id, ids...)
	}
	var ev ui.ContactEvent
	if err == nil {
		c.state.forgetRow(id)
		ev.Contact, err = c.contactByID(ctx, id)
	}
	c.mu.RUnlock()
	if err != nil {
		return err
	}
	c.emit(ev)
	return nil
}

// unreadUpTo lists the incoming messages before the cursor that are not
// read, newest first, stopping at the first one that is.
func (c *Core) unreadUpTo(ctx context.Context, id store.ContactID, cur store.Cursor) ([]store.MessageID, error) {
	var ids []store.MessageID
	for seen := 0; seen < markScan; {
		msgs, prev, err := c.m.Messages(ctx, id, cur, 200)
		if err != nil {
			return nil, err
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			m := msgs[i]
			if m.Direction != store.Incoming {
				continue
			}
			if m.Status == store.StatusRead {
				return ids, nil
			}
			ids = append(ids, m.ID)
		}
		if prev == 0 || len(msgs) == 0 {
			break
		}
		seen, cur = seen+len(msgs), prev
	}
	return ids, nil
}
