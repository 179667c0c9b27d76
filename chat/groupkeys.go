package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// Our sender key in each group (store member 0): made before our first
// message to the group, with a distribution id of its own per group, and
// handed pairwise ([KindSenderKey]) to every member before that message,
// to each member who joins later, and to a member who asks for it
// ([KindGroupFetch] with SenderKeyWanted). It is rotated (a new chain
// under the same distribution id) when anyone leaves the group, so that
// whoever left cannot read what we send after, and when it is older than
// senderKeyMaxAge.

// senderKeyMaxAge is how long we send on one sender key chain, as
// Signal's clients rotate theirs.
const senderKeyMaxAge = 30 * 24 * time.Hour

// settingSenderKeyAt names the setting holding when our sender key of a
// group was made (Unix seconds).
func settingSenderKeyAt(conv store.ContactID) string {
	return "group_sender_key_made_" + strconv.FormatInt(int64(conv), 10)
}

// ownSenderKey loads our sender key of group g. With create, a missing or
// expired one is made (or rotated) and handed to the members; otherwise
// a missing one is nil. The caller holds m.mu.
func (m *Messenger) ownSenderKey(ctx context.Context, g *group, members []store.Contact, create bool) (*session.SenderKeyRecord, error) {
	b, err := m.st.SenderKey(ctx, g.conv.ID, 0)
	if errors.Is(err, store.ErrNotFound) {
		if !create {
			return nil, nil
		}
		var id session.DistributionID
		if _, err := io.ReadFull(m.rand, id[:]); err != nil {
			return nil, err
		}
		return m.newSenderKey(ctx, g, members, id)
	}
	if err != nil {
		return nil, err
	}
	rec := new(session.SenderKeyRecord)
	if err := rec.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("chat: our sender key of group %d: %w", g.conv.ID, err)
	}
	if create && m.senderKeyExpired(ctx, g.conv.ID) {
		return m.rotateSenderKey(ctx, g, members, rec)
	}
	return rec, nil
}

// senderKeyExpired reports whether our sender key of conv is older than
// senderKeyMaxAge.
func (m *Messenger) senderKeyExpired(ctx context.Context, conv store.ContactID) bool {
	v, err := m.st.Setting(ctx, settingSenderKeyAt(conv))
	if err != nil {
		return false
	}
	at, err := strconv.ParseInt(v, 10, 64)
	return err == nil && m.now().Sub(time.Unix(at, 0)) > senderKeyMaxAge
}

// rotateSenderKey replaces our sender key of g by a new chain under the
// same distribution id, and hands it to the members.
func (m *Messenger) rotateSenderKey(ctx context.Context, g *group, members []store.Contact, rec *session.SenderKeyRecord) (*session.SenderKeyRecord, error) {
	d, err := rec.Distribution()
	if err != nil {
		return nil, err
	}
	return m.newSenderKey(ctx, g, members, d.DistributionID)
}

// newSenderKey makes our sender key of g for distribution id, stores it
// and hands it to members. The caller holds m.mu.
func (m *Messenger) newSenderKey(ctx context.Context, g *group, members []store.Contact, id session.DistributionID) (*session.SenderKeyRecord, error) {
	rec, dist, err := session.NewSenderKey(m.rand, id)
	if err != nil {
		return nil, err
	}
	b, err := rec.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if err := m.st.SaveSenderKey(ctx, g.conv.ID, 0, b); err != nil {
		return nil, err
	}
	if err := m.st.SetSetting(ctx, settingSenderKeyAt(g.conv.ID), strconv.FormatInt(m.now().Unix(), 10)); err != nil {
		return nil, err
	}
	return rec, m.handSenderKey(ctx, g, members, dist)
}

// handSenderKey sends distribution dist of our sender key of g to
// members. The caller holds m.mu.
func (m *Messenger) handSenderKey(ctx context.Context, g *group, members []store.Contact, dist *session.SenderKeyDistributionMessage) error {
	content := &Content{Kind: KindSenderKey, GroupID: g.state.ID, SenderKey: dist.Marshal()}
	if err := m.stamp(content); err != nil {
		return err
	}
	err := m.sendToMembersLocked(ctx, members, content)
	m.wakeOutbox()
	return err
}

// keysAfterChange keeps our sender key in step with a change of the
// members: rotated for everyone left when someone left, handed to the
// members who joined otherwise. Nothing to do while we have none.
func (m *Messenger) keysAfterChange(ctx context.Context, conv store.Contact, prev, next *GroupState, members []store.Contact) error {
	left := false
	for _, sm := range prev.Members {
		if next.member(sm.Identity) < 0 {
			left = true
		}
	}
	var joined []store.Contact
	for _, c := range members {
		if prev.member(c.Identity) < 0 {
			joined = append(joined, c)
		}
	}
	if !left && len(joined) == 0 {
		return nil
	}
	if _, err := m.st.SenderKey(ctx, conv.ID, 0); errors.Is(err, store.ErrNotFound) {
		return nil // made, and handed to everyone, before our first message
	} else if err != nil {
		return err
	}
	to := joined
	if left {
		to = members
	}
	m.ensureSessions(ctx, to)
	m.lockSessions()
	defer m.mu.Unlock()
	g := &group{conv: conv, state: next}
	rec, err := m.ownSenderKey(ctx, g, members, false)
	if err != nil || rec == nil {
		return err
	}
	if left {
		_, err = m.rotateSenderKey(ctx, g, members, rec)
		return err
	}
	dist, err := rec.Distribution()
	if err != nil {
		return err
	}
	return m.handSenderKey(ctx, g, joined, dist)
}

