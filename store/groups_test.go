package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"ratchat/keys"
)

// testGroupID returns a deterministic group id.
func testGroupID(seed byte) GroupID {
	var id GroupID
	for i := range id {
		id[i] = seed ^ byte(i)
	}
	return id
}

// groupFixture is a profile with three people and a group of them.
type groupFixture struct {
	s       *Store
	group   ContactID
	members []ContactID
}

// newGroupFixture makes a profile with contacts bob, carol and dave and a
// group "friends" with a first state.
func newGroupFixture(t testing.TB) groupFixture {
	t.Helper()
	s, _ := newTestStore(t)
	f := groupFixture{s: s}
	for i, name := range []string{"bob", "carol", "dave"} {
		f.members = append(f.members, addTestContact(t, s, byte(i+1), name))
	}
	g, err := s.AddGroup(bg, testGroupID(1), "friends", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	f.group = g
	if err := s.SaveGroupState(bg, g, 1, []byte("state v1")); err != nil {
		t.Fatal(err)
	}
	return f
}

// groupMessage is message n to or from the group.
func (f groupFixture) groupMessage(n int, dir Direction) Message {
	m := testMessage(f.group, n)
	m.Direction = dir
	if dir == Outgoing {
		m.Status = StatusQueued
	}
	return m
}

// send commits message n to every member and returns its sequence number.
func (f groupFixture) send(t testing.TB, n int) int64 {
	t.Helper()
	g := GroupSent{Message: f.groupMessage(n, Outgoing), SenderKey: []byte(fmt.Sprintf("our key after %d", n))}
	for _, m := range f.members {
		g.Deliveries = append(g.Deliveries, GroupDelivery{Member: m, Payload: []byte(fmt.Sprintf("envelope %d for %d", n, m))})
	}
	seq, err := f.s.CommitGroupSent(bg, g)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// count returns the rows of a table matching where.
func count(t testing.TB, s *Store, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddGroup(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	c, err := s.Contact(bg, f.group)
	if err != nil || !c.IsGroup() || c.GroupID != testGroupID(1) || c.Name != "friends" || c.State != StateContact ||
		c.Identity != (keys.PublicKey{}) {
		t.Fatalf("Contact(group) = %+v, %v", c, err)
	}
	if got, err := s.GroupByID(bg, testGroupID(1)); err != nil || got != c {
		t.Fatalf("GroupByID = %+v, %v", got, err)
	}
	req, err := s.AddGroup(bg, testGroupID(2), "strangers", StateRequest)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		id    GroupID
		state ContactState
		want  error
	}{
		{"known id", testGroupID(1), StateContact, ErrExists},
		{"known id, its own error", testGroupID(2), StateRequest, ErrGroupExists},
		{"zero id", GroupID{}, StateContact, ErrInvalidArgument},
		{"blocked", testGroupID(3), StateBlocked, ErrInvalidArgument},
		{"unknown state", testGroupID(3), StateRemoved + 1, ErrInvalidArgument},
	} {
		if _, err := s.AddGroup(bg, tc.id, "x", tc.state); !errors.Is(err, tc.want) {
			t.Errorf("%s: AddGroup = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.GroupByID(bg, testGroupID(9)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GroupByID(unknown) = %v", err)
	}
	// A group id is never found as a person's key, nor a key as a group.
	var asKey [32]byte = testGroupID(1)
	if _, err := s.ContactByIdentity(bg, asKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("group id looked up as a key: %v", err)
	}
	bob, _ := s.Contact(bg, f.members[0])
	if _, err := s.GroupByID(bg, GroupID(bob.Identity)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("key looked up as a group id: %v", err)
	}
	people, err := s.Contacts(bg)
	if err != nil || len(people) != 3 {
		t.Fatalf("Contacts = %d rows, %v; want the 3 people", len(people), err)
	}
	for _, p := range people {
		if p.IsGroup() {
			t.Fatalf("Contacts lists group %d", p.ID)
		}
	}
	groups, err := s.Groups(bg)
	if err != nil || len(groups) != 2 || groups[0].ID != f.group || groups[1].ID != req || groups[1].State != StateRequest {
		t.Fatalf("Groups = %+v, %v", groups, err)
	}
	// Renaming and accepting work as for a person, and survive a reopen.
	if err := s.UpdateContact(bg, Contact{ID: req, Name: "neighbours"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetContactState(bg, req, StateContact); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	if c, err := s.Contact(bg, req); err != nil || c.Name != "neighbours" || c.State != StateContact || c.GroupID != testGroupID(2) {
		t.Fatalf("renamed group = %+v, %v", c, err)
	}
}

// TestGroupRefusesPersonOnly: what only a person has is refused for a
// group row, and the group methods refuse a person.
func TestGroupRefusesPersonOnly(t *testing.T) {
	f := newGroupFixture(t)
	s, g, bob := f.s, f.group, f.members[0]
	req, err := s.AddContact(bg, Contact{Identity: testKey(t, 9), Name: "new", State: StateRequest})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"ChangeIdentity", s.ChangeIdentity(bg, g, testKey(t, 8)), ErrIsGroup},
		{"SetVerified", s.SetVerified(bg, g, true), ErrIsGroup},
		{"AcceptIdentity", s.AcceptIdentity(bg, g), ErrIsGroup},
		{"Block", s.Block(bg, g), ErrIsGroup},
		{"SetContactState blocked", s.SetContactState(bg, g, StateBlocked), ErrIsGroup},
		{"PutSession", s.PutSession(bg, g, []byte("state")), ErrIsGroup},
		{"CommitControl", func() error { _, err := s.CommitControl(bg, g, []byte("state"), nil, nil); return err }(), ErrIsGroup},
		{"SetContactToken", s.SetContactToken(bg, DepositToken{Contact: g, Kind: 2}), ErrIsGroup},
		{"IssueToken", s.IssueToken(bg, DepositToken{Contact: g, Kind: 2}), ErrIsGroup},
		{"merge a group", s.MergeRequestInto(bg, g, bob, testKey(t, 9)), ErrIsGroup},
		{"merge into a group", s.MergeRequestInto(bg, req, g, testKey(t, 9)), ErrIsGroup},
		{"SaveGroupState of a person", s.SaveGroupState(bg, bob, 1, []byte("x")), ErrNotGroup},
		{"SaveSenderKey of a person", s.SaveSenderKey(bg, bob, 0, []byte("x")), ErrNotGroup},
		{"SaveSenderKey, a group as member", s.SaveSenderKey(bg, g, g, []byte("x")), ErrInvalidArgument},
		{"SaveSenderKey, unknown member", s.SaveSenderKey(bg, g, 999, []byte("x")), ErrNotFound},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if _, err := s.Session(bg, g); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a group got a session: %v", err)
	}
	other, err := s.AddGroup(bg, testGroupID(5), "other", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSenderKey(bg, g, other, []byte("x")); !errors.Is(err, ErrNotGroup) {
		t.Fatalf("a group as member of a group: %v", err)
	}
	if _, _, err := s.GroupState(bg, bob); !errors.Is(err, ErrNotGroup) {
		t.Fatalf("GroupState of a person: %v", err)
	}
	if _, err := s.GroupStatesAfter(bg, bob, 0); !errors.Is(err, ErrNotGroup) {
		t.Fatalf("GroupStatesAfter of a person: %v", err)
	}
	if _, err := s.CommitGroupSent(bg, GroupSent{Message: testMessage(bob, 1)}); !errors.Is(err, ErrNotGroup) {
		t.Fatalf("CommitGroupSent to a person: %v", err)
	}
	if _, _, err := s.CommitGroupReceived(bg, testMessage(bob, 1), f.members[1], nil); !errors.Is(err, ErrNotGroup) {
		t.Fatalf("CommitGroupReceived in a person's chat: %v", err)
	}
	// The group is unchanged by all of it.
	if c, err := s.Contact(bg, g); err != nil || c.State != StateContact || c.Verified || c.Held {
		t.Fatalf("group after refusals: %+v, %v", c, err)
	}
}

func TestGroupState(t *testing.T) {
	f := newGroupFixture(t)
	s, g := f.s, f.group
	empty, err := s.AddGroup(bg, testGroupID(2), "new", StateRequest)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GroupState(bg, empty); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GroupState of a group without one: %v", err)
	}
	if got, err := s.GroupStatesAfter(bg, empty, 0); err != nil || len(got) != 0 {
		t.Fatalf("GroupStatesAfter of a group without one: %q, %v", got, err)
	}
	steps := []struct {
		version uint64
		state   string
		want    error
	}{
		{2, "state v2", nil},
		{2, "again v2", ErrInvalidArgument},   // not newer
		{1, "back to v1", ErrInvalidArgument}, // older
		{5, "state v5", nil},                  // a gap is the caller's to fetch
		{0, "zero", ErrInvalidArgument},
		{6, "", ErrInvalidArgument},
		{6, string(make([]byte, MaxGroupStateSize+1)), ErrInvalidArgument},
		{6, string(make([]byte, MaxGroupStateSize)), nil},
	}
	for i, st := range steps {
		if err := s.SaveGroupState(bg, g, st.version, []byte(st.state)); !errors.Is(err, st.want) {
			t.Fatalf("step %d: SaveGroupState(%d) = %v, want %v", i, st.version, err, st.want)
		}
	}
	if v, st, err := s.GroupState(bg, g); err != nil || v != 6 || len(st) != MaxGroupStateSize {
		t.Fatalf("GroupState = %d, %d bytes, %v", v, len(st), err)
	}
	for _, tc := range []struct {
		after uint64
		want  []string
	}{
		{0, []string{"state v1", "state v2", "state v5", string(make([]byte, MaxGroupStateSize))}},
		{1, []string{"state v2", "state v5", string(make([]byte, MaxGroupStateSize))}},
		{3, []string{"state v5", string(make([]byte, MaxGroupStateSize))}},
		{6, nil},
	} {
		got, err := s.GroupStatesAfter(bg, g, tc.after)
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("GroupStatesAfter(%d) = %d states, %v; want %d", tc.after, len(got), err, len(tc.want))
		}
		for i := range got {
			if string(got[i]) != tc.want[i] {
				t.Fatalf("GroupStatesAfter(%d)[%d] = %.20q, want %.20q", tc.after, i, got[i], tc.want[i])
			}
		}
	}
}

// TestGroupHistoryBound: only the newest MaxGroupHistory versions are
// kept, per group.
func TestGroupHistoryBound(t *testing.T) {
	f := newGroupFixture(t)
	s, g := f.s, f.group
	other, err := s.AddGroup(bg, testGroupID(2), "other", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveGroupState(bg, other, 1, []byte("other v1")); err != nil {
		t.Fatal(err)
	}
	last := uint64(MaxGroupHistory + 10)
	for v := uint64(2); v <= last; v++ {
		if err := s.SaveGroupState(bg, g, v, []byte(fmt.Sprintf("v%d", v))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GroupStatesAfter(bg, g, 0)
	if err != nil || len(got) != MaxGroupHistory {
		t.Fatalf("kept %d versions, %v; want %d", len(got), err, MaxGroupHistory)
	}
	if first := fmt.Sprintf("v%d", last-MaxGroupHistory+1); string(got[0]) != first || string(got[len(got)-1]) != fmt.Sprintf("v%d", last) {
		t.Fatalf("kept %s..%s, want %s..v%d", got[0], got[len(got)-1], first, last)
	}
	if o, err := s.GroupStatesAfter(bg, other, 0); err != nil || len(o) != 1 || string(o[0]) != "other v1" {
		t.Fatalf("the other group's history: %q, %v", o, err)
	}
}

func TestSenderKeys(t *testing.T) {
	f := newGroupFixture(t)
	s, g, bob, carol := f.s, f.group, f.members[0], f.members[1]
	other, err := s.AddGroup(bg, testGroupID(2), "other", StateContact)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		conv, member ContactID
		record       string
	}{
		{g, 0, "ours 1"},
		{g, bob, "bob's 1"},
		{g, carol, "carol's 1"},
		{g, 0, "ours 2"},            // replaced
		{g, bob, "bob's 2"},         // replaced
		{other, bob, "bob's other"}, // another group, same member
	}
	for _, st := range steps {
		if err := s.SaveSenderKey(bg, st.conv, st.member, []byte(st.record)); err != nil {
			t.Fatal(err)
		}
	}
	s = reopen(t, s)
	for _, tc := range []struct {
		conv, member ContactID
		want         string
	}{
		{g, 0, "ours 2"}, {g, bob, "bob's 2"}, {g, carol, "carol's 1"}, {other, bob, "bob's other"},
	} {
		if got, err := s.SenderKey(bg, tc.conv, tc.member); err != nil || string(got) != tc.want {
			t.Fatalf("SenderKey(%d, %d) = %q, %v; want %q", tc.conv, tc.member, got, err, tc.want)
		}
	}
	if _, err := s.SenderKey(bg, other, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a key never saved: %v", err)
	}
	// A record moved to another member's row fails to open.
	if _, err := s.db.Exec(`UPDATE sender_keys SET record = (SELECT record FROM sender_keys WHERE conversation = ? AND member = ?)
		WHERE conversation = ? AND member = ?`, g, bob, g, carol); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SenderKey(bg, g, carol); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("moved record: %v, want ErrDecrypt", err)
	}
	if err := s.DeleteSenderKeys(bg, g); err != nil {
		t.Fatal(err)
	}
	for _, m := range []ContactID{0, bob, carol} {
		if _, err := s.SenderKey(bg, g, m); !errors.Is(err, ErrNotFound) {
			t.Fatalf("SenderKey(%d) after DeleteSenderKeys: %v", m, err)
		}
	}
	if got, err := s.SenderKey(bg, other, bob); err != nil || string(got) != "bob's other" {
		t.Fatalf("the other group's key: %q, %v", got, err)
	}
}

func TestCommitGroupSent(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	seq := f.send(t, 1)
	m, err := s.MessageBySeq(bg, seq)
	if err != nil || m.Conversation != f.group || m.Status != StatusQueued || m.Sender != 0 {
		t.Fatalf("row = %+v, %v", m, err)
	}
	if k, err := s.SenderKey(bg, f.group, 0); err != nil || string(k) != "our key after 1" {
		t.Fatalf("our sender key = %q, %v", k, err)
	}
	items, err := s.Pending(bg)
	if err != nil || len(items) != len(f.members) {
		t.Fatalf("outbox = %d items, %v", len(items), err)
	}
	for i, it := range items {
		want := fmt.Sprintf("envelope 1 for %d", f.members[i])
		if it.Contact != f.members[i] || it.Message != seq || string(it.Payload) != want {
			t.Fatalf("item %d = %+v", i, it)
		}
	}
	statuses, err := s.MemberStatuses(bg, f.group, m.ID)
	if err != nil || len(statuses) != len(f.members) {
		t.Fatalf("MemberStatuses = %+v, %v", statuses, err)
	}
	for i, ms := range statuses {
		if ms.Member != f.members[i] || ms.Status != StatusQueued {
			t.Fatalf("member status %d = %+v", i, ms)
		}
	}
	// Refused, and nothing of them kept.
	bad := []struct {
		name string
		g    GroupSent
		want error
	}{
		{"same id again", GroupSent{Message: f.groupMessage(1, Outgoing)}, ErrInvalidArgument},
		{"member twice", GroupSent{Message: f.groupMessage(2, Outgoing), Deliveries: []GroupDelivery{
			{Member: f.members[0]}, {Member: f.members[0]}}}, ErrInvalidArgument},
		{"the group as member", GroupSent{Message: f.groupMessage(3, Outgoing), Deliveries: []GroupDelivery{
			{Member: f.group}}}, ErrInvalidArgument},
		{"member 0", GroupSent{Message: f.groupMessage(4, Outgoing), Deliveries: []GroupDelivery{
			{Member: 0}}}, ErrInvalidArgument},
		{"unknown member", GroupSent{Message: f.groupMessage(5, Outgoing), SenderKey: []byte("lost"),
			Deliveries: []GroupDelivery{{Member: f.members[0]}, {Member: 999}}}, ErrNotFound},
	}
	for _, tc := range bad {
		if _, err := s.CommitGroupSent(bg, tc.g); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := count(t, s, "messages", "conversation = ?", f.group); n != 1 {
		t.Fatalf("%d rows after refused commits, want 1", n)
	}
	if items, _ := s.Pending(bg); len(items) != len(f.members) {
		t.Fatalf("%d outbox items after refused commits", len(items))
	}
	if k, _ := s.SenderKey(bg, f.group, 0); string(k) != "our key after 1" {
		t.Fatalf("a refused commit stored our key: %q", k)
	}
}

func TestCommitGroupReceived(t *testing.T) {
	f := newGroupFixture(t)
	s, g, bob, carol := f.s, f.group, f.members[0], f.members[1]
	m := f.groupMessage(1, Incoming)
	seq, dup, err := s.CommitGroupReceived(bg, m, bob, []byte("bob's key 1"))
	if err != nil || dup {
		t.Fatalf("CommitGroupReceived = %d, %v, %v", seq, dup, err)
	}
	got, err := s.Message(bg, g, m.ID)
	if err != nil || got.Sender != bob || got.Seq != seq {
		t.Fatalf("stored = %+v, %v", got, err)
	}
	sameMessage(t, got, m)
	// A redelivery is not stored again; the key is.
	seq2, dup, err := s.CommitGroupReceived(bg, m, bob, []byte("bob's key 2"))
	if err != nil || !dup || seq2 != seq {
		t.Fatalf("redelivery = %d, %v, %v", seq2, dup, err)
	}
	if k, err := s.SenderKey(bg, g, bob); err != nil || string(k) != "bob's key 2" {
		t.Fatalf("bob's key = %q, %v", k, err)
	}
	// No key: the stored one stays.
	if _, _, err := s.CommitGroupReceived(bg, f.groupMessage(2, Incoming), bob, nil); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.SenderKey(bg, g, bob); string(k) != "bob's key 2" {
		t.Fatalf("bob's key after a commit without one = %q", k)
	}
	claimed := f.groupMessage(3, Incoming)
	claimed.Sender = carol
	for _, tc := range []struct {
		name   string
		m      Message
		member ContactID
		want   error
	}{
		{"sender is not the member", claimed, bob, ErrInvalidArgument},
		{"member 0", f.groupMessage(4, Incoming), 0, ErrInvalidArgument},
		{"the group as member", f.groupMessage(5, Incoming), g, ErrInvalidArgument},
		{"unknown member", f.groupMessage(6, Incoming), 999, ErrNotFound},
	} {
		if _, _, err := s.CommitGroupReceived(bg, tc.m, tc.member, []byte("k")); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := count(t, s, "messages", "conversation = ?", g); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

// TestMemberStatusSummary: three members' receipts arrive out of order
// (read before delivered, twice, late); each member's status only moves
// forward, and the row shows the least advanced member's.
func TestMemberStatusSummary(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	now := time.Unix(1_800_000_000, 0)
	s2 := reopen(t, s, clockAt(&now))
	f.s = s2
	seq := f.send(t, 1)
	id := msgID(1)
	a, b, c := f.members[0], f.members[1], f.members[2]
	steps := []struct {
		member     ContactID
		st         Status
		wantSum    Status
		wantChange bool
		wantErr    error
	}{
		{a, StatusRead, StatusQueued, false, nil},      // read before any delivery: b, c still queued
		{b, StatusSent, StatusQueued, false, nil},      // c is still queued
		{c, StatusDelivered, StatusSent, true, nil},    // least advanced: b, sent
		{a, StatusDelivered, StatusSent, false, nil},   // late: a stays read
		{b, StatusRead, StatusDelivered, true, nil},    // c is the least: delivered
		{b, StatusRead, StatusDelivered, false, nil},   // twice
		{c, StatusSent, StatusDelivered, false, nil},   // backwards: refused quietly
		{c, StatusFailed, StatusDelivered, false, nil}, // delivered cannot fail
		{c, StatusRead, StatusRead, true, nil},         // everyone read
		{999, StatusRead, 0, false, ErrNotFound},       // not sent to 999
		{a, Status(9), 0, false, ErrInvalidArgument},
	}
	for i, st := range steps {
		now = now.Add(time.Second)
		sum, changed, err := s2.SetMemberStatus(bg, f.group, id, st.member, st.st)
		if !errors.Is(err, st.wantErr) || err == nil && (sum != st.wantSum || changed != st.wantChange) {
			t.Fatalf("step %d: SetMemberStatus(%d, %v) = %v, %v, %v; want %v, %v, %v", i, st.member, st.st,
				sum, changed, err, st.wantSum, st.wantChange, st.wantErr)
		}
		if err == nil {
			if m, err := s2.MessageBySeq(bg, seq); err != nil || m.Status != sum {
				t.Fatalf("step %d: row status %v, %v; want %v", i, m.Status, err, sum)
			}
		}
	}
	got, err := s2.MemberStatuses(bg, f.group, id)
	if err != nil || len(got) != 3 {
		t.Fatalf("MemberStatuses = %+v, %v", got, err)
	}
	start := time.Unix(1_800_000_000, 0)
	at := func(n int) time.Time { return start.Add(time.Duration(n) * time.Second) }
	want := []MemberStatus{
		{a, StatusRead, StatusTimes{Sent: at(1), Delivered: at(1), Read: at(1)}},
		{b, StatusRead, StatusTimes{Sent: at(2), Delivered: at(5), Read: at(5)}},
		{c, StatusRead, StatusTimes{Sent: at(3), Delivered: at(3), Read: at(9)}},
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Member != w.Member || g.Status != w.Status || !g.Times.Sent.Equal(w.Times.Sent) ||
			!g.Times.Delivered.Equal(w.Times.Delivered) || !g.Times.Read.Equal(w.Times.Read) {
			t.Errorf("member %d: %+v, want %+v", i, g, w)
		}
	}
	if _, err := s2.MemberStatuses(bg, f.group, msgID(99)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("MemberStatuses of an unknown message: %v", err)
	}
}

// TestMemberStatusFailed: a member whose delivery failed holds the
// summary at failed until a retry moves it.
func TestMemberStatusFailed(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	f.send(t, 1)
	id := msgID(1)
	a, b, c := f.members[0], f.members[1], f.members[2]
	steps := []struct {
		member  ContactID
		st      Status
		wantSum Status
	}{
		{a, StatusDelivered, StatusQueued},
		{b, StatusFailed, StatusFailed},
		{c, StatusRead, StatusFailed},
		{b, StatusQueued, StatusQueued}, // retried
		{b, StatusSent, StatusSent},
	}
	for i, st := range steps {
		sum, _, err := s.SetMemberStatus(bg, f.group, id, st.member, st.st)
		if err != nil || sum != st.wantSum {
			t.Fatalf("step %d: summary %v, %v; want %v", i, sum, err, st.wantSum)
		}
	}
}

// TestDequeueDeliveredGroup: a member's home storing its envelope moves
// that member's status; the row's follows the least advanced member.
func TestDequeueDeliveredGroup(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	seq := f.send(t, 1)
	items, err := s.Pending(bg)
	if err != nil || len(items) != 3 {
		t.Fatalf("Pending = %d, %v", len(items), err)
	}
	for i, it := range items {
		last := i == len(items)-1
		msg, changed, err := s.DequeueDelivered(bg, it, StatusSent)
		if err != nil || msg.Seq != seq || changed != last {
			t.Fatalf("item %d: DequeueDelivered = %d, %v, %v; want changed %v", i, msg.Seq, changed, err, last)
		}
		want := StatusQueued
		if last {
			want = StatusSent
		}
		if msg.Status != want {
			t.Fatalf("item %d: summary %v, want %v", i, msg.Status, want)
		}
		ms, _ := s.MemberStatuses(bg, f.group, msgID(1))
		if ms[i].Status != StatusSent {
			t.Fatalf("item %d: member status %v", i, ms[i].Status)
		}
	}
	// A redelivery, even with the contact left out of the item, changes
	// nothing; an item whose caller left out the contact still counts
	// for its member.
	if _, changed, err := s.DequeueDelivered(bg, items[0], StatusSent); err != nil || changed {
		t.Fatalf("redelivery: %v, %v", changed, err)
	}
	seq2 := f.send(t, 2)
	items, _ = s.Pending(bg)
	if _, _, err := s.DequeueDelivered(bg, OutboxItem{ID: items[1].ID, Message: seq2}, StatusSent); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.MemberStatuses(bg, f.group, msgID(2)); ms[1].Status != StatusSent || ms[0].Status != StatusQueued {
		t.Fatalf("member statuses after an item without its contact: %+v", ms)
	}
}

// TestGroupCascades: deleting a group row, a message or a member takes
// what hangs off it.
func TestGroupCascades(t *testing.T) {
	tables := []struct{ table, where string }{
		{"groups", "conversation = ?1"},
		{"group_history", "conversation = ?1"},
		{"sender_keys", "conversation = ?1"},
		{"member_receipts", "message IN (SELECT id FROM messages WHERE conversation = ?1)"},
		{"member_tallies", "message IN (SELECT id FROM messages WHERE conversation = ?1)"},
		{"outbox", "message IN (SELECT id FROM messages WHERE conversation = ?1)"},
		{"messages", "conversation = ?1"},
	}
	setup := func(t *testing.T) groupFixture {
		f := newGroupFixture(t)
		f.send(t, 1)
		f.send(t, 2)
		if _, _, err := f.s.CommitGroupReceived(bg, f.groupMessage(3, Incoming), f.members[0], []byte("k")); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			if count(t, f.s, tb.table, tb.where, f.group) == 0 {
				t.Fatalf("setup: nothing in %s", tb.table)
			}
		}
		return f
	}
	t.Run("group", func(t *testing.T) {
		f := setup(t)
		if err := f.s.DeleteContact(bg, f.group); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			if n := count(t, f.s, tb.table, tb.where, f.group); n != 0 {
				t.Errorf("%d rows left in %s", n, tb.table)
			}
		}
		if n := count(t, f.s, "member_receipts", "1"); n != 0 {
			t.Errorf("%d member statuses left", n)
		}
	})
	t.Run("message", func(t *testing.T) {
		f := setup(t)
		m, _ := f.s.Message(bg, f.group, msgID(1))
		if err := f.s.DeleteMessage(bg, m.Seq); err != nil {
			t.Fatal(err)
		}
		if n := count(t, f.s, "member_receipts", "message = ?", m.Seq); n != 0 {
			t.Errorf("%d statuses of the deleted message left", n)
		}
		if n := count(t, f.s, "member_receipts", "1"); n != 3 {
			t.Errorf("%d statuses of the other message, want 3", n)
		}
	})
	t.Run("member", func(t *testing.T) {
		f := setup(t)
		bob := f.members[0]
		if err := f.s.DeleteContact(bg, bob); err != nil {
			t.Fatal(err)
		}
		for _, tb := range []string{"member_receipts", "sender_keys", "outbox"} {
			col := "member"
			if tb == "outbox" {
				col = "contact"
			}
			if n := count(t, f.s, tb, col+" = ?", bob); n != 0 {
				t.Errorf("%d rows of the deleted member left in %s", n, tb)
			}
		}
		if _, err := f.s.SenderKey(bg, f.group, 0); err != nil {
			t.Errorf("our own key went with a member: %v", err)
		}
	})
}

// TestForgetGroup: leaving a group keeps its history and drops its state,
// sender keys, member statuses and queued deliveries.
func TestForgetGroup(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	f.send(t, 1)
	if _, _, err := s.CommitGroupReceived(bg, f.groupMessage(2, Incoming), f.members[0], []byte("k")); err != nil {
		t.Fatal(err)
	}
	reply, err := s.Enqueue(bg, OutboxItem{Contact: f.members[0], Payload: []byte("pairwise, not the group's")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(bg, f.group); err != nil {
		t.Fatal(err)
	}
	c, err := s.Contact(bg, f.group)
	if err != nil || c.State != StateRemoved || !c.IsGroup() {
		t.Fatalf("forgotten group = %+v, %v", c, err)
	}
	if _, _, err := s.GroupState(bg, f.group); !errors.Is(err, ErrNotFound) {
		t.Fatalf("state kept: %v", err)
	}
	if st, err := s.GroupStatesAfter(bg, f.group, 0); err != nil || len(st) != 0 {
		t.Fatalf("history kept: %d, %v", len(st), err)
	}
	for _, m := range []ContactID{0, f.members[0]} {
		if _, err := s.SenderKey(bg, f.group, m); !errors.Is(err, ErrNotFound) {
			t.Fatalf("sender key %d kept: %v", m, err)
		}
	}
	if ms, err := s.MemberStatuses(bg, f.group, msgID(1)); err != nil || len(ms) != 0 {
		t.Fatalf("member statuses kept: %+v, %v", ms, err)
	}
	if n := count(t, s, "member_tallies", "1"); n != 0 {
		t.Fatalf("%d member counts kept", n)
	}
	items, _ := s.Pending(bg)
	if len(items) != 1 || items[0].ID != reply {
		t.Fatalf("outbox after leaving = %+v, want only the pairwise item", items)
	}
	if ms, _, err := s.Messages(bg, f.group, 0, 10); err != nil || len(ms) != 2 {
		t.Fatalf("history: %d rows, %v", len(ms), err)
	}
	// Still a group: a session is still refused.
	if err := s.PutSession(bg, f.group, []byte("x")); !errors.Is(err, ErrIsGroup) {
		t.Fatalf("PutSession on a forgotten group: %v", err)
	}
}

// TestGroupRowsEverywhere: history, read markers, mutes and timers work
// with a group's id as with a person's.
func TestGroupRowsEverywhere(t *testing.T) {
	f := newGroupFixture(t)
	s := f.s
	seq, _, err := s.CommitGroupReceived(bg, f.groupMessage(1, Incoming), f.members[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Unread(bg, f.group); err != nil || n != 1 {
		t.Fatalf("Unread = %d, %v", n, err)
	}
	if _, err := s.AdvanceReadMarker(bg, f.group, seq); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMute(bg, f.group, time.Unix(2_000_000_000, 0)); err != nil {
		t.Fatal(err)
	}
	mutes, err := s.Mutes(bg)
	if err != nil || mutes[f.group].IsZero() {
		t.Fatalf("Mutes = %v, %v", mutes, err)
	}
	line := Message{Conversation: f.group, ID: msgID(2), Direction: Local, Kind: KindMembership,
		Body: []byte("Bob added Carol"), Status: StatusSent, Sent: time.Unix(1_700_000_000, 0)}
	if _, _, err := s.InsertMessage(bg, line); err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(bg, f.group, line.ID)
	if err != nil || got.Kind != KindMembership || !bytes.Equal(got.Body, line.Body) {
		t.Fatalf("membership line = %+v, %v", got, err)
	}
}
