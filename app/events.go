package app

import (
	"context"
	"time"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/ui"
)

// forward translates m's events for the interface until m closes them or
// the core closes.
func (c *Core) forward(m *chat.Messenger) {
	defer c.fwd.Done()
	for ev := range m.Events() {
		select {
		case <-c.done:
			return
		default:
		}
		for _, out := range c.translate(ev) {
			c.emit(out)
		}
	}
}

// translate turns one event of the core into the interface's events: the
// message, receipt or status, then the ContactEvent of any row it changed.
// An event whose details cannot be read is dropped (the interface reloads
// on its own the next time it lists the contacts).
func (c *Core) translate(ev chat.Event) []any {
	ctx := context.Background()
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []any
	switch e := ev.(type) {
	case chat.MessageReceived:
		c.state.hear(e.Contact, time.Now())
		out = c.messageEvent(ctx, e.Contact, e.Message)
	case chat.MessageStored:
		out = c.messageEvent(ctx, e.Contact, e.Message)
	case chat.StatusChanged:
		out = c.receiptEvent(ctx, e)
	case chat.ContactChanged:
		out = c.rowEvent(ctx, e.Contact.ID)
	case chat.IdentityChanged:
		out = c.systemEvent(ctx, e.Contact, ui.SystemKeyChanged, 0)
	case chat.SessionReset:
		out = c.systemEvent(ctx, e.Contact, ui.SystemSessionReset, 0)
	case chat.TimerChanged:
		out = c.systemEvent(ctx, e.Contact, ui.SystemTimer, e.Timer)
	case chat.FileProgress:
		out = c.fileEvent(ctx, e)
	case chat.MessagesExpired:
		out = c.allRows(ctx)
	case chat.HomeState:
		conn := ui.ConnOffline
		if e.Connected {
			conn = ui.ConnOnline
		}
		out = []any{ui.StatusEvent{Status: c.state.setConn(conn)}}
	case chat.BackupWritten:
		out = []any{ui.BackupWrittenEvent{Path: e.Path, Err: e.Err}}
	}
	return out
}

// messageEvent reports a stored message and its contact's new row.
func (c *Core) messageEvent(ctx context.Context, id store.ContactID, m store.Message) []any {
	md, err := c.meta(ctx, id)
	if err != nil {
		return nil
	}
	ev := ui.MessageEvent{Contact: int64(id), Message: messageItem(m, md)}
	return append([]any{ev}, c.rowEvent(ctx, id)...)
}

// receiptEvent reports an outgoing message's new status.
func (c *Core) receiptEvent(ctx context.Context, e chat.StatusChanged) []any {
	if e.Status == store.StatusSent || e.Status == store.StatusDelivered || e.Status == store.StatusRead {
		c.state.hear(e.Contact, time.Now())
	}
	m, err := c.st.Message(ctx, e.Contact, e.ID)
	if err != nil {
		return nil
	}
	return []any{ui.ReceiptEvent{Contact: int64(e.Contact), Seq: uiSeq(m.Seq), Status: statusItem(e.Status)}}
}

// rowEvent recomputes a contact's row and reports it.
func (c *Core) rowEvent(ctx context.Context, id store.ContactID) []any {
	c.state.forgetRow(id)
	it, err := c.contactByID(ctx, id)
	if err != nil {
		return nil
	}
	return []any{ui.ContactEvent{Contact: it}}
}

// allRows recomputes every row (messages disappeared somewhere).
func (c *Core) allRows(ctx context.Context) []any {
	all, err := c.st.Contacts(ctx)
	if err != nil {
		return nil
	}
	var out []any
	for _, sc := range all {
		out = append(out, c.rowEvent(ctx, sc.ID)...)
	}
	return out
}

// systemEvent writes a system line into a chat and reports it, with the
// contact's row (its marks or timer changed).
func (c *Core) systemEvent(ctx context.Context, id store.ContactID, kind ui.SystemKind, timer time.Duration) []any {
	item, err := c.addSystem(ctx, id, kind, timer)
	if err != nil {
		return c.rowEvent(ctx, id)
	}
	return append([]any{ui.MessageEvent{Contact: int64(id), Message: item}}, c.rowEvent(ctx, id)...)
}

// fileEvent marks a message as a file the first time its transfer
// reports progress, and shows it anew as one.
func (c *Core) fileEvent(ctx context.Context, e chat.FileProgress) []any {
	if !e.Outgoing {
		c.state.hear(e.Contact, time.Now())
	}
	fresh, err := c.markFile(ctx, e.Contact, e.File, e.Total)
	if err != nil || !fresh {
		return nil
	}
	m, err := c.st.Message(ctx, e.Contact, e.File)
	if err != nil {
		return nil
	}
	return c.messageEvent(ctx, e.Contact, m)
}
