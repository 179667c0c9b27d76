package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// Receiving a group message: the envelope names the group; its sender
// must be a member of the group's current state; the message decrypts
// with the member's sender key, and is stored with that key in one
// transaction. A message that does not decrypt (the member's key has not
// reached us yet, or was lost) waits in the store, across restarts, while
// we ask the member for its key; when the key comes it is decrypted after
// all. What still does not decrypt then, overflows the store's bounds, or
// waited longer than pendingMaxAge becomes a "could not be decrypted"
// line: nothing is dropped in silence, and nothing that arrives after all
// leaves a line.

// pendingMaxAge is how long a group message waits for its sender's key.
const pendingMaxAge = 7 * 24 * time.Hour

// pendingGroupMessage is a group message waiting for its sender's key,
// or for the version that makes its sender a member.
type pendingGroupMessage struct {
	body     []byte // the SenderKeyMessage
	received time.Time
	// stranger marks a message from someone not in our version of the
	// group: if nothing makes it a member, it was refused, not lost.
	stranger bool
}

// receiveGroupMessage handles a [transport.TypeSenderKey] envelope.
func (m *Messenger) receiveGroupMessage(ctx context.Context, opened *transport.OpenedEnvelope) error {
	var gid store.GroupID
	copy(gid[:], opened.Message)
	body := opened.Message[len(gid):]
	sender, err := m.st.ContactByIdentity(ctx, opened.Sender)
	if errors.Is(err, store.ErrNotFound) {
		return undeliverable(fmt.Errorf("%w: a group message from a stranger", ErrNotMember))
	}
	if err != nil {
		return err
	}
	if sender.State == store.StateBlocked {
		return undeliverable(errBlocked)
	}
	conv, err := m.st.GroupByID(ctx, gid)
	if errors.Is(err, store.ErrNotFound) {
		return undeliverable(fmt.Errorf("%w: a message for a group we do not know", ErrNotGroup))
	}
	if err != nil {
		return err
	}
	g, err := m.loadState(ctx, conv)
	if err != nil {
		return err
	}
	if conv.State == store.StateRemoved || conv.State == store.StateBlocked {
		return undeliverable(fmt.Errorf("%w: a message for a group we left", ErrNotMember))
	}
	p := pendingGroupMessage{body: body, received: m.now()}
	if g.state.member(sender.Identity) < 0 {
		p.stranger = true
		return m.notYetMember(ctx, g, sender, p)
	}
	m.lockSessions()
	defer m.mu.Unlock()
	return m.decryptGroupMessage(ctx, g, sender, p, true)
}

// notYetMember handles a group message from someone not in our version of
// the group. A member who joined in a version we have not received yet
// may write before that version reaches us: its message waits, and we
// ask it for the versions after ours; applying the version that adds it
// decrypts what waited. Anyone else's waits in vain, is refused, and is
// logged (a line at close: nothing is dropped in silence).
func (m *Messenger) notYetMember(ctx context.Context, g *group, sender store.Contact, p pendingGroupMessage) error {
	m.log.Warn("a group message from someone not in our version of the group", "contact", sender.ID, "group", g.conv.ID, "version", g.state.Version)
	m.heardFrom(sender.Identity, g.state)
	m.lockSessions()
	err := m.holdGroupMessage(ctx, g, sender, p, ErrNotMember, false)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	return m.askVersions(ctx, g.conv, sender, g.state.Version)
}

// decryptGroupMessage decrypts and stores one message of member sender.
// When it does not decrypt, wait holds it for the member's key (and asks
// for it); without wait it becomes a line. The caller holds m.mu.
func (m *Messenger) decryptGroupMessage(ctx context.Context, g *group, sender store.Contact, p pendingGroupMessage, wait bool) error {
	rec := new(session.SenderKeyRecord)
	b, err := m.st.SenderKey(ctx, g.conv.ID, sender.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := rec.UnmarshalBinary(b); err != nil {
			return fmt.Errorf("chat: the sender key of member %d: %w", sender.ID, err)
		}
	}
	plaintext, err := rec.Decrypt(p.body)
	if errors.Is(err, session.ErrDuplicate) {
		return undeliverable(err) // a redelivery: stored already
	}
	if session.IsProtocolError(err) {
		if wait {
			return m.holdGroupMessage(ctx, g, sender, p, err, true)
		}
		m.counters.groupDecryptFailed()
		if lineErr := m.systemLine(ctx, g.conv.ID, store.KindDecryptFailed, 0); lineErr != nil {
			return lineErr
		}
		return undeliverable(err)
	}
	if err != nil {
		return fmt.Errorf("chat: decrypting a group message: %w", err)
	}
	if b, err = rec.MarshalBinary(); err != nil {
		return err
	}
	return m.storeGroupMessage(ctx, g, sender, plaintext, b)
}

