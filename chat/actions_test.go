package chat

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// waitChanged waits until p reports message id of its chat changed in a
// way ok accepts.
func (p *profile) waitChanged(what string, id store.MessageID, ok func(store.Message) bool) store.Message {
	p.t.Helper()
	e := p.waitFor(what, 10*time.Second, func(e Event) bool {
		s, is := e.(MessageStored)
		return is && s.Message.ID == id && ok(s.Message)
	})
	return e.(MessageStored).Message
}

// sendRaw encrypts plaintext for p's contact c and queues it, as the
// messenger sends content, without Marshal's checks: what a hostile or a
// newer peer could send.
func (p *profile) sendRaw(c store.Contact, content *Content, plaintext []byte) {
	p.t.Helper()
	m := p.m
	m.lockSessions()
	defer m.mu.Unlock()
	if plaintext == nil {
		var err error
		if plaintext, err = content.Marshal(); err != nil {
			p.t.Fatal(err)
		}
	}
	s, err := m.st.Session(context.Background(), c.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	var sess session.Session
	if err := sess.UnmarshalBinary(s); err != nil {
		p.t.Fatal(err)
	}
	typ, msg, err := sess.Encrypt(m.rand, plaintext)
	if err != nil {
		p.t.Fatal(err)
	}
	env, err := transport.SealEnvelope(m.rand, &m.identity, c.Identity, uint8(typ), msg)
	if err != nil {
		p.t.Fatal(err)
	}
	state, err := sess.MarshalBinary()
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := m.st.CommitControlSent(context.Background(), c.ID, state, env); err != nil {
		p.t.Fatal(err)
	}
	m.wakeOutbox()
}

// TestMessageActions: reply, edit, reactions (set, changed, removed),
// delete for everyone and message info, between two profiles over
// loopback, each checked on both sides.
func TestMessageActions(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)

	hello, err := alice.m.Send(ctx, ab.ID, "hello")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("hello")

	// Reply: the quote travels and points at the same message on both sides.
	reply, err := bob.m.Reply(ctx, ba.ID, hello.ID, "hi back")
	if err != nil || reply.Quote != hello.ID {
		t.Fatalf("Reply = %+v, %v", reply, err)
	}
	if got := alice.waitText("hi back"); got.Quote != hello.ID {
		t.Fatalf("alice's reply row quotes %x, want %x", got.Quote, hello.ID)
	}

	// Edit: the text changes on both sides, the old text stays a version.
	edited, err := alice.m.Edit(ctx, ab.ID, hello.ID, "hello, edited")
	if err != nil || string(edited.Body) != "hello, edited" || len(edited.Versions) != 1 {
		t.Fatalf("Edit = %+v, %v", edited, err)
	}
	got := bob.waitChanged("edit", hello.ID, func(m store.Message) bool { return string(m.Body) == "hello, edited" })
	if len(got.Versions) != 1 || string(got.Versions[0].Body) != "hello" || got.Edited.IsZero() {
		t.Fatalf("bob's edited row: %+v", got)
	}

	// Reactions: one per person, changed, removed.
	for _, emoji := range []string{"👍", "❤️", ""} {
		if _, err := bob.m.React(ctx, ba.ID, hello.ID, emoji); err != nil {
			t.Fatal(err)
		}
		alice.waitChanged("reaction "+emoji, hello.ID, func(m store.Message) bool {
			if emoji == "" {
				return len(m.Reactions) == 0
			}
			return len(m.Reactions) == 1 && m.Reactions[0] == Reaction{From: store.Incoming, Emoji: emoji}
		})
	}
	if _, err := alice.m.React(ctx, ab.ID, hello.ID, "😂"); err != nil {
		t.Fatal(err)
	}
	bob.waitChanged("alice's reaction", hello.ID, func(m store.Message) bool {
		return len(m.Reactions) == 1 && m.Reactions[0] == Reaction{From: store.Incoming, Emoji: "😂"}
	})
	if _, err := alice.m.React(ctx, ab.ID, hello.ID, "ab"); !errors.Is(err, ErrBadEmoji) {
		t.Fatalf("React with letters: %v", err)
	}

	// Message info: sent, delivered and read times.
	info, err := alice.m.Send(ctx, ab.ID, "info me")
	if err != nil {
		t.Fatal(err)
	}
	in := bob.waitText("info me")
	if err := bob.m.MarkRead(ctx, ba.ID, in.Seq); err != nil {
		t.Fatal(err)
	}
	alice.waitStatus(info.ID, store.StatusRead)
	mi, err := alice.m.MessageInfo(ctx, ab.ID, info.ID)
	if err != nil || mi.Written.IsZero() || mi.Delivered.IsZero() || mi.Read.IsZero() || mi.Read.Before(mi.Delivered) {
		t.Fatalf("MessageInfo = %+v, %v", mi, err)
	}
	if mi, err := alice.m.MessageInfo(ctx, ab.ID, hello.ID); err != nil || len(mi.Versions) != 1 || mi.Edited.IsZero() {
		t.Fatalf("MessageInfo of the edited message = %+v, %v", mi, err)
	}

	// Delete for everyone: a line on both sides, the text gone.
	del, err := alice.m.Delete(ctx, ab.ID, hello.ID, true)
	if err != nil || del.Kind != RowDeleted || del.Body != nil {
		t.Fatalf("Delete = %+v, %v", del, err)
	}
	got = bob.waitChanged("deletion", hello.ID, func(m store.Message) bool { return m.Kind == RowDeleted })
	if got.Body != nil || got.Versions != nil || got.Reactions != nil {
		t.Fatalf("bob's deleted row keeps %+v", got)
	}
	// Delete for me, of the contact's message: here only.
	if _, err := alice.m.Delete(ctx, ab.ID, reply.ID, false); err != nil {
		t.Fatal(err)
	}
	if r, _ := bob.st.Message(ctx, ba.ID, reply.ID); r.Kind != RowText {
		t.Fatalf("delete for me reached bob: %+v", r)
	}
	if _, err := alice.m.Reply(ctx, ab.ID, hello.ID, "to a deleted one"); !errors.Is(err, ErrNotActionable) {
		t.Fatalf("Reply to a deleted message: %v", err)
	}

	// The deleted texts are nowhere in either profile's files.
	for _, p := range []*profile{alice, bob} {
		p.stop()
		p.st.Close()
		assertNotInFiles(t, p.dir, "hello, edited")
		assertNotInFiles(t, p.dir, "hi back")
	}
}

