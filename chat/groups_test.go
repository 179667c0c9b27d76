package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ratchat/internal/testclock"
	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// groupWait bounds every wait of the group tests.
const groupWait = 20 * time.Second

// until reads p's events until cond holds, checking it first and after
// every event: the state it looks at is the store's, and each change of
// it comes with an event.
func (p *profile) until(what string, cond func() bool) {
	p.t.Helper()
	if cond() {
		return
	}
	p.waitFor(what, groupWait, func(Event) bool { return cond() })
}

// groupConv returns p's conversation of group id, waiting for it.
func (p *profile) groupConv(id store.GroupID) store.Contact {
	p.t.Helper()
	var c store.Contact
	p.until("group", func() bool {
		var err error
		c, err = p.st.GroupByID(context.Background(), id)
		return err == nil
	})
	return c
}

// groupAt waits until p has version v of group id, and returns it.
func (p *profile) groupAt(id store.GroupID, v uint64) GroupInfo {
	p.t.Helper()
	conv := p.groupConv(id)
	var info GroupInfo
	p.until(fmt.Sprintf("group version %d", v), func() bool {
		var err error
		info, err = p.m.Group(context.Background(), conv.ID)
		return err == nil && info.Version >= v
	})
	if info.Version != v {
		p.t.Fatalf("%s: group at version %d, want %d", p.name, info.Version, v)
	}
	return info
}

// rows returns p's rows of conversation conv, oldest first.
func (p *profile) rows(conv store.ContactID) []store.Message {
	p.t.Helper()
	rows, _, err := p.st.Messages(context.Background(), conv, 0, 1000)
	if err != nil {
		p.t.Fatal(err)
	}
	return rows
}

// waitRows waits until p's conversation conv holds n rows that keep says.
func (p *profile) waitRows(conv store.ContactID, n int, keep func(store.Message) bool) []store.Message {
	p.t.Helper()
	var got []store.Message
	p.until(fmt.Sprintf("%d rows (have %v)", n, describeRows(p.rows(conv))), func() bool {
		got = got[:0]
		for _, r := range p.rows(conv) {
			if keep(r) {
				got = append(got, r)
			}
		}
		return len(got) >= n
	})
	if len(got) != n {
		p.t.Fatalf("%s: %d rows, want %d", p.name, len(got), n)
	}
	return got
}

// texts keeps the incoming text rows.
func texts(r store.Message) bool { return r.Kind == store.KindText && r.Direction == store.Incoming }

// lines keeps the membership lines.
func lines(r store.Message) bool { return r.Kind == store.KindMembership }

// groupOfThree starts alice, bob and carol on one relay; alice knows
// both, bob and carol do not know each other.
func groupOfThree(t *testing.T) (alice, bob, carol *profile, ab, ac store.Contact) {
	relay := startRelay(t, t.TempDir(), "")
	alice, bob, carol = newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	ab, _ = connect(t, alice, bob)
	ac, _ = connect(t, alice, carol)
	return alice, bob, carol, ab, ac
}