// holdGroupMessage keeps a message that did not decrypt in the store
// until the member's key comes and, with ask, asks the member for it.
// What the store's bounds drop to make room becomes a line. The caller
// holds m.mu.
func (m *Messenger) holdGroupMessage(ctx context.Context, g *group, sender store.Contact, p pendingGroupMessage, cause error, ask bool) error {
	m.log.Info("a group message waits for its sender key", "contact", sender.ID, "group", g.conv.ID, "err", cause)
	dropped, err := m.st.SavePendingGroupMessage(ctx, store.PendingGroupMessage{
		Conversation: g.conv.ID, Member: sender.ID, Received: p.received, Stranger: p.stranger, Body: p.body,
	})
	if err != nil {
		return err
	}
	if err := m.pendingLost(ctx, dropped); err != nil {
		return err
	}
	if !ask {
		return nil
	}
	if !m.mayAsk(askKey{conv: g.conv.ID, member: sender.ID, kind: askSenderKey}) {
		return nil
	}
	content := &Content{Kind: KindGroupFetch, GroupID: g.state.ID, GroupVersion: g.state.Version, SenderKeyWanted: true}
	if err := m.stamp(content); err != nil {
		return err
	}
	err = m.sendGroupControl(ctx, sender, content)
	if errors.Is(err, ErrNoSession) {
		m.log.Info("cannot ask for a sender key without a session", "contact", sender.ID)
		return nil
	}
	m.wakeOutbox()
	return err
}

// pendingLost writes a line for each waiting group message given up (a
// stranger's is logged: it was refused, not lost).
func (m *Messenger) pendingLost(ctx context.Context, lost []store.PendingGroupMessage) error {
	for _, p := range lost {
		if p.Stranger {
			m.log.Warn("refused a group message from someone not in the group", "contact", p.Member, "group", p.Conversation)
			continue
		}
		m.counters.groupDecryptFailed()
		if err := m.systemLine(ctx, p.Conversation, store.KindDecryptFailed, 0); err != nil {
			return err
		}
	}
	return nil
}

// retryPending decrypts, in arrival order, the messages of member from in
// group conv that waited for its key, deleting each once it is stored
// (or has become a line). The caller holds m.mu.
func (m *Messenger) retryPending(ctx context.Context, conv store.Contact, from store.Contact) error {
	list, err := m.st.PendingGroupMessages(ctx, conv.ID, from.ID)
	if err != nil || len(list) == 0 {
		return err
	}
	g, err := m.loadState(ctx, conv)
	if err != nil {
		return err
	}
	for _, sp := range list {
		p := pendingGroupMessage{body: sp.Body, received: sp.Received, stranger: sp.Stranger}
		err := m.decryptGroupMessage(ctx, g, from, p, false)
		if err != nil && !errors.Is(err, errUndeliverable) {
			return err
		}
		if err := m.st.DeletePendingGroupMessage(ctx, sp.Row); err != nil {
			return err
		}
	}
	return nil
}

// expirePending gives up the group messages that waited for their key
// longer than pendingMaxAge: each becomes a line. Those that wait less
// stay in the store across the restart.
func (m *Messenger) expirePending(ctx context.Context) {
	old, err := m.st.ExpirePendingGroupMessages(ctx, m.now().Add(-pendingMaxAge))
	if err == nil {
		err = m.pendingLost(ctx, old)
	}
	if err != nil {
		m.log.Warn("expiring group messages waiting for their key", "err", err)
	}
}

