package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// The roles of the methods: each method's least role (owner > admin >
// agent; a metrics token calls no method). A method missing from the
// table needs an admin, so that a method added later is never open to
// agents by mistake.
//
// What only the owner may do: a backup (it holds the identity's private
// keys: whoever has it can be the business elsewhere) and making admin
// tokens (an admin cannot make itself permanent). Writing a file on the
// server's machine (export's path, archive.export) is the owner's too:
// see [authorize].
var leastRole = map[string]Role{
	"backup.export": RoleOwner,
	// Part C's export writes a WARC file on the server's machine.
	"archive.export": RoleOwner,

	// An agent works on the conversations assigned to it (see agentScoped).
	"send": RoleAgent, "messages": RoleAgent, "reply": RoleAgent, "react": RoleAgent,
	"edit": RoleAgent, "delete": RoleAgent, "info": RoleAgent, "accept": RoleAgent,
	"conversation.read": RoleAgent, "conversation.close": RoleAgent, "conversations.mine": RoleAgent,
	"rpc.discover": RoleAgent,
	// The event log (part A) filters what it shows by Caller.SeesContact.
	"events.read": RoleAgent, "events.ack": RoleAgent, "events.subscribe": RoleAgent, "events.unsubscribe": RoleAgent,
}

// agentScoped are the agent's methods that take a conversation in their
// "contact" param: an agent names it by id, and only one assigned to it.
var agentScoped = map[string]bool{
	"send": true, "messages": true, "reply": true, "react": true, "edit": true, "delete": true,
	"info": true, "accept": true, "conversation.read": true, "conversation.close": true,
}

// signed are the methods whose text --sign-agents signs with the agent's
// name.
var signed = map[string]bool{"send": true, "reply": true, "edit": true}

// least returns a method's least role.
func least(method string) Role {
	if r, ok := leastRole[method]; ok {
		return r
	}
	return RoleAdmin
}

// mayCall reports whether a role may call a method.
func mayCall(r Role, method string) bool {
	return r != RoleMetrics && r <= least(method)
}

// SetSignAgents makes an agent's sent, replied and edited texts end with
// "— NAME" (its token's name): `serve --sign-agents`. Off by default: a
// customer sees nothing of who answers.
func (s *Server) SetSignAgents(on bool) { s.signAgents.Store(on) }

// authorize checks that ctx's caller may call method with params, and
// returns the params to call it with: an agent's conversation is checked
// against its assignments, and its text signed when the business asks.
func (s *Server) authorize(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	c := CallerFrom(ctx)
	if c.Role == RoleOwner {
		return params, nil
	}
	if !mayCall(c.Role, method) {
		return nil, errorf(CodeForbidden, "api: forbidden: %s needs the %s role", method, least(method))
	}
	if method == "export" && hasMember(params, "path") {
		return nil, errorf(CodeForbidden, "api: forbidden: only the owner writes files on the server (leave path out)")
	}
	if c.Role != RoleAgent || !agentScoped[method] {
		return params, nil
	}
	if method == "accept" && hasMember(params, "as") {
		// Accepting a request as another contact's new key merges it into
		// that contact: an admin's decision, about a conversation that is
		// not the agent's.
		return nil, errorf(CodeForbidden, "api: forbidden: an agent accepts a request as itself only (leave as out)")
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, errorf(CodeInvalidParams, "api: invalid params: %v", err)
	}
	var conv string
	if err := json.Unmarshal(p["contact"], &conv); err != nil {
		return nil, errorf(CodeInvalidParams, "api: invalid params: contact must be a conversation's id")
	}
	id, err := strconv.ParseInt(conv, 10, 64)
	if err != nil || !c.SeesContact(store.ContactID(id)) {
		return nil, errorf(CodeForbidden, "api: forbidden: conversation %q is not assigned to this agent (name it by id)", conv)
	}
	if !signed[method] || !s.signAgents.Load() || c.Agent == "" {
		return params, nil
	}
	var text string
	if err := json.Unmarshal(p["text"], &text); err != nil || text == "" {
		return params, nil // the method itself refuses it
	}
	p["text"], _ = json.Marshal(text + "\n— " + c.Agent)
	return json.Marshal(p)
}