// climbing is alice's new group "climbing" of the contacts ab and ac (as
// [groupOfThree] connects them), as alice has it.
func climbing(t *testing.T, alice *profile, ab, ac store.Contact) GroupInfo {
	t.Helper()
	info, err := alice.m.CreateGroup(context.Background(), "climbing", []store.ContactID{ab.ID, ac.ID})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// groupConvs maps alice and each of members to its conversation of
// alice's new group info, once the member has it.
func groupConvs(info GroupInfo, alice *profile, members ...*profile) map[*profile]store.ContactID {
	convs := map[*profile]store.ContactID{alice: info.Conversation}
	for _, p := range members {
		convs[p] = p.groupAt(info.ID, 1).Conversation
	}
	return convs
}

// TestGroupConversation: three, then five profiles on one relay, who
// know each other only through alice and the group, exchange messages:
// everyone receives everything once, in order per sender, and the
// sender's ticks follow the members' receipts.
func TestGroupConversation(t *testing.T) {
	for _, size := range []int{3, 5} {
		t.Run(fmt.Sprint(size), func(t *testing.T) { groupConversation(t, size) })
	}
}

func groupConversation(t *testing.T, size int) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	names := []string{"alice", "bob", "carol", "dave", "erin"}[:size]
	everyone := make([]*profile, size)
	var ids []store.ContactID
	var ab store.Contact
	for i, name := range names {
		everyone[i] = newProfile(t, name, relay.addr)
		if i > 0 {
			c, _ := connect(t, everyone[0], everyone[i])
			ids = append(ids, c.ID)
			if i == 1 {
				ab = c
			}
		}
	}
	alice, bob, carol := everyone[0], everyone[1], everyone[2]
	info, err := alice.m.CreateGroup(ctx, "climbing", ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Members) != size || !info.Admin || !info.Member || info.Version != 1 {
		t.Fatalf("created %+v", info)
	}
	convs := map[*profile]store.ContactID{alice: info.Conversation}
	for _, p := range everyone[1:] {
		got := p.groupAt(info.ID, 1)
		if got.Name != "climbing" || len(got.Members) != size || got.Admin || !got.Member {
			t.Fatalf("%s sees %+v", p.name, got)
		}
		convs[p] = got.Conversation
		if c := p.groupConv(info.ID); c.State != store.StateContact {
			t.Fatalf("%s: group added by a contact is in state %d", p.name, c.State)
		}
	}
	const n = 5
	var last store.Message
	for i := range n {
		for _, p := range everyone {
			msg, err := p.m.Send(ctx, convs[p], fmt.Sprintf("%s %d", p.name, i))
			if err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			if p == alice {
				last = msg
			}
		}
	}
	for _, p := range everyone {
		got := p.waitRows(convs[p], (size-1)*n, texts)
		next := map[store.ContactID]int{}
		for _, r := range got {
			sender, err := p.st.Contact(ctx, r.Sender)
			if err != nil {
				t.Fatalf("%s: row without its sender: %v", p.name, err)
			}
			want := fmt.Sprintf("%s %d", sender.Name, next[r.Sender])
			if sender.Name == "" || string(r.Body) != want {
				t.Fatalf("%s: got %q from %q, want %q (once each, in order per sender)", p.name, r.Body, sender.Name, want)
			}
			next[r.Sender]++
		}
	}
	// Carol and Bob met through the group: a request each, still members.
	if c, err := carol.st.ContactByIdentity(ctx, bob.m.Identity()); err != nil || c.State != store.StateRequest {
		t.Fatalf("carol's bob: %+v, %v", c, err)
	}
	alice.until("delivered by both", func() bool {
		msg, err := alice.st.Message(ctx, convs[alice], last.ID)
		return err == nil && msg.Status >= store.StatusDelivered
	})
	statuses, err := alice.m.MemberStatuses(ctx, convs[alice], last.ID)
	if err != nil || len(statuses) != size-1 {
		t.Fatalf("member statuses %+v, %v", statuses, err)
	}
	for _, s := range statuses {
		if s.Status < store.StatusDelivered {
			t.Fatalf("member %d at %v", s.Member, s.Status)
		}
	}
	// A read receipt from one member is not yet read for the group.
	got := bob.rows(convs[bob])
	if err := bob.m.MarkRead(ctx, convs[bob], got[len(got)-1].Seq); err != nil {
		t.Fatal(err)
	}
	alice.until("bob read it", func() bool {
		ss, err := alice.m.MemberStatuses(ctx, convs[alice], last.ID)
		for _, s := range ss {
			if s.Member == ab.ID && s.Status == store.StatusRead {
				return err == nil
			}
		}
		return false
	})
	if msg, _ := alice.st.Message(ctx, convs[alice], last.ID); msg.Status != store.StatusDelivered {
		t.Fatalf("summary %v with one member's read receipt, want delivered", msg.Status)
	}
}

