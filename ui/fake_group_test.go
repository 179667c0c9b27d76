package ui

import (
	"context"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// The fake core's groups: a list of GroupInfo, each with a summary of its
// own (groupRows) as the contact list shows it, and membership lines in
// its chat as the core would write them.

// climbing is the conversation id of the fake's group.
const climbing chat.ContactID = 7

// withGroup gives the fake core a group, "Climbing", of us (admin),
// Alice (verified), Bob and Carol (whose key change holds the group),
// with a chat where Alice, Bob and Dave (a former member) wrote.
func withGroup(f *fakeCore) *fakeCore {
	f.mu.Lock()
	defer f.mu.Unlock()
	member := func(id chat.ContactID) chat.GroupMember {
		for _, s := range f.contacts {
			if s.Contact.ID == id {
				return chat.GroupMember{Contact: s.Contact}
			}
		}
		panic("no contact")
	}
	g := chat.GroupInfo{Conversation: climbing, ID: store.GroupID{7}, Name: "Climbing", Version: 3, Admin: true, Member: true,
		Members: []chat.GroupMember{{Self: true, Admin: true}, member(1), member(2), member(3)}}
	g.Members[1].Admin = true
	f.groups = append(f.groups, g)
	in, out := chat.Incoming, chat.Outgoing
	membership := func(seq int64, body string, at time.Time) chat.Message {
		m := line(seq, chat.RowMembership, at)
		m.Body = []byte(body)
		return m
	}
	from := func(m chat.Message, sender chat.ContactID) chat.Message { m.Sender = sender; return m }
	f.msgs[climbing] = []chat.Message{
		membership(1, "You created the group with Alice, Bob, Carol and Dave", t0.Add(-5*time.Hour)),
		from(text(2, in, "who's in for Saturday?", t0.Add(-4*time.Hour), chat.StatusDelivered), 1),
		from(text(3, in, "me, if it's dry", t0.Add(-3*time.Hour), chat.StatusDelivered), 9),
		membership(4, "You removed Dave", t0.Add(-170*time.Minute)),
		from(text(5, in, "me!", t0.Add(-2*time.Hour), chat.StatusDelivered), 2),
		text(6, out, "count me in", t0.Add(-90*time.Minute), chat.StatusDelivered),
	}
	last := f.msgs[climbing][5]
	f.groupRows = append(f.groupRows, chat.Summary{Contact: chat.Contact{ID: climbing, Name: "Climbing", GroupID: g.ID},
		Unread: 2, Last: &last})
	return f
}

// holdGroup marks Carol's key change as holding the fake's group.
func holdGroup(f *fakeCore) *fakeCore {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[0].Held = []chat.ContactID{3}
	return f
}

func (f *fakeCore) Groups(context.Context) ([]chat.GroupInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chat.GroupInfo(nil), f.groups...), nil
}

func (f *fakeCore) Group(_ context.Context, id chat.ContactID) (chat.GroupInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.groups {
		if g.Conversation == id {
			return g, nil
		}
	}
	return chat.GroupInfo{}, chat.ErrNotGroup
}

// changeGroup applies fn to group id, as an admin's change.
func (f *fakeCore) changeGroup(id chat.ContactID, fn func(g *chat.GroupInfo) error) (chat.GroupInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.groups {
		if g := &f.groups[i]; g.Conversation == id {
			if !g.Admin {
				return chat.GroupInfo{}, chat.ErrNotAdmin
			}
			if err := fn(g); err != nil {
				return chat.GroupInfo{}, err
			}
			g.Version++
			return *g, nil
		}
	}
	return chat.GroupInfo{}, chat.ErrNotGroup
}

// memberOf is the group member a contact of the fake is.
func (f *fakeCore) memberOf(id chat.ContactID) (chat.GroupMember, error) {
	for _, s := range f.contacts {
		if s.Contact.ID == id {
			return chat.GroupMember{Contact: s.Contact}, nil
		}
	}
	return chat.GroupMember{}, chat.ErrNoContact
}

