package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// Group traffic that is not a group message (state updates, sender keys,
// fetches, receipts) travels pairwise, over each member's session, to
// members whatever their pairwise state but blocked: a member we know
// only through the group is a message request, and still a member.

// ensureSessions makes sure we have a session with each of cs, starting
// one from the member's bundle (fetched from its home) where we have none.
// It fetches without holding m.mu. A member whose home cannot be reached
// now is skipped, with a log line: what we send it later waits for a
// session, and the member asks again (KindGroupFetch) for what it missed.
func (m *Messenger) ensureSessions(ctx context.Context, cs []store.Contact) {
	// A received message's effect runs under a context that does not end
	// (receive): the fetches end when the messenger closes, a member
	// skipped as if its home did not answer.
	ctx, cancel := m.untilClosed(ctx)
	defer cancel()
	for _, c := range cs {
		if c.State == store.StateBlocked || m.hasSession(ctx, c.ID) || m.triedSession(c.ID) {
			continue
		}
		if err := m.startMemberSession(ctx, c); err != nil {
			m.log.Info("no session with a group member now", "contact", c.ID, "err", err)
			m.groups.mu.Lock()
			if m.groups.tried == nil {
				m.groups.tried = map[store.ContactID]time.Time{}
			}
			m.groups.tried[c.ID] = m.now()
			m.groups.mu.Unlock()
		}
	}
}

// sessionRetry is how long after failing to start a session with a
// member (its home did not answer) we wait before trying again: a
// message to the group must not wait for an unreachable home each time.
const sessionRetry = time.Minute

// triedSession reports whether starting a session with id failed less
// than sessionRetry ago.
func (m *Messenger) triedSession(id store.ContactID) bool {
	m.groups.mu.Lock()
	defer m.groups.mu.Unlock()
	at, ok := m.groups.tried[id]
	return ok && m.now().Sub(at) < sessionRetry
}

// hasSession reports whether we hold an established session with id.
// A yes is remembered for the messenger's life, so that a message to a
// large group does not read every member's session: a session, once
// established, is only ever replaced by another.
func (m *Messenger) hasSession(ctx context.Context, id store.ContactID) bool {
	m.groups.mu.Lock()
	known := m.groups.sessions[id]
	m.groups.mu.Unlock()
	if known {
		return true
	}
	m.lockSessions()
	var s session.Session
	ok := m.loadSession(ctx, id, &s) == nil && s.Established()
	m.mu.Unlock()
	if ok {
		m.groups.mu.Lock()
		if m.groups.sessions == nil {
			m.groups.sessions = map[store.ContactID]bool{}
		}
		m.groups.sessions[id] = true
		m.groups.mu.Unlock()
	}
	return ok
}

// startMemberSession starts a session with member c from its bundle and
// sends our profile as its first message, so that it learns our name and
// home; a contact also gets a deposit token, as [Messenger.AddContact]
// gives one.
func (m *Messenger) startMemberSession(ctx context.Context, c store.Contact) error {
	if c.Address == "" {
		return fmt.Errorf("chat: no home known for member %d", c.ID)
	}
	fresh, err := m.freshSession(ctx, c)
	if err != nil {
		return err
	}
	m.lockSessions()
	defer m.mu.Unlock()
	var s session.Session
	if err := m.loadSession(ctx, c.ID, &s); err != nil {
		return err
	}
	if s.Established() {
		return nil // the member started one meanwhile
	}
	if c.State == store.StateContact {
		return m.sendProfile(ctx, c, fresh)
	}
	content, err := m.profileContent(ctx)
	if err != nil {
		return err
	}
	err = m.sendGroupControlWith(ctx, c, fresh, content)
	m.wakeOutbox()
	return err
}

// sendGroupControl sends content to member c over its stored session.
// The caller holds m.mu. A blocked member gets nothing.
func (m *Messenger) sendGroupControl(ctx context.Context, c store.Contact, content *Content) error {
	if c.State == store.StateBlocked {
		return nil
	}
	s := new(session.Session)
	if err := m.loadSession(ctx, c.ID, s); err != nil {
		return err
	}
	if !s.Established() {
		return ErrNoSession
	}
	return m.sendGroupControlWith(ctx, c, s, content)
}

// sendGroupControlWith is sendGroupControl with a session in hand.
func (m *Messenger) sendGroupControlWith(ctx context.Context, c store.Contact, s *session.Session, content *Content) error {
	payload, state, err := m.seal(c, s, content)
	if err != nil {
		return err
	}
	_, err = m.st.CommitControlSent(ctx, c.ID, state, payload)
	return err
}

// sendToMembers sends content to each of cs pairwise, starting sessions
// where needed. A member with no session is skipped with a log line.
func (m *Messenger) sendToMembers(ctx context.Context, cs []store.Contact, content *Content) error {
	m.ensureSessions(ctx, cs)
	m.lockSessions()
	defer m.mu.Unlock()
	if err := m.sendToMembersLocked(ctx, cs, content); err != nil {
		return err
	}
	m.wakeOutbox()
	return nil
}

