package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// newAgent makes a live agent token.
func newAgent(t *testing.T, s *Store, name string, max int, skills ...string) int64 {
	t.Helper()
	id, err := s.CreateAccessToken(bg, AccessToken{Role: TokenAgent, Name: name, Skills: skills, MaxChats: max,
		Created: time.UnixMilli(1_800_000_000_000)}, sha256.Sum256([]byte("rct_"+name)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAccessTokens: a token is found by its hash only while live, its
// sealed fields come back, bounds are checked, and revoking is for good.
func TestAccessTokens(t *testing.T) {
	s, _ := newTestStore(t)
	hash := sha256.Sum256([]byte("rct_secret"))
	created := time.UnixMilli(1_800_000_000_000)
	want := AccessToken{Role: TokenAgent, Name: "Ana", Skills: []string{"billing", "fr"}, MaxChats: 5, Created: created}
	id, err := s.CreateAccessToken(bg, want, hash)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.AccessTokenByHash(bg, hash)
	if err != nil || got.ID != id || got.Name != "Ana" || !slices.Equal(got.Skills, want.Skills) || got.MaxChats != 5 || !got.Created.Equal(created) {
		t.Fatalf("AccessTokenByHash = %+v, %v", got, err)
	}
	if _, err := s.AccessTokenByHash(bg, sha256.Sum256([]byte("rct_other"))); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown hash: %v, want ErrNotFound", err)
	}
	if _, err := s.CreateAccessToken(bg, want, hash); err == nil {
		t.Error("a second token with the same hash was stored")
	}
	bad := []AccessToken{
		{Role: 0, Name: "x"}, {Role: 4}, {Role: TokenAgent, Name: string(make([]byte, MaxTokenName+1))},
		{Role: TokenAgent, Skills: []string{""}}, {Role: TokenAgent, MaxChats: -1},
	}
	for i, b := range bad {
		if _, err := s.CreateAccessToken(bg, b, sha256.Sum256([]byte{byte(i)})); !errors.Is(err, ErrCorrupt) {
			t.Errorf("token %+v: %v, want ErrCorrupt", b, err)
		}
	}
	if _, err := s.RevokeAccessToken(bg, id, created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccessTokenByHash(bg, hash); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: %v, want ErrNotFound", err)
	}
	all, err := s.AccessTokens(bg)
	if err != nil || len(all) != 1 || all[0].Live() {
		t.Errorf("AccessTokens = %+v, %v: want the revoked one", all, err)
	}
	if _, err := s.RevokeAccessToken(bg, 99, created); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking no token: %v, want ErrNotFound", err)
	}
}

// TestRouting100 routes 100 conversations (half billing, half tech) over
// 5 agents with skills and a max of 18 each: skills are honoured, loads
// stay within 1 of each other among agents of the same skills while they
// fill, no agent passes its max, 10 wait, and the queue drains as agents
// close conversations.
func TestRouting100(t *testing.T) {
	s, _ := newTestStore(t)
	const max = 18
	agents := map[int64][]string{}
	for _, a := range []struct {
		name   string
		skills []string
	}{{"ana", []string{"billing"}}, {"bo", []string{"billing"}}, {"cy", []string{"tech"}}, {"di", []string{"tech"}}, {"ed", []string{"billing", "tech"}}} {
		agents[newAgent(t, s, a.name, max, a.skills...)] = a.skills
	}
	now := time.UnixMilli(1_800_000_000_000)
	skillOf := map[ContactID]string{}
	for i := range 100 {
		conv := addTestContact(t, s, byte(i+1), fmt.Sprintf("c%d", i))
		skill := [2]string{"billing", "tech"}[i%2]
		skillOf[conv] = skill
		now = now.Add(time.Millisecond)
		a, created, err := s.RouteConversation(bg, conv, skill, now)
		if err != nil || !created {
			t.Fatalf("route %d: %v, %v", i, created, err)
		}
		if a.Agent != 0 && !slices.Contains(agents[a.Agent], skill) {
			t.Fatalf("conversation %d (%s) went to agent %d with skills %v", i, skill, a.Agent, agents[a.Agent])
		}
		if i == 49 { // half way: nobody is full, loads are even
			loads := loadsOf(t, s, agents)
			lo, hi := minMax(loads)
			if hi-lo > 1 {
				t.Errorf("after 50 conversations loads are %v: spread %d", loads, hi-lo)
			}
		}
	}
	if a, created, err := s.RouteConversation(bg, 1, "tech", now); err != nil || created || a.Conversation != 1 {
		t.Errorf("routing an open conversation again: %+v, %v, %v", a, created, err)
	}
	loads := loadsOf(t, s, agents)
	for id, n := range loads {
		if n != max {
			t.Errorf("agent %d has %d open, want %d (all full)", id, n, max)
		}
	}
	queue := queued(t, s)
	if len(queue) != 100-5*max {
		t.Fatalf("%d wait in the queue, want %d", len(queue), 100-5*max)
	}
	// Agents close conversations: each closure hands the oldest waiting
	// conversation the closer can take to it.
	for len(queue) > 0 {
		head := queue[0]
		var closer int64
		var victim ContactID
		for _, a := range assignmentsOf(t, s) {
			if a.Agent != 0 && slices.Contains(agents[a.Agent], head.Skill) {
				closer, victim = a.Agent, a.Conversation
				break
			}
		}
		now = now.Add(time.Millisecond)
		made, err := s.CloseConversation(bg, victim, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(made) != 1 || made[0].Conversation != head.Conversation || made[0].Agent != closer {
			t.Fatalf("closing %d of agent %d assigned %+v, want %d to it", victim, closer, made, head.Conversation)
		}
		if n := loadsOf(t, s, agents)[closer]; n != max {
			t.Fatalf("agent %d has %d open after the queue drained into it, want %d", closer, n, max)
		}
		queue = queued(t, s)
	}
	if _, err := s.CloseConversation(bg, 9999, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("closing a conversation that is not open: %v, want ErrNotFound", err)
	}
}

// TestRoutingFallbackAndRevoke: a skill no agent has is routed to any
// agent; an admin's assignment passes the max; revoking an agent puts its
// conversations back in the queue, handed at once to an agent with room.
func TestRoutingFallbackAndRevoke(t *testing.T) {
	s, _ := newTestStore(t)
	ana := newAgent(t, s, "ana", 1, "billing")
	bo := newAgent(t, s, "bo", 1, "tech")
	now := time.UnixMilli(1_800_000_000_000)
	c1, c2, c3 := addTestContact(t, s, 1, "c1"), addTestContact(t, s, 2, "c2"), addTestContact(t, s, 3, "c3")
	a, _, err := s.RouteConversation(bg, c1, "sales", now)
	if err != nil || a.Agent != ana {
		t.Fatalf("a skill nobody has: %+v, %v; want ana (the first idle)", a, err)
	}
	if a, _, err = s.RouteConversation(bg, c2, "billing", now); err != nil || a.Agent != 0 {
		t.Fatalf("billing with ana full: %+v, %v; want queued", a, err)
	}
	if a, err = s.AssignConversation(bg, c2, bo, now); err != nil || a.Agent != bo {
		t.Fatalf("admin assigns to bo: %+v, %v", a, err)
	}
	if _, err := s.AssignConversation(bg, c3, 99, now); !errors.Is(err, ErrNoAgent) {
		t.Errorf("assigning to no agent: %v, want ErrNoAgent", err)
	}
	if a, _, err = s.RouteConversation(bg, c3, "", now); err != nil || a.Agent != 0 {
		t.Fatalf("any skill with both full: %+v, %v; want queued", a, err)
	}
	made, err := s.RevokeAccessToken(bg, bo, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 0 {
		t.Errorf("revoking bo assigned %+v while ana is full", made)
	}
	if got := queued(t, s); len(got) != 2 {
		t.Errorf("queue after revoking bo: %+v, want c2 and c3", got)
	}
	made, err = s.CloseConversation(bg, c1, now.Add(2*time.Second))
	if err != nil || len(made) != 1 || made[0].Conversation != c2 || made[0].Agent != ana {
		t.Errorf("closing c1: %+v, %v; want c2 (the oldest waiting) to ana", made, err)
	}
}

// assignmentsOf returns every open conversation.
func assignmentsOf(t *testing.T, s *Store) []Assignment {
	t.Helper()
	all, err := s.Assignments(bg, 0)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// queued returns the waiting conversations, oldest first.
func queued(t *testing.T, s *Store) []Assignment {
	var out []Assignment
	for _, a := range assignmentsOf(t, s) {
		if a.Agent == 0 {
			out = append(out, a)
		}
	}
	return out
}

// loadsOf counts each agent's open conversations through Assignments.
func loadsOf(t *testing.T, s *Store, agents map[int64][]string) map[int64]int {
	out := map[int64]int{}
	for id := range agents {
		mine, err := s.Assignments(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = len(mine)
	}
	return out
}

// minMax returns the least and greatest load.
func minMax(loads map[int64]int) (lo, hi int) {
	lo = -1
	for _, n := range loads {
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return lo, hi
}