func (f *fakeCore) CreateGroup(_ context.Context, name string, members []chat.ContactID) (chat.GroupInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := chat.GroupInfo{Conversation: chat.ContactID(100 + len(f.groups)), Name: name, Version: 1, Admin: true, Member: true,
		Members: []chat.GroupMember{{Self: true, Admin: true}}}
	g.ID[0] = byte(g.Conversation)
	for _, id := range members {
		m, err := f.memberOf(id)
		if err != nil {
			return chat.GroupInfo{}, err
		}
		g.Members = append(g.Members, m)
	}
	f.groups = append(f.groups, g)
	f.groupRows = append(f.groupRows, chat.Summary{Contact: chat.Contact{ID: g.Conversation, Name: name, GroupID: g.ID}})
	f.created = append(f.created, g)
	return g, nil
}

func (f *fakeCore) AddGroupMembers(_ context.Context, id chat.ContactID, members []chat.ContactID) (chat.GroupInfo, error) {
	return f.changeGroup(id, func(g *chat.GroupInfo) error {
		for _, mid := range members {
			m, err := f.memberOf(mid)
			if err != nil {
				return err
			}
			g.Members = append(g.Members, m)
		}
		return nil
	})
}

func (f *fakeCore) RemoveGroupMember(_ context.Context, id, member chat.ContactID) (chat.GroupInfo, error) {
	return f.changeGroup(id, func(g *chat.GroupInfo) error {
		for i, m := range g.Members {
			if !m.Self && m.Contact.ID == member {
				g.Members = append(g.Members[:i:i], g.Members[i+1:]...)
				return nil
			}
		}
		return chat.ErrNotMember
	})
}

func (f *fakeCore) PromoteGroupMember(_ context.Context, id, member chat.ContactID) (chat.GroupInfo, error) {
	return f.changeGroup(id, func(g *chat.GroupInfo) error {
		for i, m := range g.Members {
			if !m.Self && m.Contact.ID == member {
				g.Members[i].Admin = true
				return nil
			}
		}
		return chat.ErrNotMember
	})
}

func (f *fakeCore) RenameGroup(_ context.Context, id chat.ContactID, name string) (chat.GroupInfo, error) {
	return f.changeGroup(id, func(g *chat.GroupInfo) error {
		g.Name = name
		for i := range f.groupRows {
			if f.groupRows[i].Contact.ID == id {
				f.groupRows[i].Contact.Name = name
			}
		}
		return nil
	})
}

func (f *fakeCore) LeaveGroup(_ context.Context, id chat.ContactID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.groups {
		if f.groups[i].Conversation == id {
			f.groups[i].Member, f.groups[i].Admin = false, false
			f.groups[i].Members = f.groups[i].Members[1:]
		}
	}
	for i := range f.groupRows {
		if f.groupRows[i].Contact.ID == id {
			f.groupRows[i].Contact.State = chat.StateRemoved
		}
	}
	return nil
}

func (f *fakeCore) MemberStatuses(_ context.Context, id chat.ContactID, _ chat.MessageID) ([]store.MemberStatus, error) {
	at := t0.Add(-80 * time.Minute)
	return []store.MemberStatus{
		{Member: 1, Status: chat.StatusRead, Times: store.StatusTimes{Sent: at, Delivered: at, Read: at.Add(time.Minute)}},
		{Member: 2, Status: chat.StatusDelivered, Times: store.StatusTimes{Sent: at, Delivered: at.Add(2 * time.Minute)}},
		{Member: 3, Status: chat.StatusSent, Times: store.StatusTimes{Sent: at}},
	}, nil
}

// groupHeld is the fake's Send check of a group: a held member stops it.
func (f *fakeCore) groupHeld(id chat.ContactID) error {
	for _, g := range f.groups {
		if g.Conversation == id && len(g.Held) > 0 {
			return &chat.IdentityChangedError{Contact: g.Held[0]}
		}
	}
	return nil
}
