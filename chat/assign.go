package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"ratchat/store"
)

// Business mode's tokens and agents. The api authenticates its HTTP
// callers with tokens made here, and an agent token is an agent: new 1:1
// conversations are routed to agents by skill and load (see
// [store.PickAgent]), wait in a queue while every agent able to take them
// is full, and are closed by their agent or reassigned by an admin.

// TokenSpec is what a new token may do.
type TokenSpec struct {
	Role store.TokenRole
	// Name labels the token; for an agent it is the agent's name.
	Name string
	// Skills and MaxChats are an agent's (0: no bound).
	Skills   []string
	MaxChats int
}

// check checks a spec's bounds and puts its skills in canonical form.
func (s *TokenSpec) check() error {
	if s.Role < store.TokenAdmin || s.Role > store.TokenMetrics {
		return fmt.Errorf("%w: role %d", ErrBadTokenSpec, s.Role)
	}
	if len(s.Name) > store.MaxTokenName {
		return fmt.Errorf("%w: a name is at most %d bytes", ErrBadTokenSpec, store.MaxTokenName)
	}
	if s.MaxChats < 0 || s.MaxChats > store.MaxChatsLimit {
		return fmt.Errorf("%w: max chats is 0 to %d", ErrBadTokenSpec, store.MaxChatsLimit)
	}
	if len(s.Skills) > store.MaxSkills {
		return fmt.Errorf("%w: at most %d skills", ErrBadTokenSpec, store.MaxSkills)
	}
	if s.Role != store.TokenAgent && (len(s.Skills) > 0 || s.MaxChats != 0) {
		return fmt.Errorf("%w: skills and max chats are an agent's", ErrBadTokenSpec)
	}
	var skills []string
	for _, k := range s.Skills {
		k, err := CheckSkill(k)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadTokenSpec, err)
		}
		if !slices.Contains(skills, k) {
			skills = append(skills, k)
		}
	}
	s.Skills = skills
	return nil
}

// CreateAPIToken makes a token: its text, shown once and never stored, and
// its record. A new agent takes waiting conversations at once.
func (m *Messenger) CreateAPIToken(ctx context.Context, spec TokenSpec) (string, store.AccessToken, error) {
	if err := spec.check(); err != nil {
		return "", store.AccessToken{}, err
	}
	text, err := newTokenText(m.rand)
	if err != nil {
		return "", store.AccessToken{}, err
	}
	hash, err := ParseToken(text)
	if err != nil {
		return "", store.AccessToken{}, err
	}
	t := store.AccessToken{Role: spec.Role, Name: spec.Name, Skills: spec.Skills, MaxChats: spec.MaxChats, Created: m.now()}
	if t.ID, err = m.st.CreateAccessToken(ctx, t, hash); err != nil {
		return "", store.AccessToken{}, err
	}
	if spec.Role == store.TokenAgent {
		if _, err := m.st.DrainQueue(ctx, m.now()); err != nil {
			return "", store.AccessToken{}, err
		}
	}
	return text, t, nil
}

// AuthenticateAPI returns the live token whose text is given, or an error
// wrapping [ErrBadToken] (malformed, unknown and revoked alike).
func (m *Messenger) AuthenticateAPI(ctx context.Context, text string) (store.AccessToken, error) {
	hash, err := ParseToken(text)
	if err != nil {
		return store.AccessToken{}, err
	}
	if t, ok := m.apiTokens.get(hash); ok {
		return t, nil
	}
	gen := m.apiTokens.generation()
	t, err := m.st.AccessTokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.AccessToken{}, ErrBadToken
	}
	if err == nil {
		m.apiTokens.put(hash, t, gen)
	}
	return t, err
}

// APITokens returns every token, revoked ones included, oldest first.
func (m *Messenger) APITokens(ctx context.Context) ([]store.AccessToken, error) {
	return m.st.AccessTokens(ctx)
}

// APIToken returns a token by id, revoked or not.
func (m *Messenger) APIToken(ctx context.Context, id int64) (store.AccessToken, error) {
	t, err := m.st.AccessToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, fmt.Errorf("%w (token %d)", ErrBadToken, id)
	}
	return t, err
}

// RevokeAPIToken revokes a token for good; an agent's open conversations go
// to the other agents, or wait. It returns the assignments this made.
func (m *Messenger) RevokeAPIToken(ctx context.Context, id int64) ([]store.Assignment, error) {
	defer m.apiTokens.clear() // after the revocation, so no reader caches the token again
	made, err := m.st.RevokeAccessToken(ctx, id, m.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w (token %d)", ErrBadToken, id)
	}
	return made, err
}

// Route opens a 1:1 conversation, unless it is open already (created is
// false then): its skill is the first rule's that matches text (the
// message that opens it), and it goes to the agent with that skill and the
// fewest open conversations, or waits. Groups are never routed.
func (m *Messenger) Route(ctx context.Context, conv store.ContactID, text string, rules []RouteRule) (a store.Assignment, created bool, err error) {
	if a, err := m.st.Assignment(ctx, conv); err == nil {
		return a, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return a, false, err
	}
	a, created, err = m.st.RouteConversation(ctx, conv, SkillOf(rules, text), m.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return a, false, fmt.Errorf("%w (%d)", ErrNoContact, conv)
	case errors.Is(err, store.ErrNotAssignable):
		return a, false, fmt.Errorf("%w: %w", ErrNotOpen, err)
	}
	return a, created, err
}

// Assignment returns a conversation's assignment, or [ErrNotOpen].
func (m *Messenger) Assignment(ctx context.Context, conv store.ContactID) (store.Assignment, error) {
	a, err := m.st.Assignment(ctx, conv)
	if errors.Is(err, store.ErrNotFound) {
		return a, ErrNotOpen
	}
	return a, err
}

// Assignments returns an agent's open conversations, or (agent 0) every
// open conversation and the queue, the longest waiting first.
func (m *Messenger) Assignments(ctx context.Context, agent int64) ([]store.Assignment, error) {
	return m.st.Assignments(ctx, agent)
}

// AssignConversation gives a 1:1 conversation to an agent, whatever its
// load (an admin decides).
func (m *Messenger) AssignConversation(ctx context.Context, conv store.ContactID, agent int64) (store.Assignment, error) {
	a, err := m.st.AssignConversation(ctx, conv, agent, m.now())
	switch {
	case errors.Is(err, store.ErrNoAgent):
		return a, fmt.Errorf("%w (token %d)", ErrNoAgent, agent)
	case errors.Is(err, store.ErrNotAssignable):
		return a, fmt.Errorf("%w: %w", ErrNotOpen, err)
	}
	return a, err
}

// CloseConversation closes an open conversation; the queue's waiting
// conversations go to agents with room. It returns the assignments made.
func (m *Messenger) CloseConversation(ctx context.Context, conv store.ContactID) ([]store.Assignment, error) {
	made, err := m.st.CloseConversation(ctx, conv, m.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotOpen
	}
	return made, err
}
