package chat

import (
	"context"
	"errors"

	"ratchat/store"
)

// Files to a group: the offer is a group message (a file row, as to a
// person) and each chunk is encrypted once with our sender key and sealed
// for every member, so that the same chunk goes to every member's home.
// The members' homes accepting every chunk completes the sender's row
// (the members' receipts of the offer tick it); a member does not answer
// with a file done. A cancellation goes to the group as a group message.
// A member's consent follows its own setting for the sender (a member who
// is a request holds the file until the user accepts it); what was
// dropped while it waited cannot be asked for again in a group (there is
// no resume), and the row keeps what arrived.

// queueGroupChunk is [Messenger.queueChunk] for a group: one encryption,
// an outbox item per member (stored with our sender key in one
// transaction), each counted in the transfer's window with its share of
// the chunk's bytes.
func (m *Messenger) queueGroupChunk(ctx context.Context, g *group, o *outgoing, content *Content) error {
	return m.sendSealed(ctx, g, content, func(sealed *groupSealed) error {
		size := int64(len(content.ChunkData))
		n := int64(max(len(sealed.deliveries), 1))
		shares := make([]int64, len(sealed.deliveries))
		for i := range shares {
			shares[i] = size / n
		}
		if len(shares) > 0 {
			shares[0] += size % n
		}
		return m.files.queuedAll(o, shares, func() ([]int64, error) {
			return m.st.CommitGroupControlSent(ctx, g.conv.ID, sealed.record, sealed.deliveries)
		})
	})
}

// queuedAll is [transfers.queued] for the items of one chunk to a group,
// shares[i] bytes for the i-th item commit returns.
func (t *transfers) queuedAll(o *outgoing, shares []int64, commit func() ([]int64, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	items, err := commit()
	if err != nil {
		return err
	}
	for i, item := range items {
		o.pending[item] = shares[i]
		t.byItem[item] = o
	}
	return nil
}

// sendToGroup sends content as a group message that is not a row of the
// history (a file's cancellation, a timer): our sender key and the
// envelopes are stored in one transaction, the outbox delivers them.
func (m *Messenger) sendToGroup(ctx context.Context, g *group, content *Content) error {
	if err := m.stamp(content); err != nil {
		return err
	}
	return m.sendSealed(ctx, g, content, func(sealed *groupSealed) error {
		_, err := m.st.CommitGroupControlSent(ctx, g.conv.ID, sealed.record, sealed.deliveries)
		return err
	})
}

// groupFileControl sends a file's control message when conversation id is
// a group, and reports whether it was one. Only a cancellation of ours
// goes (to every member); a member's done or resume has no one to go to.
func (m *Messenger) groupFileControl(ctx context.Context, id store.ContactID, content *Content) bool {
	g, err := m.groupOf(ctx, id)
	if err != nil || g == nil {
		return false
	}
	if content.Kind != KindFileCancel {
		return true
	}
	msg, err := m.st.Message(ctx, id, content.FileID)
	if err != nil || msg.Direction != store.Outgoing {
		return true // a received file cancelled here: its sender goes on for the others
	}
	if err := m.sendToGroup(ctx, g, content); err != nil && !errors.Is(err, ErrNotMember) {
		m.log.Warn("cannot cancel a file in a group", "err", err)
	}
	return true
}

// startGroupFile prepares the download of a member's file offer, held
// for acceptance unless the member's own setting accepts its files.
func (m *Messenger) startGroupFile(ctx context.Context, conv store.ContactID, sender store.Contact, c *Content) {
	f, err := m.prepareIncoming(ctx, conv, c, !acceptsFiles(sender))
	if err != nil {
		m.log.Warn("cannot receive file", "err", err)
		err = m.failIncoming(ctx, conv, c.FileID)
	} else if f.Chunks == 0 && !f.Waiting {
		err = m.completeIncoming(ctx, conv, c.FileID, f)
	}
	if err != nil {
		m.log.Warn("cannot record a file's state", "err", err)
	}
}

// memberFile applies a member's chunk or cancellation of a file: only of
// a file the member offered.
func (m *Messenger) memberFile(ctx context.Context, conv, member store.ContactID, c *Content) error {
	msg, err := m.st.Message(ctx, conv, c.FileID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if msg.Kind != store.KindFile || msg.Direction != store.Incoming || msg.Sender != member {
		m.log.Warn("refusing a member's chunk of a file it did not offer", "contact", member)
		return nil
	}
	if c.Kind == KindFileCancel {
		return m.applyFileCancel(ctx, conv, c)
	}
	return m.receiveChunk(ctx, conv, c)
}