// TestGroupMembership: add, rename, promote, remove and leave, each a
// version every member applies, with its line in the history; a removed
// member cannot read what is sent after its removal.
func TestGroupMembership(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	g := info.Conversation
	bobG := bob.groupAt(info.ID, 1).Conversation
	steps := []struct {
		name   string
		change func() (GroupInfo, error)
		bob    string // the line bob reads
	}{
		// Bob does not know carol yet: the line names her by her key.
		{"add", func() (GroupInfo, error) { return alice.m.AddGroupMembers(ctx, g, []store.ContactID{ac.ID}) }, "alice added key "},
		{"rename", func() (GroupInfo, error) { return alice.m.RenameGroup(ctx, g, "bouldering") }, `alice renamed the group to "bouldering"`},
		{"promote", func() (GroupInfo, error) { return alice.m.PromoteGroupMember(ctx, g, ab.ID) }, "alice made you an admin"},
	}
	for i, step := range steps {
		got, err := step.change()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		v := uint64(i + 2)
		if got.Version != v {
			t.Fatalf("%s: version %d", step.name, got.Version)
		}
		bob.groupAt(info.ID, v)
		ls := bob.waitRows(bobG, i+2, lines)
		if body := string(ls[len(ls)-1].Body); !strings.HasPrefix(body, step.bob) {
			t.Fatalf("%s: bob reads %q, want %q", step.name, body, step.bob)
		}
	}
	// A disappearing-message timer set in the group is every member's.
	if err := alice.m.SetTimer(ctx, g, time.Hour); err != nil {
		t.Fatal(err)
	}
	bob.until("the group's timer", func() bool {
		d, err := bob.m.Timer(ctx, bobG)
		return err == nil && d == time.Hour
	})
	carolInfo := carol.groupAt(info.ID, 4)
	if carolInfo.Name != "bouldering" || len(carolInfo.Members) != 3 {
		t.Fatalf("carol sees %+v", carolInfo)
	}
	carolG := carolInfo.Conversation
	bobByCarol, err := carol.st.ContactByIdentity(ctx, bob.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	// Bob writes while carol is in: she reads it, and keeps his key.
	if _, err := bob.m.Send(ctx, bobG, "before"); err != nil {
		t.Fatal(err)
	}
	carol.waitRows(carolG, 1, texts)
	kept, err := carol.st.SenderKey(ctx, carolG, bobByCarol.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Bob, an admin now, removes carol.
	carolByBob, err := bob.st.ContactByIdentity(ctx, carol.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.RemoveGroupMember(ctx, bobG, carolByBob.ID); err != nil {
		t.Fatal(err)
	}
	left := carol.groupAt(info.ID, 5)
	if left.Member || left.Admin {
		t.Fatalf("carol still in: %+v", left)
	}
	if ls := carol.waitRows(carolG, 4, lines); string(ls[3].Body) != "bob removed you" {
		t.Fatalf("carol reads %q", ls[3].Body)
	}
	if _, err := carol.m.Send(ctx, carolG, "still here?"); !errors.Is(err, ErrNotMember) {
		t.Fatalf("a removed member sends: %v", err)
	}
	alice.groupAt(info.ID, 5)
	// Bob's next message, sealed for alice as his messenger seals it:
	// alice reads it; carol's copy of bob's key, kept from before her
	// removal, does not.
	content := &Content{Kind: KindText, Text: "after"}
	if err := bob.m.stamp(content); err != nil {
		t.Fatal(err)
	}
	envelope := bob.sealForGroup(bobG, content, alice, nil)
	opened, err := openEnvelope(alice, envelope)
	if err != nil {
		t.Fatal(err)
	}
	var rec session.SenderKeyRecord
	if err := rec.UnmarshalBinary(kept); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Decrypt(opened[len(store.GroupID{}):]); !errors.Is(err, session.ErrNoSenderKey) {
		t.Fatalf("the removed member's key decrypts a later message: %v", err)
	}
	if _, err := bob.m.Send(ctx, bobG, "after"); err != nil {
		t.Fatal(err)
	}
	alice.waitRows(info.Conversation, 2, texts)
	// Leaving: bob leaves, alice reads the line, and the group is hers.
	if err := bob.m.LeaveGroup(ctx, bobG); err != nil {
		t.Fatal(err)
	}
	final := alice.groupAt(info.ID, 6)
	if len(final.Members) != 1 || !final.Admin {
		t.Fatalf("after bob left: %+v", final)
	}
	if ls := alice.waitRows(info.Conversation, 6, lines); string(ls[5].Body) != "bob left" {
		t.Fatalf("alice reads %q", ls[5].Body)
	}
	// Alice adds carol back: carol, at version 5, fetches 6 and 7 from
	// her, and is a member again.
	if _, err := alice.m.AddGroupMembers(ctx, info.Conversation, []store.ContactID{ac.ID}); err != nil {
		t.Fatal(err)
	}
	back := carol.groupAt(info.ID, 7)
	if !back.Member || len(back.Members) != 2 {
		t.Fatalf("carol added back: %+v", back)
	}
	if _, err := carol.m.Send(ctx, carolG, "back"); err != nil {
		t.Fatal(err)
	}
	if got := alice.waitRows(info.Conversation, 3, texts); string(got[2].Body) != "back" {
		t.Fatalf("alice got %q", got[2].Body)
	}
}

// sealForGroup encrypts content for group conv and returns the envelope
// sealed for member to, as sending would. It stores nothing unless
// commit, called under the messenger's lock as sending calls its commit,
// does.
func (p *profile) sealForGroup(conv store.ContactID, content *Content, to *profile, commit func(*groupSealed)) []byte {
	p.t.Helper()
	ctx := context.Background()
	g, err := p.m.loadGroup(ctx, conv)
	if err != nil {
		p.t.Fatal(err)
	}
	members, err := p.m.groupRecipients(ctx, g)
	if err != nil {
		p.t.Fatal(err)
	}
	p.m.lockSessions()
	defer p.m.mu.Unlock()
	sealed, err := p.m.sealGroup(ctx, g, members, content)
	if err != nil {
		p.t.Fatal(err)
	}
	if commit != nil {
		commit(sealed)
	}
	for i, c := range members {
		if c.Identity == to.m.Identity() {
			return sealed.deliveries[i].Payload
		}
	}
	p.t.Fatalf("%s is not a recipient", to.name)
	return nil
}

// openEnvelope opens an envelope with p's identity and returns its
// message.
func openEnvelope(p *profile, envelope []byte) ([]byte, error) {
	opened, err := transport.OpenEnvelope(&p.m.identity, envelope)
	if err != nil {
		return nil, err
	}
	if opened.Type != transport.TypeSenderKey {
		return nil, fmt.Errorf("envelope of type %d", opened.Type)
	}
	return opened.Message, nil
}

// TestGroupCatchUp: a member whose home is down during two changes
// catches up: through its relay, which kept both updates; or, its home
// being its own and the update of the first change lost on the way, by
// fetching the versions it missed from the member who sent the later one.
func TestGroupCatchUp(t *testing.T) {
	for _, tc := range []struct {
		name      string
		relay     bool
		loseFirst bool
	}{
		{"relay keeps both", true, false},
		{"first update lost", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			home := ""
			if tc.relay {
				home = startRelay(t, t.TempDir(), "").addr
			}
			alice, bob, carol, dave := newProfile(t, "alice", home), newProfile(t, "bob", home), newProfile(t, "carol", home), newProfile(t, "dave", home)
			ab, _ := connect(t, alice, bob)
			ac, _ := connect(t, alice, carol)
			ad, _ := connect(t, alice, dave)
			info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID, ac.ID})
			if err != nil {
				t.Fatal(err)
			}
			carol.groupAt(info.ID, 1)
			bob.groupAt(info.ID, 1)
			carolAddr := carol.m.Home()
			carol.stop()
			if _, err := alice.m.AddGroupMembers(ctx, info.Conversation, []store.ContactID{ad.ID}); err != nil {
				t.Fatal(err)
			}
			if _, err := alice.m.PromoteGroupMember(ctx, info.Conversation, ab.ID); err != nil {
				t.Fatal(err)
			}
			bob.groupAt(info.ID, 3)
			dave.groupAt(info.ID, 3)
			if tc.loseFirst {
				loseFirstItem(t, alice, ac.ID)
				carol.cfg.Listen = carolAddr
			}
			carol.start()
			got := carol.groupAt(info.ID, 3)
			if len(got.Members) != 4 {
				t.Fatalf("carol caught up to %+v", got)
			}
			ls := carol.waitRows(got.Conversation, 3, lines)
			if !strings.HasPrefix(string(ls[1].Body), "alice added ") || !strings.HasSuffix(string(ls[2].Body), " an admin") {
				t.Fatalf("carol's lines: %q, %q", ls[1].Body, ls[2].Body)
			}
			// Dave, new, writes to everyone, carol included.
			if _, err := dave.m.Send(ctx, dave.groupConv(info.ID).ID, "hi all"); err != nil {
				t.Fatal(err)
			}
			for _, p := range []*profile{alice, bob, carol} {
				p.waitRows(p.groupConv(info.ID).ID, 1, texts)
			}
		})
	}
}

