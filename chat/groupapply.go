package chat

import (
	"context"
	"errors"
	"time"

	"ratchat/store"
)

// Receiving and applying versions of a group's state. Versions are
// applied in order, each checked against the one before ([checkNext]);
// a version past the next one means we missed some, and we ask the
// member who sent it for every version after ours ([KindGroupFetch]).

// askInterval is the least time between two questions of one kind to one
// member about one group: a burst of undecryptable messages, or of
// versions past a gap, asks once.
const askInterval = 10 * time.Second

// askKey names a question to a member about a group, or our answer to
// one.
type askKey struct {
	conv, member store.ContactID
	kind         uint8
}

// The kinds of [askKey].
const (
	askVersions uint8 = iota
	askSenderKey
	answerVersions
	answerSenderKey
)

// mayAsk reports whether we may ask k now, and records that we do.
func (m *Messenger) mayAsk(k askKey) bool {
	m.groups.mu.Lock()
	defer m.groups.mu.Unlock()
	if m.groups.asked == nil {
		m.groups.asked = map[askKey]time.Time{}
	}
	now := m.now()
	if at, ok := m.groups.asked[k]; ok && now.Sub(at) < askInterval {
		return false
	}
	m.groups.asked[k] = now
	return true
}

// forgetAsk lets the next question k go at once (its answer came).
func (m *Messenger) forgetAsk(k askKey) {
	m.groups.mu.Lock()
	delete(m.groups.asked, k)
	m.groups.mu.Unlock()
}

// receiveGroupUpdate handles a version of a group's state a member sent.
// What breaks a rule is refused and logged: the envelope was authentic.
func (m *Messenger) receiveGroupUpdate(ctx context.Context, from store.Contact, c *Content) error {
	next, err := ParseGroupState(c.GroupState)
	if err != nil {
		m.log.Warn("refusing a group state", "contact", from.ID, "err", err)
		return nil
	}
	m.groups.change.Lock()
	defer m.groups.change.Unlock()
	conv, err := m.st.GroupByID(ctx, next.ID)
	if errors.Is(err, store.ErrNotFound) {
		return m.joinGroup(ctx, from, next, c.GroupState)
	}
	if err != nil {
		return err
	}
	g, err := m.loadState(ctx, conv)
	if errors.Is(err, store.ErrNotFound) {
		// Joining failed half-way (the row is there, no version yet).
		return m.joinGroupAs(ctx, conv, next, c.GroupState)
	}
	if err != nil {
		return err
	}
	switch {
	case next.Version == g.state.Version:
		return m.resolveFork(ctx, conv, from, g.state, next, c.GroupState)
	case next.Version < g.state.Version:
		return nil // known already: a fetch's answer, or a redelivery
	case next.Version > g.state.Version+1:
		if g.state.member(from.Identity) < 0 {
			m.heardFrom(from.Identity, g.state)
		}
		return m.askVersions(ctx, conv, from, g.state.Version)
	}
	if err := checkNext(g.state, next); err != nil {
		m.log.Warn("refusing a group state", "contact", from.ID, "group", conv.ID, "err", err)
		return nil
	}
	return m.applyState(ctx, conv, g.state, next, c.GroupState)
}

// askVersions asks member from for every version of group conv after
// have: we received one past the next.
func (m *Messenger) askVersions(ctx context.Context, conv, from store.Contact, have uint64) error {
	if !m.mayAsk(askKey{conv: conv.ID, member: from.ID, kind: askVersions}) {
		return nil
	}
	content := &Content{Kind: KindGroupFetch, GroupID: conv.GroupID, GroupVersion: have}
	if err := m.stamp(content); err != nil {
		return err
	}
	return m.sendToMembers(ctx, []store.Contact{from}, content)
}

// joinGroup takes the state of a group we do not know: we were added to
// it. It must name us, and its author must be one of its admins. Added
// by someone who is not an accepted contact, the group is a request
// until the user accepts it.
func (m *Messenger) joinGroup(ctx context.Context, from store.Contact, s *GroupState, raw []byte) error {
	if s.member(m.identity.Public) < 0 || !s.isAdmin(s.Author) {
		m.log.Info("ignoring the state of a group we are not in", "contact", from.ID)
		return nil
	}
	state := store.StateRequest
	if from.State == store.StateContact && !from.Held {
		state = store.StateContact
	}
	id, err := m.st.AddGroup(ctx, s.ID, s.Name, state)
	if err != nil {
		return err
	}
	conv, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	return m.applyState(ctx, conv, nil, s, raw)
}

// joinGroupAs applies the first version of group conv, whose row exists
// without a state (a join that failed half-way).
func (m *Messenger) joinGroupAs(ctx context.Context, conv store.Contact, s *GroupState, raw []byte) error {
	if s.member(m.identity.Public) < 0 || !s.isAdmin(s.Author) {
		return nil
	}
	return m.applyState(ctx, conv, nil, s, raw)
}

// applyState stores version next of group conv (prev is the version
// before it, nil for the first we have) and does what it says: a line
// per change, rows for members we did not know, our deposit token, and
// our sender key: rotated when someone left, handed to whoever joined.
// The caller holds m.groups.change.
func (m *Messenger) applyState(ctx context.Context, conv store.Contact, prev, next *GroupState, raw []byte) error {
	return m.applyVersion(ctx, conv, prev, next, raw, nil)
}

