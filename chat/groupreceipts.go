package chat

import (
	"context"
	"errors"

	"ratchat/store"
)

// Receipts of group messages travel pairwise, from each member to the
// member who wrote the message, as receipts naming the group (field 23);
// the writer keeps a status per member and shows the least advanced.

// groupReceipt acknowledges group messages to the member who wrote them,
// pairwise. The caller holds m.mu.
func (m *Messenger) groupReceipt(ctx context.Context, g *group, to store.Contact, t ReceiptType, ids ...store.MessageID) error {
	if to.Held {
		return nil
	}
	content := &Content{Kind: KindReceipt, Receipt: t, Acked: ids, GroupID: g.state.ID}
	if err := m.stamp(content); err != nil {
		return err
	}
	err := m.sendGroupControl(ctx, to, content)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	m.wakeOutbox()
	return err
}

// applyGroupReceipt moves a member's status of our group messages
// forward; the row's summary (the least advanced member) is what the
// StatusChanged event carries, sent for every acknowledged message so
// that message info can show each member's status.
func (m *Messenger) applyGroupReceipt(ctx context.Context, from store.Contact, c *Content) error {
	conv, err := m.st.GroupByID(ctx, c.GroupID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	status := store.StatusDelivered
	if c.Receipt == ReceiptRead {
		status = store.StatusRead
	}
	for _, id := range c.Acked {
		summary, _, err := m.st.SetMemberStatus(ctx, conv.ID, id, from.ID, status)
		if errors.Is(err, store.ErrNotFound) {
			continue // a message since deleted, or not one of ours
		}
		if err != nil {
			return err
		}
		m.events.emit(StatusChanged{Contact: conv.ID, ID: id, Status: summary})
	}
	return nil
}

// groupReadReceipts marks the members' messages of group conv between
// the read markers after and upTo read, and tells each member which of
// its own were read, unless [Privacy.NoReadReceipts].
func (m *Messenger) groupReadReceipts(ctx context.Context, conv store.Contact, after, upTo int64) error {
	bySender := map[store.ContactID][]store.MessageID{}
	for after < upTo {
		rows, err := m.st.After(ctx, conv.ID, after, markReadPage)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Seq <= upTo && r.Direction == store.Incoming && r.Status != store.StatusRead && r.Sender != 0 {
				bySender[r.Sender] = append(bySender[r.Sender], r.ID)
			}
		}
		if len(rows) < markReadPage {
			break
		}
		after = rows[len(rows)-1].Seq
	}
	g, err := m.loadState(ctx, conv)
	if err != nil {
		return err
	}
	m.lockSessions()
	defer m.mu.Unlock()
	for sender, ids := range bySender {
		if _, err := m.st.SetStatuses(ctx, conv.ID, ids, store.StatusRead); err != nil {
			return err
		}
		if m.Privacy().NoReadReceipts || conv.State != store.StateContact {
			continue
		}
		to, err := m.st.Contact(ctx, sender)
		if err != nil {
			return err
		}
		for len(ids) > 0 {
			n := min(len(ids), MaxReceiptIDs)
			if err := m.groupReceipt(ctx, g, to, ReceiptRead, ids[:n]...); err != nil {
				return err
			}
			ids = ids[n:]
		}
	}
	return nil
}

// acceptGroup makes a group we were added to by someone who is not a
// contact ours: its members get the delivery receipts (and read receipts,
// up to the read marker) a request was not sent.
func (m *Messenger) acceptGroup(ctx context.Context, conv store.Contact) error {
	m.events.emit(GroupChanged{Contact: conv.ID})
	g, err := m.loadState(ctx, conv)
	if err != nil {
		return err
	}
	marker, err := m.st.ReadMarker(ctx, conv.ID)
	if err != nil {
		return err
	}
	delivered := map[store.ContactID][]store.MessageID{}
	for after := int64(0); ; {
		rows, err := m.st.After(ctx, conv.ID, after, markReadPage)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Direction == store.Incoming && r.Sender != 0 {
				delivered[r.Sender] = append(delivered[r.Sender], r.ID)
			}
		}
		if len(rows) < markReadPage {
			break
		}
		after = rows[len(rows)-1].Seq
	}
	m.lockSessions()
	for sender, ids := range delivered {
		to, err := m.st.Contact(ctx, sender)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		for len(ids) > 0 {
			n := min(len(ids), MaxReceiptIDs)
			if err := m.groupReceipt(ctx, g, to, ReceiptDelivered, ids[:n]...); err != nil {
				m.mu.Unlock()
				return err
			}
			ids = ids[n:]
		}
	}
	m.mu.Unlock()
	if marker > 0 {
		return m.groupReadReceipts(ctx, conv, 0, marker)
	}
	return nil
}