// loseFirstItem drops p's first queued item to contact: an envelope lost
// on the way.
func loseFirstItem(t *testing.T, p *profile, contact store.ContactID) {
	t.Helper()
	items, err := p.st.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Contact == contact {
			if _, _, err := p.st.DequeueDelivered(context.Background(), it, store.StatusSent); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("nothing queued for the contact")
}

// TestGroupLostSenderKey: a member who lost a sender key asks for it;
// the message it could not read becomes a line, never a silence, then
// comes again under the new key, and the next one arrives.
func TestGroupLostSenderKey(t *testing.T) {
	ctx := context.Background()
	alice, bob, _, ab, _ := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	bobG := bob.groupAt(info.ID, 1).Conversation
	if _, err := alice.m.Send(ctx, info.Conversation, "one"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG, 1, texts)
	if err := bob.st.DeleteSenderKeys(ctx, bobG); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Send(ctx, info.Conversation, "two"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG, 1, func(r store.Message) bool { return r.Kind == store.KindDecryptFailed })
	if got := bob.waitRows(bobG, 2, texts); string(got[1].Body) != "two" {
		t.Fatalf("bob got %q again", got[1].Body)
	}
	if _, err := alice.m.Send(ctx, info.Conversation, "three"); err != nil {
		t.Fatal(err)
	}
	got := bob.waitRows(bobG, 3, texts)
	if string(got[2].Body) != "three" {
		t.Fatalf("bob got %q", got[2].Body)
	}
}

// TestGroupHeldMember: a member whose identity key changed holds sending
// to the group until the change is accepted.
func TestGroupHeldMember(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	bob.groupAt(info.ID, 1)
	carolG := carol.groupAt(info.ID, 1).Conversation
	// Carol's key changes, and changes back: her row is held.
	other := keys.PublicKey{9, 9, 9}
	for _, k := range []keys.PublicKey{other, carol.m.Identity()} {
		if err := alice.st.ChangeIdentity(ctx, ac.ID, k); err != nil {
			t.Fatal(err)
		}
	}
	_, err := alice.m.Send(ctx, info.Conversation, "held")
	var changed *IdentityChangedError
	if !errors.As(err, &changed) || changed.Contact != ac.ID {
		t.Fatalf("send to a group with a held member: %v", err)
	}
	got, err := alice.m.Group(ctx, info.Conversation)
	if err != nil || len(got.Held) != 1 || got.Held[0] != ac.ID {
		t.Fatalf("held members %+v, %v", got.Held, err)
	}
	if err := alice.m.AcceptIdentity(ctx, ac.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Send(ctx, info.Conversation, "released"); err != nil {
		t.Fatal(err)
	}
	if got := carol.waitRows(carolG, 1, texts); string(got[0].Body) != "released" {
		t.Fatalf("carol got %q", got[0].Body)
	}
}

// TestGroupRefusals: the API's errors.
func TestGroupRefusals(t *testing.T) {
	ctx := context.Background()
	alice, bob, _, ab, ac := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	bobG := bob.groupAt(info.ID, 1).Conversation
	cases := []struct {
		name string
		err  error
		call func() error
	}{
		{"not a group", ErrNotGroup, func() error { _, err := alice.m.Group(ctx, ab.ID); return err }},
		{"not an admin", ErrNotAdmin, func() error { _, err := bob.m.RenameGroup(ctx, bobG, "mine"); return err }},
		{"not a member", ErrNotMember, func() error { _, err := alice.m.RemoveGroupMember(ctx, info.Conversation, ac.ID); return err }},
		{"empty name", ErrBadGroupName, func() error { _, err := alice.m.CreateGroup(ctx, " ", nil); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
		})
	}
}

// TestGroupRequest: added by someone who is not an accepted contact, a
// group is a request: kept, silent, and closed to sending until accepted.
func TestGroupRequest(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr)
	ab, err := alice.m.AddContact(ctx, bob.invite(), "bob") // bob never accepts alice
	if err != nil {
		t.Fatal(err)
	}
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	bobG := bob.groupConv(info.ID)
	if bobG.State != store.StateRequest {
		t.Fatalf("group from a stranger in state %d", bobG.State)
	}
	requests, err := bob.m.Requests(ctx)
	if s, ok := summaryOf(requests, bobG.ID); err != nil || !ok || s.Contact.GroupID != info.ID {
		t.Fatalf("bob's requests %+v, %v: want the group", requests, err)
	}
	sent, err := alice.m.Send(ctx, info.Conversation, "join us")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG.ID, 1, texts)
	if _, err := bob.m.Send(ctx, bobG.ID, "who are you?"); !errors.Is(err, ErrNotAccepted) {
		t.Fatalf("sending to a group request: %v", err)
	}
	if err := bob.m.Accept(ctx, bobG.ID); err != nil {
		t.Fatal(err)
	}
	alice.until("bob's receipt", func() bool {
		msg, err := alice.st.Message(ctx, info.Conversation, sent.ID)
		return err == nil && msg.Status >= store.StatusDelivered
	})
	if _, err := bob.m.Send(ctx, bobG.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	alice.waitRows(info.Conversation, 1, texts)
}

// TestGroupSenderKeyAge: a sender key older than 30 days is replaced
// before the next message, and the members read on.
func TestGroupSenderKeyAge(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	clock := testclock.New(time.Now())
	alice := newProfileWith(t, "alice", relay.addr, func(c *Config) { c.Now = clock.Now })
	bob := newProfile(t, "bob", relay.addr)
	ab, _ := connect(t, alice, bob)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	bobG := bob.groupAt(info.ID, 1).Conversation
	chain := func() uint32 {
		b, err := alice.st.SenderKey(ctx, info.Conversation, 0)
		if err != nil {
			t.Fatal(err)
		}
		var rec session.SenderKeyRecord
		if err := rec.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		d, err := rec.Distribution()
		if err != nil {
			t.Fatal(err)
		}
		return d.ChainID
	}
	one, err := alice.m.Send(ctx, info.Conversation, "one")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG, 1, texts)
	alice.until("one delivered", func() bool {
		msg, err := alice.st.Message(ctx, info.Conversation, one.ID)
		return err == nil && msg.Status >= store.StatusDelivered
	})
	first := chain()
	clock.Advance(senderKeyMaxAge - time.Hour)
	if _, err := alice.m.Send(ctx, info.Conversation, "two"); err != nil {
		t.Fatal(err)
	}
	if chain() != first {
		t.Fatal("rotated before 30 days")
	}
	clock.Advance(2 * time.Hour)
	if _, err := alice.m.Send(ctx, info.Conversation, "three"); err != nil {
		t.Fatal(err)
	}
	if chain() == first {
		t.Fatal("not rotated after 30 days")
	}
	if got := bob.waitRows(bobG, 3, texts); string(got[2].Body) != "three" {
		t.Fatalf("bob got %q", got[2].Body)
	}
}