// resendSenderKey answers a member whose copy of a group message of ours
// did not decrypt: our sender key again, at its current iteration (what
// the member missed before it stays unreadable, as in libsignal).
func (m *Messenger) resendSenderKey(ctx context.Context, g *group, from store.Contact) error {
	if g.state.member(from.Identity) < 0 || g.conv.State == store.StateRemoved {
		m.log.Warn("refusing a sender key request from someone not in the group", "contact", from.ID, "group", g.conv.ID)
		return nil
	}
	if !m.mayAsk(askKey{conv: g.conv.ID, member: from.ID, kind: answerSenderKey}) {
		return nil
	}
	m.ensureSessions(ctx, []store.Contact{from})
	m.lockSessions()
	defer m.mu.Unlock()
	rec, err := m.ownSenderKey(ctx, g, nil, false)
	if err != nil || rec == nil {
		return err
	}
	dist, err := rec.Distribution()
	if err != nil {
		return err
	}
	if err := m.handSenderKey(ctx, g, []store.Contact{from}, dist); err != nil {
		return err
	}
	return m.resendToMember(ctx, g, from, rec)
}

// resendToMember encrypts again, after the key just handed to member,
// our recent texts to the group that the member has not acknowledged,
// and seals them for it alone: what it could not read comes again under
// its own id (a copy it did read is stored once). The other members never
// see those iterations and skip them. The caller holds m.mu.
func (m *Messenger) resendToMember(ctx context.Context, g *group, to store.Contact, rec *session.SenderKeyRecord) error {
	rows, _, err := m.st.Messages(ctx, g.conv.ID, 0, resendScan)
	if err != nil {
		return err
	}
	sent := 0
	for _, r := range rows {
		if r.Direction != store.Outgoing || r.Kind != store.KindText || m.now().Sub(r.Sent) > giveUpAfter || sent == maxResend {
			continue
		}
		if !m.unacknowledgedBy(ctx, g.conv.ID, r.ID, to.ID) {
			continue
		}
		content := &Content{Kind: KindText, ID: r.ID, Sent: r.Sent, Text: string(r.Body), QuoteID: r.Quote}
		plaintext, err := content.Marshal()
		if err != nil {
			return err
		}
		msg, err := rec.Encrypt(m.rand, plaintext)
		if err != nil {
			return err
		}
		payload := append(append(make([]byte, 0, len(g.state.ID)+len(msg)), g.state.ID[:]...), msg...)
		env, err := m.envelopeSealer().Seal(m.rand, to.Identity, transport.TypeSenderKey, payload)
		if err != nil {
			return err
		}
		if _, err := m.st.Enqueue(ctx, store.OutboxItem{Contact: to.ID, Payload: env}); err != nil {
			return err
		}
		sent++
	}
	if sent == 0 {
		return nil
	}
	b, err := rec.MarshalBinary()
	if err != nil {
		return err
	}
	m.wakeOutbox()
	return m.st.SaveSenderKey(ctx, g.conv.ID, 0, b)
}

// unacknowledgedBy reports whether our message id of group conv went to
// member and was not acknowledged by it.
func (m *Messenger) unacknowledgedBy(ctx context.Context, conv store.ContactID, id store.MessageID, member store.ContactID) bool {
	statuses, err := m.st.MemberStatuses(ctx, conv, id)
	if err != nil {
		return false
	}
	for _, s := range statuses {
		if s.Member == member {
			return s.Status == store.StatusQueued || s.Status == store.StatusSent
		}
	}
	return false
}

// receiveSenderKey keeps a member's sender key of a group, then decrypts
// what of the member's waited for it.
func (m *Messenger) receiveSenderKey(ctx context.Context, from store.Contact, c *Content) error {
	dist, err := session.ParseSenderKeyDistributionMessage(c.SenderKey)
	if err != nil {
		m.log.Warn("refusing a sender key", "contact", from.ID, "err", err)
		return nil
	}
	conv, err := m.st.GroupByID(ctx, c.GroupID)
	if errors.Is(err, store.ErrNotFound) {
		m.log.Info("a sender key for a group we do not know", "contact", from.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if conv.State == store.StateRemoved {
		return nil
	}
	m.lockSessions()
	defer m.mu.Unlock()
	rec := new(session.SenderKeyRecord)
	b, err := m.st.SenderKey(ctx, conv.ID, from.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := rec.UnmarshalBinary(b); err != nil {
			return fmt.Errorf("chat: the sender key of member %d: %w", from.ID, err)
		}
	}
	err = rec.Process(dist)
	if errors.Is(err, session.ErrWrongDistribution) {
		// The member made its key anew under a new distribution id (it
		// left or was removed, and came back): the new one replaces the
		// old, which it will never send on again. It came over the
		// member's own session, so it is the member's.
		rec = new(session.SenderKeyRecord)
		err = rec.Process(dist)
	}
	if err != nil {
		m.log.Warn("refusing a sender key", "contact", from.ID, "err", err)
		return nil
	}
	if b, err = rec.MarshalBinary(); err != nil {
		return err
	}
	if err := m.st.SaveSenderKey(ctx, conv.ID, from.ID, b); err != nil {
		return err
	}
	m.forgetAsk(askKey{conv: conv.ID, member: from.ID, kind: askSenderKey})
	return m.retryPending(ctx, conv, from)
}