// sendToMembersLocked is sendToMembers for sessions that exist; the
// caller holds m.mu.
func (m *Messenger) sendToMembersLocked(ctx context.Context, cs []store.Contact, content *Content) error {
	for _, c := range cs {
		err := m.sendGroupControl(ctx, c, content)
		if errors.Is(err, ErrNoSession) {
			m.log.Info("group message to a member without a session: skipped", "contact", c.ID, "kind", content.Kind)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// groupToken returns the deposit token of a group we share with member
// c, for a member that gave us no token of its own, or errNoToken.
func (m *Messenger) groupToken(ctx context.Context, c store.Contact) (transport.Token, error) {
	m.groups.mu.Lock()
	tokens := m.groups.tokens
	m.groups.mu.Unlock()
	if tokens == nil {
		var err error
		if tokens, err = m.groupTokens(ctx); err != nil {
			return transport.Token{}, err
		}
		m.groups.mu.Lock()
		m.groups.tokens = tokens
		m.groups.mu.Unlock()
	}
	t, ok := tokens[c.Identity]
	if !ok {
		m.groups.mu.Lock()
		t, ok = m.groups.heard[c.Identity]
		m.groups.mu.Unlock()
	}
	if !ok {
		return transport.Token{}, errNoToken
	}
	return t, nil
}

// heardFrom remembers that k wrote to us about group s, which our
// version does not list it in (it joined in a version we have not
// received): we may answer it with the group's token. Whoever names the
// group's id was given it by a member, and the token with it.
func (m *Messenger) heardFrom(k keys.PublicKey, s *GroupState) {
	m.groups.mu.Lock()
	defer m.groups.mu.Unlock()
	if m.groups.heard == nil {
		m.groups.heard = map[keys.PublicKey]transport.Token{}
	}
	m.groups.heard[k] = transport.Token(s.Token)
}

// groupTokens maps every member of the groups we are in to a group's
// deposit token. Members the latest version removed are in the map too:
// the update that tells them goes with the token their home still holds.
func (m *Messenger) groupTokens(ctx context.Context) (map[keys.PublicKey]transport.Token, error) {
	rows, err := m.st.Groups(ctx)
	if err != nil {
		return nil, err
	}
	out := map[keys.PublicKey]transport.Token{}
	for _, c := range rows {
		if c.State == store.StateRemoved || c.State == store.StateBlocked {
			continue
		}
		g, err := m.loadState(ctx, c)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, sm := range g.state.Members {
			out[sm.Identity] = transport.Token(g.state.Token)
		}
		if g.state.Version < 2 {
			continue
		}
		prev, err := m.st.GroupStatesAfter(ctx, c.ID, g.state.Version-2)
		if err != nil {
			return nil, err
		}
		if len(prev) > 0 {
			if p, err := ParseGroupState(prev[0]); err == nil {
				for _, sm := range p.Members {
					out[sm.Identity] = transport.Token(p.Token)
				}
			}
		}
	}
	return out, nil
}

// groupsChanged drops what is derived from the groups' states.
func (m *Messenger) groupsChanged() {
	m.groups.mu.Lock()
	m.groups.tokens = nil
	m.groups.mu.Unlock()
}

// registerGroupToken makes the group's deposit token one our home
// accepts: the members deposit with it (see [GroupState.Token]). It is
// issued as a token of the profile's own (contact 0), as the request
// token is, because the store keeps no token for a group row; a group's
// token therefore stays registered after we leave, its quota bounding
// what a former member can deposit, and what it deposits is refused as
// not from a member.
func (m *Messenger) registerGroupToken(ctx context.Context, t [TokenSize]byte) error {
	issued, err := m.st.IssuedTokens(ctx)
	if err != nil {
		return err
	}
	for _, it := range issued {
		if it.Contact == 0 && it.Token == t {
			return nil // registered already
		}
	}
	if err := m.st.IssueToken(ctx, store.DepositToken{Kind: uint8(transport.TokenContact), Token: t}); err != nil {
		return err
	}
	m.tokens.mu.Lock()
	m.register(ctx, []transport.TokenEntry{{Kind: transport.TokenContact, Token: transport.Token(t)}}, nil)
	m.tokens.mu.Unlock()
	return nil
}

// answerMemberProfile answers the first message of a session a member of
// a group we share started with us (its profile) with our profile, so
// that each knows the other's name. Someone who shares no group with us
// is a message request and learns nothing until accepted.
func (m *Messenger) answerMemberProfile(ctx context.Context, c store.Contact) error {
	if c.Held || c.State != store.StateRequest {
		return nil
	}
	if _, err := m.groupToken(ctx, c); err != nil {
		if errors.Is(err, errNoToken) {
			return nil
		}
		return err
	}
	content, err := m.profileContent(ctx)
	if err != nil {
		return err
	}
	m.lockSessions()
	defer m.mu.Unlock()
	err = m.sendGroupControl(ctx, c, content)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	m.wakeOutbox()
	return err
}
