package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/transport"
)

// GroupMember is one member of a group as the front ends show it.
type GroupMember struct {
	// Contact is the member's contact row: a contact, a message request
	// (a member we know only through the group), or, for ourselves, a
	// row with ID 0 holding our identity, name and home.
	Contact store.Contact
	// Self marks ourselves; Admin an admin of the group.
	Self, Admin bool
}

// GroupInfo is a group as the front ends show it.
type GroupInfo struct {
	// Conversation is the group's row: its history, read marker, mute
	// and timer are those of any conversation.
	Conversation store.ContactID
	ID           store.GroupID
	Name         string
	Version      uint64
	Members      []GroupMember
	// Admin says we are an admin; Member that we are still in the group
	// (we left, or were removed, otherwise).
	Admin, Member bool
	// Held lists the members whose identity key changed and was not
	// accepted: sending to the group is held until each is handled.
	Held []store.ContactID
}

// groupRuntime is what the messenger keeps in memory about groups.
type groupRuntime struct {
	// change serializes changes of group states, ours and received, so
	// that versions are applied one at a time.
	change sync.Mutex

	mu sync.Mutex // guards what follows
	// tokens maps a member's identity to the deposit token of a group we
	// share with it, for members who gave us no token of their own; nil
	// until built, and dropped on every change of a group.
	tokens map[keys.PublicKey]transport.Token
	// heard maps members who wrote to us before we had the version that
	// lists them to the group's token ([Messenger.heardFrom]).
	heard map[keys.PublicKey]transport.Token
	// asked is when we last asked a member for its sender key, or for
	// versions of a group, so that a burst of failures asks once.
	asked map[askKey]time.Time
	// sessions remembers the members we hold an established session
	// with, and tried when starting one last failed.
	sessions map[store.ContactID]bool
	tried    map[store.ContactID]time.Time
	// sealer seals group envelopes ([Messenger.groupSealer]).
	sealer *transport.Sealer
}

// group is a group conversation and its current state.
type group struct {
	conv  store.Contact
	state *GroupState
}

// groupOf returns the group conversation id is, or nil when it is a
// person.
func (m *Messenger) groupOf(ctx context.Context, id store.ContactID) (*group, error) {
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.GroupID == (store.GroupID{}) {
		return nil, nil
	}
	return m.loadState(ctx, c)
}

// rowAfterState reads group g's conversation row again, after its state.
// Why: a change writes the row (removed, or back) before the version
// ([Messenger.applyVersion]), so the row read after the state is at
// least as new, and a member added back never reads as still removed at
// the version that lists it (a reader that read the row first, then a
// version stored meanwhile, did).
func (m *Messenger) rowAfterState(ctx context.Context, g *group) error {
	c, err := m.st.Contact(ctx, g.conv.ID)
	if err != nil {
		return err
	}
	g.conv = c
	return nil
}

// loadGroup returns group conversation id, or [ErrNotGroup].
func (m *Messenger) loadGroup(ctx context.Context, id store.ContactID) (*group, error) {
	g, err := m.groupOf(ctx, id)
	if err == nil && g == nil {
		err = ErrNotGroup
	}
	return g, err
}

// loadState reads the current state of group conversation c.
func (m *Messenger) loadState(ctx context.Context, c store.Contact) (*group, error) {
	_, b, err := m.st.GroupState(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("chat: the state of group %d: %w", c.ID, err)
	}
	s, err := ParseGroupState(b)
	if err != nil {
		return nil, fmt.Errorf("chat: the stored state of group %d: %w", c.ID, err)
	}
	return &group{conv: c, state: s}, nil
}

// Group returns group g.
func (m *Messenger) Group(ctx context.Context, g store.ContactID) (GroupInfo, error) {
	grp, err := m.loadGroup(ctx, g)
	if err == nil {
		err = m.rowAfterState(ctx, grp)
	}
	if err != nil {
		return GroupInfo{}, err
	}
	return m.groupInfo(ctx, grp)
}