// describeRows lists rows as kind and text, for a failure's message.
func describeRows(rows []store.Message) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%d:%q", r.Kind, r.Body)
	}
	return out
}

// TestGroupStranger: a group message from someone not in the group is
// refused, even with a sender key of its own for the group.
func TestGroupStranger(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, _ := groupOfThree(t)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ab.ID})
	if err != nil {
		t.Fatal(err)
	}
	bob.groupAt(info.ID, 1)
	ca := carol.contactOf(alice)
	rec, dist, err := session.NewSenderKey(rand.Reader, session.DistributionID{1})
	if err != nil {
		t.Fatal(err)
	}
	content := &Content{Kind: KindText, Text: "let me in"}
	if err := carol.m.stamp(content); err != nil {
		t.Fatal(err)
	}
	plaintext, err := content.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := rec.Encrypt(rand.Reader, plaintext)
	if err != nil {
		t.Fatal(err)
	}
	env, err := transport.SealEnvelope(rand.Reader, &carol.m.identity, alice.m.Identity(), transport.TypeSenderKey, append(info.ID[:], msg...))
	if err != nil {
		t.Fatal(err)
	}
	// Carol hands alice her key for the group, then the message, then a
	// 1:1 message: once alice has that, she has handled the other two.
	key := &Content{Kind: KindSenderKey, GroupID: info.ID, SenderKey: dist.Marshal()}
	if err := carol.m.stamp(key); err != nil {
		t.Fatal(err)
	}
	carol.m.lockSessions()
	err = carol.m.sendGroupControl(ctx, ca, key)
	if err == nil {
		_, err = carol.st.Enqueue(ctx, store.OutboxItem{Contact: ca.ID, Payload: env})
	}
	carol.m.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := carol.m.Send(ctx, ca.ID, "after"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("after")
	alice.stop() // what waited for a version adding carol is refused, not lost
	for _, r := range alice.rows(info.Conversation) {
		if r.Kind == store.KindText || r.Kind == store.KindDecryptFailed {
			t.Fatalf("alice's group holds a row of kind %d from a stranger", r.Kind)
		}
	}
}