// storeGroupMessage stores what a member wrote to the group, with the
// member's sender key after decrypting it, and acknowledges it. The
// caller holds m.mu.
func (m *Messenger) storeGroupMessage(ctx context.Context, g *group, sender store.Contact, plaintext, record []byte) error {
	c, err := parseContent(plaintext)
	unsupported := errors.Is(err, ErrUnknownKind) && c.Kind < firstSilentKind
	if err != nil && !unsupported {
		if saveErr := m.st.SaveSenderKey(ctx, g.conv.ID, sender.ID, record); saveErr != nil {
			return saveErr
		}
		return undeliverable(err)
	}
	switch {
	case unsupported, c.Kind == KindText, c.Kind == KindFileOffer:
	case c.Kind == KindTimer:
		if err := m.timerSet(ctx, g.conv.ID, c.Timer); err != nil {
			return err
		}
		return m.st.SaveSenderKey(ctx, g.conv.ID, sender.ID, record)
	case c.Kind == KindFileChunk || c.Kind == KindFileCancel:
		if err := m.memberFile(ctx, g.conv.ID, sender.ID, c); err != nil {
			return err
		}
		return m.st.SaveSenderKey(ctx, g.conv.ID, sender.ID, record)
	case c.Kind == KindReaction || c.Kind == KindEdit || c.Kind == KindDelete:
		if err := m.applyGroupAction(ctx, g.conv.ID, sender.ID, c); err != nil {
			return err
		}
		return m.st.SaveSenderKey(ctx, g.conv.ID, sender.ID, record)
	default:
		m.log.Warn("ignoring a group message of a kind groups do not carry", "contact", sender.ID, "kind", c.Kind)
		return m.st.SaveSenderKey(ctx, g.conv.ID, sender.ID, record)
	}
	msg := store.Message{
		Conversation: g.conv.ID, ID: c.ID, Direction: store.Incoming, Sender: sender.ID,
		Body: []byte(c.Text), Sent: c.Sent, Received: m.now(),
		Status: store.StatusDelivered, StatusAt: m.now(),
	}
	if unsupported {
		msg.Kind, msg.Body = store.KindUnsupported, nil
	}
	if c.Kind == KindFileOffer {
		msg.Kind, msg.File = store.KindFile, &store.FileInfo{Name: c.Name, Size: int64(c.FileSize)}
		if !acceptsFiles(sender) {
			msg.File.State = store.FileWaiting
		}
	}
	if c.QuoteID != (store.MessageID{}) {
		if err := m.checkQuote(ctx, g.conv.ID, &msg, c.QuoteID); err != nil {
			return err
		}
	}
	if err := m.expiry(ctx, g.conv.ID, &msg); err != nil {
		return err
	}
	seq, dup, err := m.st.CommitGroupReceived(ctx, msg, sender.ID, record)
	if err != nil {
		return err
	}
	msg.Seq = seq
	m.expiryStored(&msg)
	if !dup {
		m.counters.received()
		m.events.emit(MessageReceived{Contact: g.conv.ID, Message: msg})
		if c.Kind == KindFileOffer {
			m.startGroupFile(ctx, g.conv.ID, sender, c)
		}
	}
	if g.conv.State != store.StateContact {
		return nil // a group request learns nothing until accepted
	}
	return m.groupReceipt(ctx, g, sender, ReceiptDelivered, c.ID)
}

// applyGroupAction applies a member's edit, deletion or reaction to a
// message of the group: an edit or a deletion only to the member's own
// message. What breaks a rule is refused and logged.
func (m *Messenger) applyGroupAction(ctx context.Context, conv, member store.ContactID, c *Content) error {
	own := func(msg *store.Message) error {
		if msg.Direction != store.Incoming || msg.Sender != member {
			return ErrNotOwnMessage
		}
		return nil
	}
	var change func(*store.Message) error
	switch c.Kind {
	case KindEdit:
		change = func(msg *store.Message) error {
			if err := own(msg); err != nil {
				return err
			}
			return applyEdit(msg, store.Incoming, c.Text, c.Sent)
		}
	case KindDelete:
		change = func(msg *store.Message) error {
			if err := own(msg); err != nil {
				return err
			}
			return applyDelete(msg, store.Incoming, c.Sent)
		}
	case KindReaction:
		change = func(msg *store.Message) error {
			if !personal(*msg) {
				return ErrNotActionable
			}
			setMemberReaction(msg, member, c.Emoji)
			return nil
		}
	}
	msg, err := m.st.UpdateMessage(ctx, conv, c.TargetID, change)
	if errors.Is(err, store.ErrNotFound) || isRuleError(err) {
		m.log.Warn("refusing a member's message action", "contact", member, "kind", c.Kind, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	m.events.emit(MessageStored{Contact: conv, Message: msg})
	return nil
}

// setMemberReaction makes emoji member's one reaction to msg (empty:
// none), keeping everyone else's.
func setMemberReaction(msg *store.Message, member store.ContactID, emoji string) {
	out := msg.Reactions[:0:0]
	for _, r := range msg.Reactions {
		if r.From != store.Incoming || r.Member != member {
			out = append(out, r)
		}
	}
	if emoji != "" {
		out = append(out, store.Reaction{From: store.Incoming, Member: member, Emoji: emoji})
	}
	msg.Reactions = out
}
