package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"
)

// Table and column of the assignments, part of the sealed field's
// associated data.
const (
	tableAssignments = "assignments"
	colSkill         = "skill"
)

// Assignment is an open conversation of business mode: the agent it is
// assigned to (0: it waits in the queue) and the skill it needs.
type Assignment struct {
	Conversation ContactID
	Agent        int64
	Skill        string
	Queued       time.Time // when it opened (the queue's order)
	Assigned     time.Time // when Agent got it (zero while queued)
}

// agentLoad is an agent as the router sees it.
type agentLoad struct {
	tok  AccessToken
	open int
}

// PickAgent chooses the agent for a conversation that needs skill: among
// the live agent tokens with that skill and fewer open conversations than
// their MaxChats (0: no bound), the one with the fewest open; ties go to
// the one idle longest (the oldest LastAssigned), then the oldest token.
// When no live agent has the skill at all, the conversation is routed as
// needing none (it must not wait for an agent who will never come); when
// agents have it but are full, ok is false and it waits. open counts each
// agent's open conversations by token id.
func PickAgent(agents []AccessToken, open map[int64]int, skill string) (id int64, ok bool) {
	if skill != "" && !slices.ContainsFunc(agents, func(t AccessToken) bool {
		return t.Role == TokenAgent && t.Live() && t.HasSkill(skill)
	}) {
		skill = ""
	}
	var best *agentLoad
	for _, t := range agents {
		if t.Role != TokenAgent || !t.Live() || !t.HasSkill(skill) {
			continue
		}
		n := open[t.ID]
		if t.MaxChats > 0 && n >= t.MaxChats {
			continue
		}
		c := &agentLoad{tok: t, open: n}
		if best == nil || better(c, best) {
			best = c
		}
	}
	if best == nil {
		return 0, false
	}
	return best.tok.ID, true
}

// better reports whether a should get a conversation before b.
func better(a, b *agentLoad) bool {
	if a.open != b.open {
		return a.open < b.open
	}
	if !a.tok.LastAssigned.Equal(b.tok.LastAssigned) {
		return a.tok.LastAssigned.Before(b.tok.LastAssigned)
	}
	return a.tok.ID < b.tok.ID
}

// RouteConversation opens a conversation that needs skill, unless it is
// open already (then it returns that assignment and created false): it
// goes to the agent [PickAgent] chooses, or waits in the queue.
func (s *Store) RouteConversation(ctx context.Context, conv ContactID, skill string, now time.Time) (a Assignment, created bool, err error) {
	err = s.write(ctx, func(tx querier) error {
		a, err = s.assignment(ctx, tx, conv)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return err
		}
		c, err := s.contact(ctx, tx, conv)
		if err != nil {
			return err
		}
		if c.IsGroup() {
			return ErrNotAssignable
		}
		a = Assignment{Conversation: conv, Skill: skill, Queued: now}
		agents, open, err := s.loads(ctx, tx)
		if err != nil {
			return err
		}
		if id, ok := PickAgent(agents, open, skill); ok {
			a.Agent, a.Assigned = id, now
		}
		created = true
		return s.putAssignment(ctx, tx, a)
	})
	return a, created, err
}