// TestGroupFile: a file to a group is encrypted once per chunk and
// reaches every member; a member who knows the sender only through the
// group holds it for the user's consent.
func TestGroupFile(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	convs := groupConvs(info, alice, bob, carol)
	data := make([]byte, 3*ChunkSize+100)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "topo.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sent, err := alice.m.SendFile(ctx, info.Conversation, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*profile{bob, carol} {
		e := p.waitFor("the file", groupWait, func(e Event) bool {
			r, ok := e.(FileReceived)
			return ok && r.Contact == convs[p] && r.File == sent.ID
		}).(FileReceived)
		if got, err := os.ReadFile(e.Path); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s received another file: %v", p.name, err)
		}
	}
	alice.until("the file complete", func() bool {
		msg, err := alice.st.Message(ctx, info.Conversation, sent.ID)
		return err == nil && msg.File != nil && msg.File.State == store.FileComplete
	})
	// Bob's file reaches carol, who has bob as a request: it waits.
	from, err := bob.m.SendFile(ctx, convs[bob], path, nil)
	if err != nil {
		t.Fatal(err)
	}
	carol.until("bob's file waiting", func() bool {
		msg, err := carol.st.Message(ctx, convs[carol], from.ID)
		return err == nil && msg.File != nil && msg.File.State == store.FileWaiting
	})
}

