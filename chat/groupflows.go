package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"ratchat/keys"
	"ratchat/store"
)

// Membership flows: each change is a new version of the group's state,
// signed by us, applied here (groupapply.go) and sent as a
// [KindGroupUpdate] to every member of the version before and of the new
// one, so that a removed member learns it was removed.

// checkGroupName trims a group name and checks it.
func checkGroupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxGroupName || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return "", ErrBadGroupName
	}
	return name, nil
}

// CreateGroup makes a group named name of us (its admin) and members,
// who must be contacts or requests we can reach, and tells each of them.
func (m *Messenger) CreateGroup(ctx context.Context, name string, members []store.ContactID) (GroupInfo, error) {
	name, err := checkGroupName(name)
	if err != nil {
		return GroupInfo{}, err
	}
	s := &GroupState{Version: 1, Name: name,
		Members: []StateMember{{Identity: m.identity.Public, Home: m.home, Admin: true}}}
	if _, err := io.ReadFull(m.rand, s.ID[:]); err != nil {
		return GroupInfo{}, err
	}
	if _, err := io.ReadFull(m.rand, s.Token[:]); err != nil {
		return GroupInfo{}, err
	}
	if err := m.addMembers(ctx, s, members); err != nil {
		return GroupInfo{}, err
	}
	if err := s.sign(m.rand, &m.identity); err != nil {
		return GroupInfo{}, err
	}
	m.groups.change.Lock()
	defer m.groups.change.Unlock()
	id, err := m.st.AddGroup(ctx, s.ID, name, store.StateContact)
	if err != nil {
		return GroupInfo{}, err
	}
	conv, err := m.st.Contact(ctx, id)
	if err != nil {
		return GroupInfo{}, err
	}
	if err := m.publish(ctx, conv, nil, s); err != nil {
		return GroupInfo{}, err
	}
	return m.Group(ctx, id)
}

// addMembers appends the people ids to s, as plain members.
func (m *Messenger) addMembers(ctx context.Context, s *GroupState, ids []store.ContactID) error {
	for _, id := range ids {
		c, err := m.st.Contact(ctx, id)
		if err != nil {
			return fmt.Errorf("chat: member %d: %w", id, err)
		}
		switch {
		case c.GroupID != (store.GroupID{}):
			return fmt.Errorf("%w: a group cannot be a member", ErrNotActionable)
		case c.State == store.StateBlocked:
			return fmt.Errorf("%w: %s is blocked", ErrNotAccepted, DisplayName(c))
		case c.Address == "":
			return fmt.Errorf("%w: no home known for %s", ErrNoSession, DisplayName(c))
		case s.member(c.Identity) >= 0:
			continue
		}
		s.Members = append(s.Members, StateMember{Identity: c.Identity, Home: c.Address})
	}
	if len(s.Members) > MaxGroupMembers {
		return ErrGroupSize
	}
	return nil
}

// AddGroupMembers adds members to group g (we must be an admin) and
// tells every member, the new ones included.
func (m *Messenger) AddGroupMembers(ctx context.Context, g store.ContactID, members []store.ContactID) (GroupInfo, error) {
	return m.changeGroup(ctx, g, true, func(s *GroupState) error {
		return m.addMembers(ctx, s, members)
	})
}

// RemoveGroupMember removes member from group g (we must be an admin);
// the member is told, and every member rotates its sender key so that
// the member cannot read what is sent after.
func (m *Messenger) RemoveGroupMember(ctx context.Context, g, member store.ContactID) (GroupInfo, error) {
	return m.changeGroup(ctx, g, true, func(s *GroupState) error {
		i, err := m.memberIndex(ctx, s, member)
		if err != nil {
			return err
		}
		s.Members = append(s.Members[:i], s.Members[i+1:]...)
		return nil
	})
}

// PromoteGroupMember makes member an admin of group g (we must be one).
func (m *Messenger) PromoteGroupMember(ctx context.Context, g, member store.ContactID) (GroupInfo, error) {
	return m.changeGroup(ctx, g, true, func(s *GroupState) error {
		i, err := m.memberIndex(ctx, s, member)
		if err == nil {
			s.Members[i].Admin = true
		}
		return err
	})
}

// RenameGroup renames group g (we must be an admin).
func (m *Messenger) RenameGroup(ctx context.Context, g store.ContactID, name string) (GroupInfo, error) {
	name, err := checkGroupName(name)
	if err != nil {
		return GroupInfo{}, err
	}
	return m.changeGroup(ctx, g, true, func(s *GroupState) error {
		s.Name = name
		return nil
	})
}

