package chat

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"ratchat/keys"
	"ratchat/store"
)

// Membership lines: each change of a group's state writes a line per
// change into the group's history ("alice added bob", "bob left"), as
// rows of [store.KindMembership] whose body is the text.

// membershipLinesAs writes a line into the group's history per change
// from prev to next ("Alice added Bob"), the i-th with id id(i).
func (m *Messenger) membershipLinesAs(ctx context.Context, conv store.ContactID, prev, next *GroupState, id func(int) store.MessageID) error {
	author, err := m.memberName(ctx, next.Author, true)
	if err != nil {
		return err
	}
	var lines []string
	if prev == nil {
		if next.Version == 1 {
			lines = append(lines, fmt.Sprintf("%s created the group %q", author, next.Name))
		} else {
			lines = append(lines, fmt.Sprintf("%s added you to the group %q", author, next.Name))
		}
	} else {
		if prev.Name != next.Name {
			lines = append(lines, fmt.Sprintf("%s renamed the group to %q", author, next.Name))
		}
		for j, sm := range prev.Members {
			if next.member(sm.Identity) >= 0 {
				continue
			}
			if nk, ok := replacedKey(prev, next, j); ok {
				name, err := m.keyChangeName(ctx, sm.Identity, nk)
				if err != nil {
					return err
				}
				lines = append(lines, fmt.Sprintf("%s updated %s's key: a new safety number", author, name))
				continue
			}
			name, err := m.memberName(ctx, sm.Identity, false)
			if err != nil {
				return err
			}
			if sm.Identity == next.Author {
				lines = append(lines, name+" left")
			} else {
				lines = append(lines, fmt.Sprintf("%s removed %s", author, name))
			}
		}
		for j, sm := range next.Members {
			i := prev.member(sm.Identity)
			if i < 0 {
				if _, ok := replacedKey(prev, next, j); ok {
					continue // written above, as a key change
				}
			}
			if i >= 0 && (prev.Members[i].Admin || !sm.Admin) {
				continue
			}
			name, err := m.memberName(ctx, sm.Identity, false)
			if err != nil {
				return err
			}
			if i < 0 {
				lines = append(lines, fmt.Sprintf("%s added %s", author, name))
			}
			if sm.Admin && (i < 0 || !prev.Members[i].Admin) {
				lines = append(lines, fmt.Sprintf("%s made %s an admin", author, name))
			}
		}
	}
	for i, l := range lines {
		if err := m.membershipLine(ctx, conv, id(i), l); err != nil {
			return err
		}
	}
	return nil
}

// lineID is the id of the i-th line a version writes: the same every
// time the version is applied, so that a line is stored once.
func lineID(s *GroupState, i int) store.MessageID {
	h := sha256.New()
	h.Write([]byte(membershipLineLabel))
	h.Write(s.ID[:])
	h.Write(binary.BigEndian.AppendUint64(nil, s.Version))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(i)))
	var id store.MessageID
	copy(id[:], h.Sum(nil))
	return id
}

// membershipLineLabel separates the hash that names membership lines.
const membershipLineLabel = "ratchat membership line v1\x00"

// memberName is how a line names a member: "You" or "you" for us, the
// contact's display name otherwise.
func (m *Messenger) memberName(ctx context.Context, k keys.PublicKey, subject bool) (string, error) {
	if k == m.identity.Public {
		if subject {
			return "You", nil
		}
		return "you", nil
	}
	c, err := m.st.ContactByIdentity(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return "someone", nil
	}
	if err != nil {
		return "", err
	}
	return DisplayName(c), nil
}

// membershipLine writes one line into the group's history.
func (m *Messenger) membershipLine(ctx context.Context, conv store.ContactID, id store.MessageID, text string) error {
	now := m.now()
	msg := store.Message{Conversation: conv, ID: id, Direction: store.Local, Kind: store.KindMembership,
		Body: []byte(text), Sent: now, Received: now, Status: store.StatusSent, StatusAt: now}
	seq, inserted, err := m.st.InsertMessage(ctx, msg)
	if err != nil {
		return fmt.Errorf("chat: writing a membership line: %w", err)
	}
	if inserted {
		msg.Seq = seq
		m.events.emit(MessageStored{Contact: conv, Message: msg})
	}
	return nil
}

// replacedKey reports whether the member at index j of prev has a new
// key in next: an admin accepted the member's new key (see
// [Messenger.rekeyMember]), which changes that key in place, so the
// member list keeps its length and order and only entry j differs, its
// key new to the group. It returns the new key.
func replacedKey(prev, next *GroupState, j int) (keys.PublicKey, bool) {
	if len(prev.Members) != len(next.Members) || j >= len(next.Members) {
		return keys.PublicKey{}, false
	}
	nk := next.Members[j].Identity
	if nk == prev.Members[j].Identity || prev.member(nk) >= 0 || next.member(prev.Members[j].Identity) >= 0 {
		return keys.PublicKey{}, false
	}
	return nk, true
}

// keyChangeName names a member whose key changed from old to nk: by the
// contact with a name of the two (we may know the member under either:
// the admin who accepted the new key under the new one, another member
// under the old one), else as memberName names nk.
func (m *Messenger) keyChangeName(ctx context.Context, old, nk keys.PublicKey) (string, error) {
	for _, k := range []keys.PublicKey{nk, old} {
		c, err := m.st.ContactByIdentity(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		if c.Name != "" {
			return c.Name, nil
		}
	}
	return m.memberName(ctx, nk, false)
}