// TestGroupMemberNewKey: accepting a member's new key (a reinstall,
// safety numbers compared) replaces its key in the groups we are an admin
// of: it reads the group again under the new key.
func TestGroupMemberNewKey(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, bob, carol := newProfile(t, "alice", relay.addr), newProfile(t, "bob", relay.addr), newProfile(t, "carol", relay.addr)
	_, ba := connect(t, alice, bob)
	bc, _ := connect(t, bob, carol)
	info, err := bob.m.CreateGroup(ctx, "climbing", []store.ContactID{ba.ID, bc.ID})
	if err != nil {
		t.Fatal(err)
	}
	alice.groupAt(info.ID, 1)
	carol.groupAt(info.ID, 1)
	alice.stop()
	alice2, a2b := newPhone(t, bob, relay.addr)
	if _, err := alice2.m.Send(ctx, a2b.ID, "new phone, same alice"); err != nil {
		t.Fatal(err)
	}
	req := bob.waitText("new phone, same alice").Conversation
	code := keys.NewSafetyNumber(bob.m.Identity(), alice2.m.Identity()).Display()
	if err := bob.m.AcceptAsKeyChange(ctx, req, ba.ID, code); err != nil {
		t.Fatal(err)
	}
	bobLines := bob.waitRows(info.Conversation, 2, lines)
	if want := "You updated alice's key: a new safety number"; string(bobLines[1].Body) != want {
		t.Fatalf("bob's group reads %s, want %q", describeRows(bobLines), want)
	}
	got := alice2.groupAt(info.ID, 2)
	if !got.Member || len(got.Members) != 3 {
		t.Fatalf("alice's new profile sees %+v", got)
	}
	carolG := carol.groupAt(info.ID, 2)
	if carolG.Members[1].Contact.Identity != alice2.m.Identity() {
		t.Fatalf("carol's group lists %v", carolG.Members[1].Contact.Identity)
	}
	// Carol knows alice only through the group, by the start of a key.
	if ls := carol.waitRows(carolG.Conversation, 2, lines); !strings.HasPrefix(string(ls[1].Body), "bob updated key ") ||
		!strings.HasSuffix(string(ls[1].Body), "'s key: a new safety number") {
		t.Fatalf("carol's group reads %s", describeRows(ls))
	}
	if _, err := carol.m.Send(ctx, carolG.Conversation, "welcome back"); err != nil {
		t.Fatal(err)
	}
	if rows := alice2.waitRows(got.Conversation, 1, texts); string(rows[0].Body) != "welcome back" {
		t.Fatalf("alice got %q", rows[0].Body)
	}
}