// hasMember reports whether params (an object) has a non-empty member.
func hasMember(params json.RawMessage, name string) bool {
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil {
		return false
	}
	v, ok := p[name]
	return ok && !bytes.Equal(v, []byte("null")) && !bytes.Equal(v, []byte(`""`))
}

// TokenCreateParams are a new token's role (admin, agent or metrics), a
// name (an agent's is what --sign-agents appends), and an agent's skills
// and most open conversations (0: no bound).
type TokenCreateParams struct {
	Role     string   `json:"role"`
	Name     string   `json:"name,omitempty"`
	Skills   []string `json:"skills,omitempty"`
	MaxChats int      `json:"max_chats,omitempty"`
}

// TokenCreateResult is the token made: its secret text, shown this once,
// and its record.
type TokenCreateResult struct {
	Token  string `json:"token"`
	Record Token  `json:"record"`
}

// Token is a token's record, without its secret.
type Token struct {
	ID           int64     `json:"id"`
	Role         string    `json:"role"`
	Name         string    `json:"name,omitempty"`
	Skills       []string  `json:"skills,omitempty"`
	MaxChats     int       `json:"max_chats,omitempty"`
	Created      time.Time `json:"created"`
	Revoked      time.Time `json:"revoked,omitzero"`
	LastAssigned time.Time `json:"last_assigned,omitzero"`
}

// newToken is a token as the api shows it.
func newToken(t store.AccessToken) Token {
	return Token{ID: t.ID, Role: roleOf(t.Role).String(), Name: t.Name, Skills: t.Skills, MaxChats: t.MaxChats,
		Created: t.Created, Revoked: t.Revoked, LastAssigned: t.LastAssigned}
}

// TokenListParams are the params of token.list: none.
type TokenListParams struct{}

// TokenListResult lists every token, revoked ones included, oldest first.
type TokenListResult struct {
	Tokens []Token `json:"tokens"`
}

// TokenRevokeParams name a token by id.
type TokenRevokeParams struct {
	ID int64 `json:"id"`
}

// TokenRevokeResult is the token revoked and, for an agent, where its
// conversations went (to other agents, or the queue).
type TokenRevokeResult struct {
	Token    Token          `json:"token"`
	Assigned []Conversation `json:"assigned"`
}

// Conversation is an open conversation of business mode: the contact,
// the agent it is assigned to (absent: it waits), its skill, since when it
// waits and since when its agent has it.
type Conversation struct {
	Contact  Contact   `json:"contact"`
	Agent    int64     `json:"agent,omitempty"`
	Skill    string    `json:"skill,omitempty"`
	Queued   time.Time `json:"queued"`
	Assigned time.Time `json:"assigned,omitzero"`
}

// ConversationsParams are the params of conversations.mine: none.
type ConversationsParams struct{}

// ConversationsResult lists an agent's open conversations or, for an
// admin or the owner, every open conversation and the queue.
type ConversationsResult struct {
	Conversations []Conversation `json:"conversations"`
}

// ConversationParams name a conversation (an id; the owner and admins may
// give a name) and, for conversation.assign, the agent's token id.
type ConversationParams struct {
	Contact string `json:"contact"`
	Agent   int64  `json:"agent,omitempty"`
}

// ConversationResult is the conversation after assign, and, after close,
// the waiting conversations it let the agents take.
type ConversationResult struct {
	Conversation *Conversation  `json:"conversation,omitempty"`
	Assigned     []Conversation `json:"assigned,omitempty"`
}

// ReadParams name a chat and mark it read up to a row (its seq; 0: all).
type ReadParams struct {
	Contact string `json:"contact"`
	Seq     int64  `json:"seq,omitempty"`
}

