package chat

import (
	"context"
	"strings"
	"testing"

	"ratchat/store"
)

// TestForkWins: the winner of two states of one version is the one with
// the lower SHA-256, whichever order they come in, and a state does not
// win over itself.
func TestForkWins(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"state by alice", "state by bob"},
		{"x", "y"},
		{"", "z"},
	} {
		a, b := []byte(tc.a), []byte(tc.b)
		if forkWins(a, b) == forkWins(b, a) {
			t.Errorf("%q and %q: both or neither win", tc.a, tc.b)
		}
		if forkWins(a, a) {
			t.Errorf("%q wins over itself", tc.a)
		}
	}
}

// TestRedo: a change made again on top of the state that won over it
// keeps the winner's changes and adds its own.
func TestRedo(t *testing.T) {
	k := func(b byte) StateMember { return StateMember{Identity: [32]byte{b}, Home: "h"} }
	admin := func(sm StateMember) StateMember { sm.Admin = true; return sm }
	base := &GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(2), k(3)}}
	for _, tc := range []struct {
		name    string
		changed *GroupState
		won     *GroupState
		want    *GroupState
	}{
		{"rename over a promotion",
			&GroupState{Name: "crag", Members: base.Members},
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), admin(k(2)), k(3)}},
			&GroupState{Name: "crag", Members: []StateMember{admin(k(1)), admin(k(2)), k(3)}}},
		{"an add over a removal",
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(2), k(3), k(4)}},
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(3)}},
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(3), k(4)}}},
		{"a removal the winner made too",
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(3)}},
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(3)}},
			&GroupState{Name: "climbing", Members: []StateMember{admin(k(1)), k(3)}}},
		{"a demotion",
			&GroupState{Name: "climbing", Members: []StateMember{k(1), k(2), k(3)}},
			&GroupState{Name: "rocks", Members: base.Members},
			&GroupState{Name: "rocks", Members: []StateMember{k(1), k(2), k(3)}}},
	} {
		s := tc.won.clone()
		redo(base, tc.changed, s)
		if s.Name != tc.want.Name || !sameMembers(s, tc.want) {
			t.Errorf("%s: %q %+v, want %q %+v", tc.name, s.Name, s.Members, tc.want.Name, tc.want.Members)
		}
	}
}

// TestGroupFork: alice and bob, both admins, change the group at the
// same version (alice renames it, bob makes carol an admin), each
// publishing before the other's change reaches it. Every member keeps the
// same winner, the loser's author makes its change again on top of it,
// and all three end at the same version with both changes; the loser's
// author has a line that says what happened.
func TestGroupFork(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	convs := groupConvs(info, alice, bob, carol)
	if _, err := alice.m.PromoteGroupMember(ctx, info.Conversation, ab.ID); err != nil {
		t.Fatal(err)
	}
	bob.groupAt(info.ID, 2)
	carol.groupAt(info.ID, 2)
	cb, err := bob.st.ContactByIdentity(ctx, carol.m.Identity())
	if err != nil {
		t.Fatal(err)
	}

	// Bob holds his group lock, so alice's version reaches him only
	// after he published his own.
	bob.m.groups.change.Lock()
	bobV3 := forkVersion(t, bob, convs[bob], func(s *GroupState) {
		s.Members[s.member(cb.Identity)].Admin = true
	})
	alice.m.groups.change.Lock()
	aliceV3 := forkVersion(t, alice, convs[alice], func(s *GroupState) { s.Name = "crag" })
	publishFork(t, alice, convs[alice], aliceV3)
	alice.m.groups.change.Unlock()
	publishFork(t, bob, convs[bob], bobV3)
	bob.m.groups.change.Unlock()

	for _, p := range []*profile{alice, bob, carol} {
		var got GroupInfo
		p.until("version 4", func() bool {
			got, err = p.m.Group(ctx, convs[p])
			return err == nil && got.Version >= 4
		})
		admins := 0
		for _, gm := range got.Members {
			if gm.Admin {
				admins++
			}
		}
		if got.Version != 4 || got.Name != "crag" || admins != 3 {
			t.Fatalf("%s: version %d, name %q, %d admins; want 4, crag, 3", p.name, got.Version, got.Name, admins)
		}
	}
	loser := alice
	if forkWins(aliceV3.Marshal(), bobV3.Marshal()) {
		loser = bob
	}
	var said bool
	for _, r := range loser.rows(convs[loser]) {
		said = said || (r.Kind == store.KindMembership && strings.Contains(string(r.Body), "at the same time"))
	}
	if !said {
		t.Fatalf("%s (whose change lost) has no line about the fork: %v", loser.name, describeRows(loser.rows(convs[loser])))
	}
	// The group still works at version 4: a message reaches both others.
	if _, err := carol.m.Send(ctx, convs[carol], "both changes made"); err != nil {
		t.Fatal(err)
	}
	alice.waitRows(convs[alice], 1, texts)
	bob.waitRows(convs[bob], 1, texts)
	for _, p := range []*profile{alice, bob, carol} {
		if got, err := p.m.Group(ctx, convs[p]); err != nil || got.Version != 4 {
			t.Fatalf("%s: version %d after the message, %v", p.name, got.Version, err)
		}
	}
}

// forkVersion signs the next version of p's group conv, changed by
// change, without publishing it. The caller holds p's group lock.
func forkVersion(t *testing.T, p *profile, conv store.ContactID, change func(*GroupState)) *GroupState {
	t.Helper()
	g, err := p.m.loadGroup(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	next := g.state.clone()
	next.Version++
	change(next)
	if err := next.sign(p.m.rand, &p.m.identity); err != nil {
		t.Fatal(err)
	}
	return next
}

// publishFork publishes next as p's next version of its group conv. The
// caller holds p's group lock.
func publishFork(t *testing.T, p *profile, conv store.ContactID, next *GroupState) {
	t.Helper()
	ctx := context.Background()
	g, err := p.m.loadGroup(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.m.publish(ctx, g.conv, g.state, next); err != nil {
		t.Fatal(err)
	}
}