// TestGroupNewMemberFirst: a new member's message reaches carol before
// the version that adds it (alice's update to carol is held at alice):
// the message waits, carol fetches the version from the new member, and
// the message is read after all.
func TestGroupNewMemberFirst(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	alice, carol, dave := newProfile(t, "alice", relay.addr), newProfile(t, "carol", relay.addr), newProfile(t, "dave", relay.addr)
	ac, _ := connect(t, alice, carol)
	ad, _ := connect(t, alice, dave)
	info, err := alice.m.CreateGroup(ctx, "climbing", []store.ContactID{ac.ID})
	if err != nil {
		t.Fatal(err)
	}
	carolG := carol.groupAt(info.ID, 1).Conversation
	// Carol's key "changes" at alice: alice's outbox holds what is hers.
	for _, k := range []keys.PublicKey{{9, 9, 9}, carol.m.Identity()} {
		if err := alice.st.ChangeIdentity(ctx, ac.ID, k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := alice.m.AddGroupMembers(ctx, info.Conversation, []store.ContactID{ad.ID}); err != nil {
		t.Fatal(err)
	}
	daveG := dave.groupAt(info.ID, 2).Conversation
	if _, err := dave.m.Send(ctx, daveG, "hi, I am new"); err != nil {
		t.Fatal(err)
	}
	if got := carol.waitRows(carolG, 1, texts); string(got[0].Body) != "hi, I am new" {
		t.Fatalf("carol got %q", got[0].Body)
	}
	if v := carol.groupAt(info.ID, 2); len(v.Members) != 3 {
		t.Fatalf("carol's group %+v", v)
	}
	for _, r := range carol.rows(carolG) {
		if r.Kind == store.KindDecryptFailed {
			t.Fatal("a message was lost on the way")
		}
	}
}

// TestGroupActions: replies, reactions (one per member), edits and
// deletions in a group; a member edits only what it wrote.
func TestGroupActions(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	convs := groupConvs(info, alice, bob, carol)
	first, err := alice.m.Send(ctx, info.Conversation, "saturday?")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*profile{bob, carol} {
		p.waitRows(convs[p], 1, texts)
	}
	if _, err := bob.m.React(ctx, convs[bob], first.ID, "👍"); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.m.React(ctx, convs[carol], first.ID, "🎉"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.Reply(ctx, convs[bob], first.ID, "yes"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.Edit(ctx, convs[bob], first.ID, "sunday?"); !errors.Is(err, ErrNotOwnMessage) {
		t.Fatalf("bob edits alice's message: %v", err)
	}
	if _, err := alice.m.Edit(ctx, info.Conversation, first.ID, "saturday, 9:00?"); err != nil {
		t.Fatal(err)
	}
	carol.until("the edit and both reactions", func() bool {
		msg, err := carol.st.Message(ctx, convs[carol], first.ID)
		return err == nil && string(msg.Body) == "saturday, 9:00?" && len(msg.Reactions) == 2
	})
	reply := carol.waitRows(convs[carol], 2, texts)[1]
	if string(reply.Body) != "yes" || reply.Quote != first.ID {
		t.Fatalf("carol's reply row %+v", reply)
	}
	alice.until("both reactions", func() bool {
		msg, err := alice.st.Message(ctx, info.Conversation, first.ID)
		return err == nil && len(msg.Reactions) == 2
	})
	if _, err := alice.m.Delete(ctx, info.Conversation, first.ID, true); err != nil {
		t.Fatal(err)
	}
	bob.until("the deletion", func() bool {
		msg, err := bob.st.Message(ctx, convs[bob], first.ID)
		return err == nil && msg.Kind == store.KindDeleted
	})
}