// TestMessageActionRefusals: what the rules refuse, from this side and
// from a contact that forges: edits and deletions after 24 hours, edits of
// someone else's message, reactions to a message of another chat.
func TestMessageActionRefusals(t *testing.T) {
	ctx := context.Background()
	var offset atomic.Int64
	clock := func(c *Config) { c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) } }
	alice := newProfileWith(t, "alice", "", clock)
	bob, carol := newProfile(t, "bob", ""), newProfile(t, "carol", "")
	ab, ba := connect(t, alice, bob)
	ac, ca := connect(t, alice, carol)

	mine, err := alice.m.Send(ctx, ab.ID, "alice's own")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("alice's own")
	theirs, err := bob.m.Send(ctx, ba.ID, "bob's own")
	if err != nil {
		t.Fatal(err)
	}
	alice.waitText("bob's own")
	carols, err := carol.m.Send(ctx, ca.ID, "carol's own")
	if err != nil {
		t.Fatal(err)
	}
	alice.waitText("carol's own")

	// This side: someone else's message, then too late.
	if _, err := alice.m.Edit(ctx, ab.ID, theirs.ID, "x"); !errors.Is(err, ErrNotOwnMessage) {
		t.Fatalf("Edit of bob's message: %v", err)
	}
	if _, err := alice.m.Delete(ctx, ab.ID, theirs.ID, true); !errors.Is(err, ErrNotOwnMessage) {
		t.Fatalf("Delete for everyone of bob's message: %v", err)
	}
	if _, err := alice.m.React(ctx, ab.ID, carols.ID, "👍"); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("React in bob's chat to carol's message: %v", err)
	}
	offset.Store(int64(EditWindow + time.Hour))
	if _, err := alice.m.Edit(ctx, ab.ID, mine.ID, "late"); !errors.Is(err, ErrEditWindow) {
		t.Fatalf("Edit after 25 hours: %v", err)
	}
	if _, err := alice.m.Delete(ctx, ab.ID, mine.ID, true); !errors.Is(err, ErrEditWindow) {
		t.Fatalf("Delete for everyone after 25 hours: %v", err)
	}

	// From bob, forged: an edit and a deletion of alice's message, a
	// reaction to carol's, an edit of his own dated after the window.
	late := &Content{Kind: KindEdit, TargetID: theirs.ID, Text: "too late"}
	if err := bob.m.stamp(late); err != nil {
		t.Fatal(err)
	}
	late.Sent = theirs.Sent.Add(EditWindow + time.Minute)
	quoteElsewhere := &Content{Kind: KindText, Text: "quoting carol", QuoteID: carols.ID}
	for _, c := range []*Content{
		{Kind: KindEdit, TargetID: mine.ID, Text: "forged"},
		{Kind: KindDelete, TargetID: mine.ID},
		{Kind: KindReaction, TargetID: carols.ID, Emoji: "💩"},
		late,
		quoteElsewhere,
	} {
		if c.ID == (store.MessageID{}) {
			if err := bob.m.stamp(c); err != nil {
				t.Fatal(err)
			}
		}
		bob.sendRaw(ba, c, nil)
	}
	// Messages arrive in order: once this valid reaction is in, the
	// forgeries were processed.
	if _, err := bob.m.React(ctx, ba.ID, mine.ID, "👌"); err != nil {
		t.Fatal(err)
	}
	alice.waitChanged("bob's valid reaction", mine.ID, func(m store.Message) bool { return len(m.Reactions) == 1 })
	for _, check := range []struct {
		contact   store.ContactID
		id        store.MessageID
		text      string
		reactions int
	}{{ab.ID, mine.ID, "alice's own", 1}, {ab.ID, theirs.ID, "bob's own", 0}, {ac.ID, carols.ID, "carol's own", 0}} {
		m, err := alice.st.Message(ctx, check.contact, check.id)
		if err != nil || string(m.Body) != check.text || m.Kind != RowText || len(m.Versions) != 0 || len(m.Reactions) != check.reactions {
			t.Fatalf("after forgeries, %q reads %+v, %v", check.text, m, err)
		}
	}
	// A reply quoting a message of another chat keeps its text, not the quote.
	if m, err := alice.st.Message(ctx, ab.ID, quoteElsewhere.ID); err != nil || string(m.Body) != "quoting carol" || m.Quote != (store.MessageID{}) {
		t.Fatalf("a quote of another chat's message: %+v, %v", m, err)
	}
	// Delete for me still works on anything.
	if _, err := alice.m.Delete(ctx, ab.ID, mine.ID, false); err != nil {
		t.Fatal(err)
	}
}