// AssignConversation gives a conversation to an agent (an admin's
// reassignment), opening it if it was not. The agent's MaxChats does not
// bind an admin: it bounds the router only.
func (s *Store) AssignConversation(ctx context.Context, conv ContactID, agent int64, now time.Time) (Assignment, error) {
	var a Assignment
	err := s.write(ctx, func(tx querier) error {
		t, _, err := s.scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE id = ?`, agent))
		if errors.Is(err, ErrNotFound) || err == nil && (t.Role != TokenAgent || !t.Live()) {
			return ErrNoAgent
		} else if err != nil {
			return err
		}
		c, err := s.contact(ctx, tx, conv)
		if err != nil {
			return err
		}
		if c.IsGroup() {
			return ErrNotAssignable
		}
		a, err = s.assignment(ctx, tx, conv)
		if errors.Is(err, ErrNotFound) {
			a, err = Assignment{Conversation: conv, Queued: now}, nil
		}
		if err != nil {
			return err
		}
		a.Agent, a.Assigned = agent, now
		return s.putAssignment(ctx, tx, a)
	})
	return a, err
}

// CloseConversation closes an open conversation (its row goes: the
// contact's next message opens a new one) and hands the queue's waiting
// conversations to agents with room, returning the assignments made.
// Closing a conversation that is not open returns [ErrNotFound].
func (s *Store) CloseConversation(ctx context.Context, conv ContactID, now time.Time) ([]Assignment, error) {
	var made []Assignment
	err := s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM assignments WHERE conversation = ?`, conv)
		if err != nil {
			return wrapAccess(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		made, err = s.drain(ctx, tx, now)
		return err
	})
	return made, err
}

// DrainQueue hands waiting conversations to agents with room (after a
// token was made, or a max raised), returning the assignments made.
func (s *Store) DrainQueue(ctx context.Context, now time.Time) ([]Assignment, error) {
	var made []Assignment
	err := s.write(ctx, func(tx querier) error {
		var err error
		made, err = s.drain(ctx, tx, now)
		return err
	})
	return made, err
}

// drain assigns the queue, oldest first, while agents have room. A
// conversation whose skill no agent with room has stays, and the ones
// behind it may pass it.
func (s *Store) drain(ctx context.Context, tx querier, now time.Time) ([]Assignment, error) {
	queued, err := s.assignments(ctx, tx, `WHERE agent IS NULL ORDER BY queued, conversation`)
	if err != nil || len(queued) == 0 {
		return nil, err
	}
	agents, open, err := s.loads(ctx, tx)
	if err != nil {
		return nil, err
	}
	var made []Assignment
	for _, a := range queued {
		id, ok := PickAgent(agents, open, a.Skill)
		if !ok {
			continue
		}
		a.Agent, a.Assigned = id, now
		if _, err := tx.ExecContext(ctx, `UPDATE assignments SET agent = ?, assigned = ? WHERE conversation = ?`,
			id, now.UnixMilli(), a.Conversation); err != nil {
			return nil, wrapAccess(err)
		}
		if err := touchAgent(ctx, tx, id, now); err != nil {
			return nil, err
		}
		open[id]++
		for i := range agents {
			if agents[i].ID == id {
				agents[i].LastAssigned = now
			}
		}
		made = append(made, a)
	}
	return made, nil
}

// loads returns the live agent tokens and their open conversations.
func (s *Store) loads(ctx context.Context, tx querier) ([]AccessToken, map[int64]int, error) {
	agents, err := s.tokens(ctx, tx, `SELECT `+tokenColumns+` FROM access_tokens WHERE role = ? AND revoked = 0 ORDER BY id`, TokenAgent)
	if err != nil {
		return nil, nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT agent, count(*) FROM assignments WHERE agent IS NOT NULL GROUP BY agent`)
	if err != nil {
		return nil, nil, wrapAccess(err)
	}
	defer rows.Close()
	open := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, nil, wrapAccess(err)
		}
		open[id] = n
	}
	return agents, open, wrapAccess(rows.Err())
}

// putAssignment writes an assignment (insert or replace) and, when it has
// an agent, marks when that agent last got one.
func (s *Store) putAssignment(ctx context.Context, tx querier, a Assignment) error {
	skill, err := s.c.seal(tableAssignments, colSkill, int64(a.Conversation), []byte(a.Skill))
	if err != nil {
		return err
	}
	var agent any
	var assigned int64
	if a.Agent != 0 {
		agent, assigned = a.Agent, a.Assigned.UnixMilli()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assignments (conversation, agent, skill, queued, assigned) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (conversation) DO UPDATE SET agent = excluded.agent, skill = excluded.skill, assigned = excluded.assigned`,
		a.Conversation, agent, skill, a.Queued.UnixMilli(), assigned); err != nil {
		return wrapAccess(err)
	}
	if a.Agent == 0 {
		return nil
	}
	return touchAgent(ctx, tx, a.Agent, a.Assigned)
}

// touchAgent records when an agent last got a conversation.
func touchAgent(ctx context.Context, tx querier, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE access_tokens SET last_assigned = ? WHERE id = ?`, at.UnixMilli(), id)
	return wrapAccess(err)
}

// Assignment returns a conversation's open assignment, or [ErrNotFound].
func (s *Store) Assignment(ctx context.Context, conv ContactID) (Assignment, error) {
	q, err := s.reader()
	if err != nil {
		return Assignment{}, err
	}
	return s.assignment(ctx, q, conv)
}

// assignment reads one conversation's assignment.
func (s *Store) assignment(ctx context.Context, q querier, conv ContactID) (Assignment, error) {
	all, err := s.assignments(ctx, q, `WHERE conversation = ?`, conv)
	if err != nil {
		return Assignment{}, err
	}
	if len(all) == 0 {
		return Assignment{}, ErrNotFound
	}
	return all[0], nil
}

// Assignments returns the open conversations of an agent, or of every
// agent and the queue when agent is 0, the longest waiting first.
func (s *Store) Assignments(ctx context.Context, agent int64) ([]Assignment, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	if agent == 0 {
		return s.assignments(ctx, q, `ORDER BY queued, conversation`)
	}
	return s.assignments(ctx, q, `WHERE agent = ? ORDER BY queued, conversation`, agent)
}

// assignments reads the rows a WHERE/ORDER clause selects.
func (s *Store) assignments(ctx context.Context, q querier, clause string, args ...any) ([]Assignment, error) {
	rows, err := q.QueryContext(ctx, `SELECT conversation, agent, skill, queued, assigned FROM assignments `+clause, args...)
	if err != nil {
		return nil, wrapAccess(err)
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var agent sql.NullInt64
		var skill []byte
		var queued, assigned int64
		if err := rows.Scan(&a.Conversation, &agent, &skill, &queued, &assigned); err != nil {
			return nil, wrapAccess(err)
		}
		pt, err := s.c.open(tableAssignments, colSkill, int64(a.Conversation), skill)
		if err != nil {
			return nil, err
		}
		a.Agent, a.Skill, a.Queued = agent.Int64, string(pt), time.UnixMilli(queued)
		if assigned != 0 {
			a.Assigned = time.UnixMilli(assigned)
		}
		out = append(out, a)
	}
	return out, wrapAccess(rows.Err())
}