// LeaveGroup takes us out of group g and tells every member. The history
// stays; nothing more is sent or received in the group. The last admin
// to leave makes the first remaining member an admin, so that the group
// can still change.
func (m *Messenger) LeaveGroup(ctx context.Context, g store.ContactID) error {
	_, err := m.changeGroup(ctx, g, false, func(s *GroupState) error {
		i := s.member(m.identity.Public)
		wasAdmin := s.Members[i].Admin
		s.Members = append(s.Members[:i], s.Members[i+1:]...)
		if wasAdmin && len(s.Members) > 0 && !s.hasAdmin() {
			s.Members[0].Admin = true
		}
		return nil
	})
	return err
}

// hasAdmin reports whether s has an admin.
func (s *GroupState) hasAdmin() bool {
	for _, sm := range s.Members {
		if sm.Admin {
			return true
		}
	}
	return false
}

// memberIndex finds contact member in s.
func (m *Messenger) memberIndex(ctx context.Context, s *GroupState, member store.ContactID) (int, error) {
	c, err := m.st.Contact(ctx, member)
	if err != nil {
		return 0, err
	}
	i := s.member(c.Identity)
	if i < 0 || c.GroupID != (store.GroupID{}) {
		return 0, fmt.Errorf("%w: %s", ErrNotMember, DisplayName(c))
	}
	return i, nil
}

// changeGroup makes the next version of group id with change, signs it,
// applies it and sends it to the members. admin says the change needs us
// to be an admin (everything but leaving).
func (m *Messenger) changeGroup(ctx context.Context, id store.ContactID, admin bool, change func(*GroupState) error) (GroupInfo, error) {
	m.groups.change.Lock()
	defer m.groups.change.Unlock()
	g, err := m.loadGroup(ctx, id)
	if err != nil {
		return GroupInfo{}, err
	}
	switch {
	case g.conv.State == store.StateRemoved || g.state.member(m.identity.Public) < 0:
		return GroupInfo{}, ErrNotMember
	case admin && !g.state.isAdmin(m.identity.Public):
		return GroupInfo{}, ErrNotAdmin
	}
	next := g.state.clone()
	next.Version++
	if err := change(next); err != nil {
		return GroupInfo{}, err
	}
	if err := next.sign(m.rand, &m.identity); err != nil {
		return GroupInfo{}, err
	}
	if err := m.publish(ctx, g.conv, g.state, next); err != nil {
		return GroupInfo{}, err
	}
	return m.Group(ctx, id)
}

// publish sends our new version next of a group to every member of prev
// and next, then applies it. The caller holds m.groups.change.
func (m *Messenger) publish(ctx context.Context, conv store.Contact, prev, next *GroupState) error {
	raw := next.Marshal()
	to, err := m.otherMembers(ctx, next)
	if err != nil {
		return err
	}
	if prev != nil {
		for _, sm := range prev.Members {
			if next.member(sm.Identity) < 0 && sm.Identity != m.identity.Public {
				c, err := m.memberContact(ctx, sm)
				if err != nil {
					return err
				}
				to = append(to, c)
			}
		}
	}
	content := &Content{Kind: KindGroupUpdate, GroupState: raw}
	if err := m.stamp(content); err != nil {
		return err
	}
	if err := m.sendToMembers(ctx, to, content); err != nil {
		return err
	}
	return m.applyState(ctx, conv, prev, next, raw)
}

// rekeyMember replaces a member's old identity key by its new one in
// every group we are an admin of: the user accepted the new key as the
// same person's ([Messenger.AcceptAsKeyChange]). Each is a new version,
// which every member applies as the old key removed and the new one
// added (sender keys rotate, as for any removal). Where we are no admin,
// an admin has to add the member's new key.
func (m *Messenger) rekeyMember(ctx context.Context, c store.Contact, old keys.PublicKey) error {
	rows, err := m.st.Groups(ctx)
	if err != nil {
		return err
	}
	for _, conv := range rows {
		g, err := m.loadState(ctx, conv)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		i := g.state.member(old)
		if i < 0 || conv.State == store.StateRemoved {
			continue
		}
		if !g.state.isAdmin(m.identity.Public) || g.state.member(c.Identity) >= 0 {
			// Not ours to change: the group says so until an admin
			// updates the member's key (its version writes the line
			// where we are admin).
			if err := m.keyChangedLine(ctx, conv.ID, c); err != nil {
				return err
			}
			continue
		}
		_, err = m.changeGroup(ctx, conv.ID, true, func(s *GroupState) error {
			s.Members[i].Identity = c.Identity
			if c.Address != "" {
				s.Members[i].Home = c.Address
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// keyChangedLine writes into a group's history that member c has a new
// safety number, which the user accepted as c's new key.
func (m *Messenger) keyChangedLine(ctx context.Context, conv store.ContactID, c store.Contact) error {
	var id store.MessageID
	if _, err := io.ReadFull(m.rand, id[:]); err != nil {
		return err
	}
	return m.membershipLine(ctx, conv, id, DisplayName(c)+"'s safety number changed; you accepted the new key")
}