// ReadResult is the chat marked read.
type ReadResult struct {
	ID int64 `json:"id"`
}

// tokenCreate makes a token.
func tokenCreate(ctx context.Context, m *chat.Messenger, p TokenCreateParams) (TokenCreateResult, error) {
	role, err := ParseRole(p.Role)
	if err != nil {
		return TokenCreateResult{}, err
	}
	if role == RoleAdmin && CallerFrom(ctx).Role != RoleOwner {
		return TokenCreateResult{}, errorf(CodeForbidden, "api: forbidden: only the owner makes admin tokens")
	}
	text, t, err := m.CreateAPIToken(ctx, chat.TokenSpec{Role: tokenRole(role), Name: p.Name, Skills: p.Skills, MaxChats: p.MaxChats})
	if err != nil {
		return TokenCreateResult{}, err
	}
	detail := tokenDetail(t.ID, role, t.Name, t.Skills, t.MaxChats)
	if err := auditFrom(ctx, m, "token.create", detail); err != nil {
		// Why revoke: no token may exist that the audit log does not know.
		_, rerr := m.RevokeAPIToken(ctx, t.ID)
		return TokenCreateResult{}, errors.Join(err, rerr)
	}
	return TokenCreateResult{Token: text, Record: newToken(t)}, nil
}

// tokenDetail is a token's audit entry: its id, role and name, and its
// skills and chat limit where it has them.
func tokenDetail(id int64, role Role, name string, skills []string, maxChats int) string {
	detail := fmt.Sprintf("token %d role %s name %q", id, role, name)
	if len(skills) > 0 {
		detail += " skills " + strings.Join(skills, ",")
	}
	if maxChats > 0 {
		detail += fmt.Sprintf(" max %d chats", maxChats)
	}
	return detail
}

// tokenList lists the tokens.
func tokenList(ctx context.Context, m *chat.Messenger, _ TokenListParams) (TokenListResult, error) {
	all, err := m.APITokens(ctx)
	if err != nil {
		return TokenListResult{}, err
	}
	out := TokenListResult{Tokens: make([]Token, 0, len(all))}
	for _, t := range all {
		out.Tokens = append(out.Tokens, newToken(t))
	}
	return out, nil
}

// tokenRevoke revokes a token.
func tokenRevoke(ctx context.Context, m *chat.Messenger, p TokenRevokeParams) (TokenRevokeResult, error) {
	t, err := m.APIToken(ctx, p.ID)
	if err != nil {
		return TokenRevokeResult{}, err
	}
	if roleOf(t.Role) == RoleAdmin && CallerFrom(ctx).Role != RoleOwner {
		return TokenRevokeResult{}, errorf(CodeForbidden, "api: forbidden: only the owner revokes admin tokens")
	}
	made, err := m.RevokeAPIToken(ctx, p.ID)
	if err != nil {
		return TokenRevokeResult{}, err
	}
	if err := errors.Join(auditFrom(ctx, m, "token.revoke", fmt.Sprintf("token %d role %s name %q", t.ID, roleOf(t.Role), t.Name)),
		auditAssigned(ctx, m, made)); err != nil {
		return TokenRevokeResult{}, err
	}
	if t, err = m.APIToken(ctx, p.ID); err != nil {
		return TokenRevokeResult{}, err
	}
	out := TokenRevokeResult{Token: newToken(t)}
	out.Assigned, err = conversations(ctx, m, made)
	return out, err
}

// auditFrom records an administrative action by ctx's caller in the
// audit log. The action is done by then: a failure is returned, so that
// the caller learns the log missed it.
func auditFrom(ctx context.Context, m *chat.Messenger, action, detail string) error {
	return m.Audit(ctx, chat.AuditEntry{Actor: CallerFrom(ctx).actor(), Action: action, Detail: detail})
}