// TestUnsupportedKind: a kind from a newer version shows as a line, a
// control kind from a newer version shows nothing, and the session stays
// in step either way.
func TestUnsupportedKind(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	_, ba := connect(t, alice, bob)
	for _, k := range []Kind{KindGroupUpdate + 1, KindGroupFetch + 1} {
		c := &Content{Kind: k}
		if err := bob.m.stamp(c); err != nil {
			t.Fatal(err)
		}
		b := []byte{contentVersion}
		b = appendVarint(b, fKind, uint64(k))
		b = appendBytes(b, fID, c.ID[:])
		b = appendVarint(b, fSent, uint64(c.Sent.UnixMilli()))
		bob.sendRaw(ba, nil, pad(b))
	}
	if _, err := bob.m.Send(ctx, ba.ID, "still in step"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("still in step")
	rows, _, err := alice.m.Messages(ctx, alice.contactOf(bob).ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Kind == RowUnsupported {
			n++
			if r.Direction != store.Incoming {
				t.Fatalf("unsupported row: %+v", r)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d unsupported rows, want 1 (the control kind shows nothing)", n)
	}
}

// TestFindMessage finds messages by whole id and by prefix, and refuses
// what is no id, no message of the chat, or too short.
func TestFindMessage(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	msg, err := alice.m.Send(ctx, ab.ID, "find me")
	if err != nil {
		t.Fatal(err)
	}
	full := hex.EncodeToString(msg.ID[:])
	for ref, want := range map[string]error{
		full:                   nil,
		ShortID(msg.ID):        nil,
		strings.ToUpper(full):  nil,
		full[:ShortIDLen+1]:    nil,
		full[:ShortIDLen-1]:    ErrNoMessage,
		"zzzzzzzzzz":           ErrNoMessage,
		"0123456789abcdef0123": ErrNoMessage,
		full + "00":            ErrNoMessage,
	} {
		got, err := alice.m.FindMessage(ctx, ab.ID, ref)
		if !errors.Is(err, want) || err == nil && got.ID != msg.ID {
			t.Errorf("FindMessage(%q) = %x, %v; want %v", ref, got.ID, err, want)
		}
	}
	// Ambiguity needs two ids sharing a prefix: write them directly.
	twin := store.Message{Conversation: ab.ID, Direction: store.Local, Kind: store.KindVerified,
		Status: store.StatusSent, Sent: msg.Sent, Received: msg.Sent, StatusAt: msg.Sent}
	twin.ID = msg.ID
	twin.ID[15] ^= 1
	if _, _, err := alice.st.InsertMessage(ctx, twin); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.FindMessage(ctx, ab.ID, ShortID(msg.ID)); !errors.Is(err, ErrAmbiguousMessage) {
		t.Fatalf("FindMessage of a shared prefix: %v", err)
	}
}
