package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// The group tests at scale: five profiles over a relay (this file), and
// 256 members in child processes (group_child_test.go).

// textsWait bounds the wait for a burst of texts: a hundred messages to
// five members, each with its receipts, on two cores shared with the
// rest of the suite (under -race too).
const textsWait = time.Minute

// groupRows returns p's rows of conversation conv of kind k, oldest
// first; incoming only for texts.
func (p *profile) groupRows(conv store.ContactID, k store.Kind) []store.Message {
	p.t.Helper()
	rows, _, err := p.st.Messages(context.Background(), conv, 0, 1000)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []store.Message
	for _, r := range rows {
		if r.Kind == k && (k != store.KindText || r.Direction == store.Incoming) {
			out = append(out, r)
		}
	}
	return out
}

// perSender groups p's incoming texts of conv by the identity of the
// member who wrote them, in the order they were stored.
func (p *profile) perSender(conv store.ContactID) map[keys.PublicKey][]string {
	p.t.Helper()
	out := map[keys.PublicKey][]string{}
	for _, r := range p.groupRows(conv, store.KindText) {
		c, err := p.st.Contact(context.Background(), r.Sender)
		if err != nil {
			p.t.Fatalf("%s: a row without its sender (%d): %v", p.name, r.Sender, err)
		}
		out[c.Identity] = append(out[c.Identity], string(r.Body))
	}
	return out
}

// awaitTexts waits until p has read, in conv, want[s] from each sender s
// (and nothing else): every text once, in each sender's order.
func (p *profile) awaitTexts(conv store.ContactID, from []*profile, want func(*profile) []string) {
	p.t.Helper()
	total := 0
	for _, s := range from {
		total += len(want(s))
	}
	deadline := time.After(textsWait)
	for len(p.groupRows(conv, store.KindText)) < total {
		select {
		case _, open := <-p.m.Events():
			if !open {
				p.t.Fatalf("%s: events closed", p.name)
			}
		case <-deadline:
			counts := map[string]int{}
			for _, s := range from {
				counts[s.name] = len(p.perSender(conv)[s.m.Identity()])
			}
			p.t.Fatalf("%s: %d texts of %d within %v: per sender %v; %d undecryptable lines",
				p.name, len(p.groupRows(conv, store.KindText)), total, textsWait, counts,
				len(p.groupRows(conv, store.KindDecryptFailed)))
		}
	}
	got := p.perSender(conv)
	for _, s := range from {
		if w, g := want(s), got[s.m.Identity()]; strings.Join(g, "|") != strings.Join(w, "|") {
			p.t.Fatalf("%s read from %s:\n%q\nwant (each once, in order):\n%q", p.name, s.name, g, w)
		}
		delete(got, s.m.Identity())
	}
	if len(got) != 0 {
		p.t.Fatalf("%s read from someone else: %q", p.name, got)
	}
}

// sealCopy sends text to group conv as p's Send does (one encryption,
// one envelope per member, one commit), and returns also the same group
// message sealed by p for outsider, who is not a member: the copy a
// member whose state lags, or a misbehaving one, could still send. The
// message is read out of member's envelope, with member's key.
func (p *profile) sealCopy(conv store.ContactID, text string, member *profile, outsider keys.PublicKey) []byte {
	p.t.Helper()
	ctx := context.Background()
	c := &Content{Kind: KindText, Text: text}
	if err := p.m.stamp(c); err != nil {
		p.t.Fatal(err)
	}
	payload := p.sealForGroup(conv, c, member, func(sealed *groupSealed) {
		msg := store.Message{Conversation: conv, ID: c.ID, Direction: store.Outgoing, Body: []byte(text),
			Sent: c.Sent, Received: c.Sent, Status: store.StatusQueued, StatusAt: c.Sent}
		if _, err := p.st.CommitGroupSent(ctx, store.GroupSent{Message: msg, SenderKey: sealed.record, Deliveries: sealed.deliveries}); err != nil {
			p.t.Fatal(err)
		}
		p.m.wakeOutbox()
	})
	opened, err := transport.OpenEnvelope(&member.m.identity, payload)
	if err != nil {
		p.t.Fatal(err)
	}
	env, err := transport.SealEnvelope(p.m.rand, &p.m.identity, outsider, transport.TypeSenderKey, opened.Message)
	if err != nil {
		p.t.Fatal(err)
	}
	return env
}