// auditAssigned records the assignments from the queue that an action
// caused; the router is their actor.
func auditAssigned(ctx context.Context, m *chat.Messenger, made []store.Assignment) error {
	var errs []error
	for _, a := range made {
		errs = append(errs, m.Audit(ctx, chat.AuditEntry{Actor: "router", Action: "conversation.assign",
			Detail: fmt.Sprintf("conversation %d to agent %d (from the queue)", a.Conversation, a.Agent)}))
	}
	return errors.Join(errs...)
}

// conversations shows assignments with their contacts.
func conversations(ctx context.Context, m *chat.Messenger, all []store.Assignment) ([]Conversation, error) {
	out := make([]Conversation, 0, len(all))
	for _, a := range all {
		s, err := m.Summary(ctx, a.Conversation)
		if err != nil {
			return nil, err
		}
		out = append(out, Conversation{Contact: newContact(s), Agent: a.Agent, Skill: a.Skill, Queued: a.Queued, Assigned: a.Assigned})
	}
	return out, nil
}

// conversationsMine lists the caller's open conversations.
func conversationsMine(ctx context.Context, m *chat.Messenger, _ ConversationsParams) (ConversationsResult, error) {
	c := CallerFrom(ctx)
	var agent int64
	if c.Role == RoleAgent {
		agent = c.Token
	}
	all, err := m.Assignments(ctx, agent)
	if err != nil {
		return ConversationsResult{}, err
	}
	out, err := conversations(ctx, m, all)
	return ConversationsResult{Conversations: out}, err
}

// conversationAssign gives a conversation to an agent.
func conversationAssign(ctx context.Context, m *chat.Messenger, p ConversationParams) (ConversationResult, error) {
	s, err := findContact(ctx, m, p.Contact)
	if err != nil {
		return ConversationResult{}, err
	}
	a, err := m.AssignConversation(ctx, s.Contact.ID, p.Agent)
	if err != nil {
		return ConversationResult{}, err
	}
	if err := auditFrom(ctx, m, "conversation.assign", fmt.Sprintf("conversation %d to agent %d", a.Conversation, a.Agent)); err != nil {
		return ConversationResult{}, err
	}
	one, err := conversations(ctx, m, []store.Assignment{a})
	if err != nil {
		return ConversationResult{}, err
	}
	return ConversationResult{Conversation: &one[0]}, nil
}

// conversationClose closes a conversation.
func conversationClose(ctx context.Context, m *chat.Messenger, p ConversationParams) (ConversationResult, error) {
	s, err := findContact(ctx, m, p.Contact)
	if err != nil {
		return ConversationResult{}, err
	}
	made, err := m.CloseConversation(ctx, s.Contact.ID)
	if err != nil {
		return ConversationResult{}, err
	}
	if err := errors.Join(auditFrom(ctx, m, "conversation.close", fmt.Sprintf("conversation %d", s.Contact.ID)),
		auditAssigned(ctx, m, made)); err != nil {
		return ConversationResult{}, err
	}
	out, err := conversations(ctx, m, made)
	return ConversationResult{Assigned: out}, err
}

// conversationRead marks a chat read.
func conversationRead(ctx context.Context, m *chat.Messenger, p ReadParams) (ReadResult, error) {
	if p.Seq < 0 {
		return ReadResult{}, errorf(CodeInvalidParams, "api: invalid params: seq must not be negative")
	}
	s, err := findChat(ctx, m, p.Contact)
	if err != nil {
		return ReadResult{}, err
	}
	upTo := p.Seq
	if upTo == 0 {
		last, _, err := m.Messages(ctx, s.Contact.ID, 0, 1)
		if err != nil || len(last) == 0 {
			return ReadResult{ID: int64(s.Contact.ID)}, err
		}
		upTo = last[0].Seq
	}
	return ReadResult{ID: int64(s.Contact.ID)}, m.MarkRead(ctx, s.Contact.ID, upTo)
}