// Groups returns every group, those we left included.
func (m *Messenger) Groups(ctx context.Context) ([]GroupInfo, error) {
	rows, err := m.st.Groups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]GroupInfo, 0, len(rows))
	for _, c := range rows {
		if c.State == store.StateBlocked {
			continue
		}
		g, err := m.loadState(ctx, c)
		if errors.Is(err, store.ErrNotFound) {
			continue // made or joined half-way: no version yet
		}
		if err == nil {
			err = m.rowAfterState(ctx, g)
		}
		if err != nil {
			return nil, err
		}
		info, err := m.groupInfo(ctx, g)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// groupInfo describes g for the front ends.
func (m *Messenger) groupInfo(ctx context.Context, g *group) (GroupInfo, error) {
	info := GroupInfo{Conversation: g.conv.ID, ID: g.state.ID, Name: g.state.Name, Version: g.state.Version}
	for _, sm := range g.state.Members {
		gm := GroupMember{Admin: sm.Admin}
		if sm.Identity == m.identity.Public {
			name, err := m.st.DisplayName(ctx)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return GroupInfo{}, err
			}
			gm.Self, gm.Contact = true, store.Contact{Identity: sm.Identity, Address: m.home, Name: name}
			info.Member, info.Admin = true, sm.Admin
		} else {
			c, err := m.st.ContactByIdentity(ctx, sm.Identity)
			if errors.Is(err, store.ErrNotFound) {
				c = store.Contact{Identity: sm.Identity, Address: sm.Home, State: store.StateRequest}
			} else if err != nil {
				return GroupInfo{}, err
			}
			gm.Contact = c
			if c.Held {
				info.Held = append(info.Held, c.ID)
			}
		}
		info.Members = append(info.Members, gm)
	}
	if g.conv.State == store.StateRemoved {
		info.Member, info.Admin = false, false
	}
	return info, nil
}

// MemberStatuses returns, for our message id in group g, where it is at
// each member (message info).
func (m *Messenger) MemberStatuses(ctx context.Context, g store.ContactID, id store.MessageID) ([]store.MemberStatus, error) {
	if _, err := m.loadGroup(ctx, g); err != nil {
		return nil, err
	}
	return m.st.MemberStatuses(ctx, g, id)
}

// memberContact returns the contact row of member sm, making a message
// request row for someone we know only through a group: its identity and
// home are what we need to open a session with it.
func (m *Messenger) memberContact(ctx context.Context, sm StateMember) (store.Contact, error) {
	c, err := m.st.ContactByIdentity(ctx, sm.Identity)
	if !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	c = store.Contact{Identity: sm.Identity, Address: sm.Home, State: store.StateRequest}
	if c.ID, err = m.st.AddContact(ctx, c); err != nil {
		if again, err2 := m.st.ContactByIdentity(ctx, sm.Identity); err2 == nil {
			return again, nil // added meanwhile by a message of its own
		}
		return store.Contact{}, err
	}
	m.events.emit(ContactChanged{Contact: c})
	return c, nil
}

// otherMembers returns the contact rows of the state's members but us,
// making rows for members we do not know. The known ones are read in a
// few queries ([store.Store.ContactsByIdentity]): this runs on every
// message sent to the group.
func (m *Messenger) otherMembers(ctx context.Context, s *GroupState) ([]store.Contact, error) {
	ids := make([]keys.PublicKey, 0, len(s.Members))
	for _, sm := range s.Members {
		if sm.Identity != m.identity.Public {
			ids = append(ids, sm.Identity)
		}
	}
	known, err := m.st.ContactsByIdentity(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.Contact, 0, len(ids))
	for _, sm := range s.Members {
		if sm.Identity == m.identity.Public {
			continue
		}
		c, ok := known[sm.Identity]
		if !ok {
			if c, err = m.memberContact(ctx, sm); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}