// TestGroupFiveProfilesRelay: five profiles in one group over a relay.
// Every member sends 20 messages at the same time as the others; everyone
// reads everything once, in order per sender. A member removed while its
// messenger is down cannot read a later message (its real profile, given
// a copy, holds it as undecryptable and never shows it). A member offline
// during two membership changes catches up after its restart: it reads
// what was sent meanwhile under the rotated keys, and the others read it.
func TestGroupFiveProfilesRelay(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t, t.TempDir(), "")
	names := []string{"alice", "bob", "carol", "dave", "erin"}
	everyone := make([]*profile, len(names))
	for i, n := range names {
		everyone[i] = newProfile(t, n, relay.addr)
	}
	alice, bob, carol, dave, erin := everyone[0], everyone[1], everyone[2], everyone[3], everyone[4]
	byAlice := map[*profile]store.ContactID{}
	var ids []store.ContactID
	for _, p := range everyone[1:] {
		c, _ := connect(t, alice, p)
		byAlice[p] = c.ID
		ids = append(ids, c.ID)
	}
	info, err := alice.m.CreateGroup(ctx, "five", ids)
	if err != nil {
		t.Fatal(err)
	}
	conv := map[*profile]store.ContactID{alice: info.Conversation}
	for _, p := range everyone[1:] {
		conv[p] = p.groupAt(info.ID, 1).Conversation
	}

	// Everyone sends 20 messages, all five at once.
	const n = 20
	first := func(s *profile) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s %d", s.name, i)
		}
		return out
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(everyone))
	for _, p := range everyone {
		wg.Go(func() {
			for _, text := range first(p) {
				if _, err := p.m.Send(ctx, conv[p], text); err != nil {
					errs <- fmt.Errorf("%s: %w", p.name, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	others := func(p *profile, in []*profile) []*profile {
		var out []*profile
		for _, o := range in {
			if o != p {
				out = append(out, o)
			}
		}
		return out
	}
	for _, p := range everyone {
		p.awaitTexts(conv[p], others(p, everyone), first)
	}

	// Erin's messenger is down when alice removes her; bob's next message
	// (under his key rotated for the removal) reaches erin's real profile
	// anyway, as if a member had sealed her a copy.
	bobAtErin, err := erin.st.ContactByIdentity(ctx, bob.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	erinKey := erin.m.Identity()
	erinPair := erin.m.identity
	erin.stop()
	if _, err := alice.m.RemoveGroupMember(ctx, conv[alice], byAlice[erin]); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*profile{bob, carol, dave} {
		p.groupAt(info.ID, 2)
	}
	copyForErin := bob.sealCopy(conv[bob], "bob after erin", alice, erinKey)
	for _, p := range []*profile{alice, carol, dave} {
		p.until("bob after erin", func() bool { return len(p.perSender(conv[p])[bob.m.Identity()]) == n+1 })
	}
	// Her store still holds bob's key from before (she has not heard of
	// her removal): it does not decrypt the message.
	opened, err := transport.OpenEnvelope(&erinPair, copyForErin)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := erin.st.SenderKey(ctx, conv[erin], bobAtErin.ID)
	if err != nil {
		t.Fatalf("erin's copy of bob's key: %v", err)
	}
	var rec session.SenderKeyRecord
	if err := rec.UnmarshalBinary(kept); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Decrypt(opened.Message[len(store.GroupID{}):]); !errors.Is(err, session.ErrNoSenderKey) {
		t.Fatalf("erin's kept key on a message sent after her removal: %v, want ErrNoSenderKey", err)
	}
	// Her messenger, given the envelope as its home would push it, holds
	// it for a key that never comes (across the restart: no line at
	// close), and when she learns she was removed shows only a "could not
	// be decrypted" line.
	off, err := newMessenger(ctx, erin.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := off.receive(ctx, &transport.Deliver{ID: 1, Received: time.Now(), Envelope: copyForErin}); err != nil {
		t.Fatalf("erin receiving the copy: %v", err)
	}
	off.Close()
	if fails := erin.groupRows(conv[erin], store.KindDecryptFailed); len(fails) != 0 {
		t.Fatalf("erin has %d undecryptable lines at close, want 0", len(fails))
	}
	erin.start()
	left := erin.groupAt(info.ID, 2)
	if left.Member {
		t.Fatalf("erin still a member: %+v", left)
	}
	erin.until("the group left", func() bool {
		c, err := erin.st.GroupByID(ctx, info.ID)
		return err == nil && c.State == store.StateRemoved
	})
	erin.until("the line of the message held", func() bool {
		return len(erin.groupRows(conv[erin], store.KindDecryptFailed)) == 1
	})
	// Restarted and told, her profile refuses the copy outright.
	err = erin.m.receive(ctx, &transport.Deliver{ID: 2, Received: time.Now(), Envelope: copyForErin})
	if !errors.Is(err, errUndeliverable) || !errors.Is(err, ErrNotMember) {
		t.Fatalf("erin, removed, receiving the copy: %v", err)
	}

	// Dave is down during two changes: carol removed, bob made an admin.
	// Bob writes meanwhile; dave, back, applies both, reads bob, and
	// writes to the three left, under his own key rotated for carol.
	dave.stop()
	if _, err := alice.m.RemoveGroupMember(ctx, conv[alice], byAlice[carol]); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.PromoteGroupMember(ctx, conv[alice], byAlice[bob]); err != nil {
		t.Fatal(err)
	}
	bob.groupAt(info.ID, 4)
	carol.groupAt(info.ID, 3)
	if _, err := bob.m.Send(ctx, conv[bob], "bob while dave is away"); err != nil {
		t.Fatal(err)
	}
	alice.until("bob while dave is away", func() bool { return len(alice.perSender(conv[alice])[bob.m.Identity()]) == n+2 })
	dave.start()
	back := dave.groupAt(info.ID, 4)
	if len(back.Members) != 3 || !back.Member {
		t.Fatalf("dave caught up to %+v", back)
	}
	for _, gm := range back.Members {
		if gm.Contact.Identity == bob.m.Identity() && !gm.Admin {
			t.Fatalf("dave does not see bob an admin: %+v", back.Members)
		}
	}
	var seen []string
	for _, l := range dave.groupRows(conv[dave], store.KindMembership) {
		seen = append(seen, string(l.Body))
	}
	if want := []string{"alice removed erin", "alice removed carol", "alice made bob an admin"}; !strings.HasSuffix(strings.Join(seen, "|"), strings.Join(want, "|")) {
		t.Fatalf("dave's lines %q, want them to end with %q", seen, want)
	}
	later := func(s *profile) []string {
		switch s {
		case bob:
			return append(first(bob), "bob after erin", "bob while dave is away")
		case dave:
			return append(first(dave), "dave is back")
		}
		return first(s)
	}
	dave.awaitTexts(conv[dave], []*profile{alice, bob, carol, erin}, later)
	if _, err := dave.m.Send(ctx, conv[dave], "dave is back"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*profile{alice, bob} {
		p.awaitTexts(conv[p], others(p, everyone), later)
	}
	// Nothing sent after a removal reached the removed: carol read bob's
	// message sent after erin left, and nothing after her own removal.
	carol.awaitTexts(conv[carol], []*profile{alice, bob, dave, erin}, func(s *profile) []string {
		if s == bob {
			return append(first(bob), "bob after erin")
		}
		return first(s)
	})
	erin.awaitTexts(conv[erin], []*profile{alice, bob, carol, dave}, first)
}

// TestGroupScale256: a group of 256 members on a loopback relay, its
// owner here and the 255 others in four child processes of 64, delivers
// a message to every member, and every member's receipt comes back.
func TestGroupScale256(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short (the race pass): 256 profiles in four child processes take a minute or two of both cores")
	}
	g := startBigGroup(t, 256, 64)
	took, deposited := g.send(t, "hello-256")
	t.Logf("a message to 256 members reached the last in %v (all deposited at the relay after %v)",
		took.Round(time.Millisecond), deposited.Round(time.Millisecond))
	if rss := g.procs.peakRSS(); rss != nil {
		t.Logf("peak resident memory (MiB), this process then each child: %v", rss)
	}
	ctx := context.Background()
	rows := g.owner.rows(g.conv)
	last := rows[len(rows)-1]
	if string(last.Body) != "hello-256" {
		t.Fatalf("the owner's last row is %q", last.Body)
	}
	g.owner.waitFor("delivered to every member", bigWait, func(e Event) bool {
		s, ok := e.(StatusChanged)
		return ok && s.ID == last.ID && s.Status >= store.StatusDelivered
	})
	statuses, err := g.owner.m.MemberStatuses(ctx, g.conv, last.ID)
	if err != nil || len(statuses) != 255 {
		t.Fatalf("%d member statuses, %v", len(statuses), err)
	}
}
