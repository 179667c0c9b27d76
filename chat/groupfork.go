package chat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"ratchat/store"
)

// Forks: two admins who change a group at the same time both sign
// version N+1 of version N, and each member receives both, in either
// order. Every member keeps the same one: the state whose bytes have the
// lower SHA-256 (a rule each member applies alone, with nothing to
// agree on). A member holding the loser replaces it by the winner; the
// author of the loser makes its change again, as version N+2 on top of
// the winner, so that neither change is lost.

// forkWins reports whether the signed state a wins over b, another state
// of the same version: the lower SHA-256 of the bytes.
func forkWins(a, b []byte) bool {
	ha, hb := sha256.Sum256(a), sha256.Sum256(b)
	return bytes.Compare(ha[:], hb[:]) < 0
}

// forkLineLabel separates the hash that names the lines of a version
// that replaced another.
const forkLineLabel = "ratchat fork line v1\x00"

// forkLineID is the id of the i-th line of the state raw when it
// replaced another of its version: lineID names lines by version alone,
// and the loser's lines hold those ids already.
func forkLineID(raw []byte, i int) store.MessageID {
	h := sha256.New()
	h.Write([]byte(forkLineLabel))
	h.Write(raw)
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(i)))
	var id store.MessageID
	copy(id[:], h.Sum(nil))
	return id
}

// resolveFork handles theirs, a state of the version we hold as ours,
// with other bytes: a fork. If theirs wins and follows the version
// before ours, it replaces ours, and if ours was our change we make it
// again on top of theirs. The caller holds m.groups.change.
func (m *Messenger) resolveFork(ctx context.Context, conv, from store.Contact, ours, theirs *GroupState, raw []byte) error {
	mine := ours.Marshal()
	if bytes.Equal(mine, raw) || !forkWins(raw, mine) {
		return nil // the same, or ours stays: every member keeps ours
	}
	base, err := m.stateAt(ctx, conv, ours.Version-1)
	if errors.Is(err, store.ErrNotFound) {
		m.log.Info("a fork of a group past the versions we keep", "group", conv.ID, "version", ours.Version)
		return nil
	}
	if err != nil {
		return err
	}
	if err := checkNext(base, theirs); err != nil {
		m.log.Warn("refusing a group state", "contact", from.ID, "group", conv.ID, "err", err)
		return nil
	}
	m.log.Info("two changes of a group crossed; the other one stays", "group", conv.ID, "version", theirs.Version)
	if err := m.applyVersion(ctx, conv, ours, theirs, raw, base); err != nil {
		return err
	}
	if ours.Author != m.identity.Public {
		return nil
	}
	return m.redoChange(ctx, conv.ID, base, ours, theirs)
}

// forkLines writes the lines of won replacing lost (both made from
// base): that the two changes crossed and won's stands, then won's
// changes from base.
func (m *Messenger) forkLines(ctx context.Context, conv store.ContactID, base, lost, won *GroupState, raw []byte) error {
	winner, err := m.memberName(ctx, won.Author, true)
	if err != nil {
		return err
	}
	loser, err := m.memberName(ctx, lost.Author, false)
	if err != nil {
		return err
	}
	stands := winner + "'s change stands"
	if won.Author == m.identity.Public {
		stands = "your change stands"
	}
	line := fmt.Sprintf("%s and %s changed the group at the same time; %s", winner, loser, stands)
	if err := m.membershipLine(ctx, conv, forkLineID(raw, 0), line); err != nil {
		return err
	}
	return m.membershipLinesAs(ctx, conv, base, won, func(i int) store.MessageID { return forkLineID(raw, i+1) })
}

// stateAt returns version v of group conv from the kept history, or
// [store.ErrNotFound].
func (m *Messenger) stateAt(ctx context.Context, conv store.Contact, v uint64) (*GroupState, error) {
	if v == 0 {
		return nil, store.ErrNotFound
	}
	all, err := m.st.GroupStatesAfter(ctx, conv.ID, v-1)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, store.ErrNotFound
	}
	s, err := ParseGroupState(all[0])
	if err != nil {
		return nil, fmt.Errorf("chat: the stored state of group %d: %w", conv.ID, err)
	}
	if s.Version != v {
		return nil, store.ErrNotFound
	}
	return s, nil
}

// redoChange makes our change from base to lost again on top of won,
// which replaced lost, as the next version, and publishes it: nothing,
// if won has our change already; refused and logged, if won no longer
// lets us make it (it removed us, or took our admin role).
func (m *Messenger) redoChange(ctx context.Context, id store.ContactID, base, lost, won *GroupState) error {
	next := won.clone()
	next.Version++
	redo(base, lost, next)
	if next.Name == won.Name && sameMembers(next, won) {
		return nil
	}
	if len(next.Members) > 0 && !next.hasAdmin() {
		next.Members[0].Admin = true // our leaving, as the last admin
	}
	if err := next.sign(m.rand, &m.identity); err != nil {
		return err
	}
	if err := checkNext(won, next); err != nil {
		m.log.Warn("our change to a group crossed another admin's and cannot be made again", "group", id, "err", err)
		return nil
	}
	conv, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	return m.publish(ctx, conv, won, next)
}

// redo applies to s what changed from base to changed: the name, who was
// added and removed, who became or stopped being an admin.
func redo(base, changed, s *GroupState) {
	if changed.Name != base.Name {
		s.Name = changed.Name
	}
	for _, sm := range base.Members {
		if changed.member(sm.Identity) < 0 {
			if i := s.member(sm.Identity); i >= 0 {
				s.Members = append(s.Members[:i], s.Members[i+1:]...)
			}
		}
	}
	for _, sm := range changed.Members {
		i, j := base.member(sm.Identity), s.member(sm.Identity)
		switch {
		case i < 0 && j < 0:
			s.Members = append(s.Members, sm)
		case i >= 0 && j >= 0 && base.Members[i].Admin != sm.Admin:
			s.Members[j].Admin = sm.Admin
		}
	}
}

// sameMembers reports whether a and b list the same members, in the same
// order, with the same homes and roles.
func sameMembers(a, b *GroupState) bool {
	if len(a.Members) != len(b.Members) {
		return false
	}
	for i := range a.Members {
		if a.Members[i] != b.Members[i] {
			return false
		}
	}
	return true
}