// applyVersion is applyState; with a base, next replaces prev at the
// same version, both made from base (two admins' changes crossed, and
// next won: see [Messenger.resolveFork]): the lines say so and tell
// next's changes from base, under ids of their own.
func (m *Messenger) applyVersion(ctx context.Context, conv store.Contact, prev, next *GroupState, raw []byte, base *GroupState) error {
	replace := base != nil
	in := next.member(m.identity.Public) >= 0
	if conv.State == store.StateRemoved && in {
		if err := m.rejoined(ctx, conv, next); err != nil {
			return err
		}
	}
	if conv.Name != next.Name {
		conv.Name = next.Name
		if err := m.st.UpdateContact(ctx, conv); err != nil {
			return err
		}
	}
	members, err := m.otherMembers(ctx, next)
	if err != nil {
		return err
	}
	if replace {
		if err := m.forkLines(ctx, conv.ID, base, prev, next, raw); err != nil {
			return err
		}
	} else if err := m.membershipLinesAs(ctx, conv.ID, prev, next, func(i int) store.MessageID { return lineID(next, i) }); err != nil {
		return err
	}
	switch {
	case !in:
		if err := m.groupLeft(ctx, conv); err != nil {
			return err
		}
	case prev != nil:
		if err := m.keysAfterChange(ctx, conv, prev, next, members); err != nil {
			return err
		}
	}
	if in {
		if err := m.registerGroupToken(ctx, next.Token); err != nil {
			return err
		}
	}
	// The version is stored last: a failure before this leaves it to be
	// applied again when its envelope comes again, and each step above is
	// safe to repeat (the lines' ids make writing them again a no-op; a
	// key rotated twice is rotated).
	save := m.st.SaveGroupState
	if replace {
		save = m.st.ReplaceGroupState
	}
	if err := save(ctx, conv.ID, next.Version, raw); err != nil {
		return err
	}
	m.groupsChanged()
	m.wakeOutbox() // items that waited for a member's token
	m.events.emit(GroupChanged{Contact: conv.ID})
	if !in {
		return nil
	}
	return m.retryJoined(ctx, conv, prev, members)
}

// retryJoined decrypts what members who joined in this version wrote
// before the version reached us.
func (m *Messenger) retryJoined(ctx context.Context, conv store.Contact, prev *GroupState, members []store.Contact) error {
	m.lockSessions()
	defer m.mu.Unlock()
	for _, c := range members {
		if prev == nil || prev.member(c.Identity) < 0 {
			if err := m.retryPending(ctx, conv, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupLeft closes our side of a group we left or were removed from: the
// row stays with its history, and nothing more goes out or comes in.
// What waited for a member's key never decrypts now: each becomes a
// line.
func (m *Messenger) groupLeft(ctx context.Context, conv store.Contact) error {
	if conv.State != store.StateRemoved {
		if err := m.st.SetContactState(ctx, conv.ID, store.StateRemoved); err != nil {
			return err
		}
	}
	gone, err := m.st.DropPendingGroupMessages(ctx, conv.ID)
	if err != nil {
		return err
	}
	if err := m.pendingLost(ctx, gone); err != nil {
		return err
	}
	return m.st.DeleteSenderKeys(ctx, conv.ID)
}

// rejoined opens a group we had left again: an admin added us back. By
// someone who is not an accepted contact, it is a request again.
func (m *Messenger) rejoined(ctx context.Context, conv store.Contact, next *GroupState) error {
	state := store.StateRequest
	if next.Author == m.identity.Public {
		state = store.StateContact
	} else if c, err := m.st.ContactByIdentity(ctx, next.Author); err == nil && c.State == store.StateContact && !c.Held {
		state = store.StateContact
	}
	return m.st.SetContactState(ctx, conv.ID, state)
}

// receiveGroupFetch answers a member's [KindGroupFetch]: our sender key
// again (SenderKeyWanted), or every version after the one it has.
func (m *Messenger) receiveGroupFetch(ctx context.Context, from store.Contact, c *Content) error {
	conv, err := m.st.GroupByID(ctx, c.GroupID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	g, err := m.loadState(ctx, conv)
	if err != nil {
		return err
	}
	if c.SenderKeyWanted {
		return m.resendSenderKey(ctx, g, from)
	}
	if !m.mayAsk(askKey{conv: conv.ID, member: from.ID, kind: answerVersions}) {
		return nil // answered a moment ago
	}
	states, err := m.st.GroupStatesAfter(ctx, conv.ID, c.GroupVersion)
	if err != nil {
		return err
	}
	in := g.state.member(from.Identity) >= 0
	for _, b := range states {
		if s, err := ParseGroupState(b); err == nil && s.member(from.Identity) >= 0 {
			in = true // it was a member, and is to learn it was removed
		}
	}
	if !in {
		m.log.Warn("refusing a group fetch from someone not in the group", "contact", from.ID, "group", conv.ID)
		return nil
	}
	m.ensureSessions(ctx, []store.Contact{from})
	m.lockSessions()
	defer m.mu.Unlock()
	for _, b := range states {
		content := &Content{Kind: KindGroupUpdate, GroupState: b}
		if err := m.stamp(content); err != nil {
			return err
		}
		if err := m.sendGroupControl(ctx, from, content); err != nil && !errors.Is(err, ErrNoSession) {
			return err
		}
	}
	m.wakeOutbox()
	return nil
}
