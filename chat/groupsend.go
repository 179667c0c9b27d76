package chat

import (
	"context"
	"fmt"

	"ratchat/store"
	"ratchat/transport"
)

// Sending to a group: the content is encoded once and encrypted once with
// our sender key; the one SenderKeyMessage is then sealed in an envelope
// per member ([transport.TypeSenderKey]: group id ‖ SenderKeyMessage), and
// the outbox delivers each to the member's home as it delivers anything.

// groupRecipients checks that we may send to group g now and returns the
// members to send to: everyone but us and blocked members. A member whose
// identity key changed and was not accepted holds the whole group.
func (m *Messenger) groupRecipients(ctx context.Context, g *group) ([]store.Contact, error) {
	switch {
	case g.conv.State == store.StateRemoved || g.state.member(m.identity.Public) < 0:
		return nil, ErrNotMember
	case g.conv.State != store.StateContact:
		return nil, ErrNotAccepted
	}
	members, err := m.otherMembers(ctx, g.state)
	if err != nil {
		return nil, err
	}
	out := members[:0]
	for _, c := range members {
		if c.Held {
			return nil, &IdentityChangedError{Contact: c.ID}
		}
		if c.State != store.StateBlocked {
			out = append(out, c)
		}
	}
	return out, nil
}

// groupSealed is a group message encrypted and sealed for every member.
type groupSealed struct {
	record     []byte // our sender key after encrypting
	deliveries []store.GroupDelivery
}

// sealGroup encrypts c once with our sender key of g and seals it for
// each member. The caller holds m.mu; the members have sessions
// ([Messenger.ensureSessions]) so that a new sender key can be handed to
// them first.
func (m *Messenger) sealGroup(ctx context.Context, g *group, members []store.Contact, c *Content) (*groupSealed, error) {
	rec, err := m.ownSenderKey(ctx, g, members, true)
	if err != nil {
		return nil, err
	}
	plaintext, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	msg, err := rec.Encrypt(m.rand, plaintext)
	if err != nil {
		return nil, fmt.Errorf("chat: encrypting for the group: %w", err)
	}
	payload := append(append(make([]byte, 0, len(g.state.ID)+len(msg)), g.state.ID[:]...), msg...)
	out := &groupSealed{deliveries: make([]store.GroupDelivery, 0, len(members))}
	for _, mc := range members {
		env, err := m.envelopeSealer().Seal(m.rand, mc.Identity, transport.TypeSenderKey, payload)
		if err != nil {
			return nil, err
		}
		out.deliveries = append(out.deliveries, store.GroupDelivery{Member: mc.ID, Payload: env})
	}
	if out.record, err = rec.MarshalBinary(); err != nil {
		return nil, err
	}
	return out, nil
}

// groupSealer returns the [transport.Sealer] of our envelopes to members,
// made the first time: it remembers the static agreement with each member,
// a third of each envelope's cost.
func (m *Messenger) envelopeSealer() *transport.Sealer {
	m.groups.mu.Lock()
	defer m.groups.mu.Unlock()
	if m.groups.sealer == nil {
		m.groups.sealer = transport.NewSealer(&m.identity)
	}
	return m.groups.sealer
}

// sendSealed seals c for the members of g ([Messenger.sealGroup]) and
// hands it to commit, which stores our sender key with what goes out; both
// under m.mu, so that no other message takes the same sender-key step.
// Then the outbox delivers it.
func (m *Messenger) sendSealed(ctx context.Context, g *group, c *Content, commit func(*groupSealed) error) error {
	members, err := m.groupRecipients(ctx, g)
	if err != nil {
		return err
	}
	m.ensureSessions(ctx, members)
	m.lockSessions()
	defer m.mu.Unlock()
	sealed, err := m.sealGroup(ctx, g, members, c)
	if err != nil {
		return err
	}
	if err := commit(sealed); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}

// sendGroupMessage is [Messenger.sendMessage] for a group: the row, our
// sender key and an outbox item per member in one transaction.
func (m *Messenger) sendGroupMessage(ctx context.Context, g *group, c *Content, fill func(*store.Message)) (store.Message, error) {
	var msg store.Message
	err := m.sendSealed(ctx, g, c, func(sealed *groupSealed) error {
		msg = store.Message{
			Conversation: g.conv.ID, ID: c.ID, Direction: store.Outgoing,
			Sent: c.Sent, Received: c.Sent, Status: store.StatusQueued, StatusAt: c.Sent,
		}
		fill(&msg)
		if err := m.expiry(ctx, g.conv.ID, &msg); err != nil {
			return err
		}
		seq, err := m.st.CommitGroupSent(ctx, store.GroupSent{Message: msg, SenderKey: sealed.record, Deliveries: sealed.deliveries})
		if err != nil {
			return err
		}
		msg.Seq = seq
		m.counters.sent()
		m.expiryStored(&msg)
		m.events.emit(MessageStored{Contact: g.conv.ID, Message: msg})
		return nil
	})
	if err != nil {
		return store.Message{}, err
	}
	return msg, nil
}

// actInGroup is [Messenger.act] for a group: the change to the message,
// our sender key and the envelopes in one transaction.
func (m *Messenger) actInGroup(ctx context.Context, g *group, c *Content, change func(*store.Message) error) (store.Message, error) {
	var msg store.Message
	err := m.sendSealed(ctx, g, c, func(sealed *groupSealed) error {
		var err error
		msg, err = m.st.UpdateGroupMessageSent(ctx, g.conv.ID, c.TargetID, change, sealed.record, sealed.deliveries)
		if err != nil {
			return fmt.Errorf("chat: message action: %w", noMessage(err))
		}
		m.events.emit(MessageStored{Contact: g.conv.ID, Message: msg})
		return nil
	})
	return msg, err
}
