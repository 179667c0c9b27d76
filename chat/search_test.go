package chat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ratchat/store"
)

// search runs a search on p that must succeed.
func (p *profile) search(query string, opts SearchOptions) SearchResults {
	p.t.Helper()
	r, err := p.m.Search(context.Background(), query, opts)
	if err != nil {
		p.t.Fatalf("%s: search %q: %v", p.name, query, err)
	}
	return r
}

// waitSearchReady waits for p's index to be built.
func (p *profile) waitSearchReady() {
	p.t.Helper()
	select {
	case <-p.m.SearchReady():
	case <-time.After(10 * time.Second):
		p.t.Fatalf("%s: the search index was not built", p.name)
	}
}

// TestSearchTwoParty searches real profiles' history over real sockets:
// what was sent and received before, what arrives after the build, within
// one chat, and nothing once the messenger is closed.
func TestSearchTwoParty(t *testing.T) {
	alice, bob, carol := newProfile(t, "alice", ""), newProfile(t, "bob", ""), newProfile(t, "carol", "")
	ab, ba := connect(t, alice, bob)
	ac, _ := connect(t, alice, carol)
	ctx := context.Background()
	sent, err := alice.m.Send(ctx, ab.ID, "Shall we meet at the Café tomorrow?")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("Shall we meet at the Café tomorrow?")
	if _, err := alice.m.Send(ctx, ac.ID, "the cafeteria is closed"); err != nil {
		t.Fatal(err)
	}
	alice.waitSearchReady()

	r := alice.search("CAFE", SearchOptions{})
	if !r.Complete || len(r.Results) != 2 {
		t.Fatalf("search cafe: %+v", r)
	}
	if got := r.Results[1]; got.Contact.ID != ab.ID || got.Message.ID != sent.ID || got.Message.Seq != sent.Seq ||
		got.Snippet != "Shall we meet at the Café tomorrow?" {
		t.Errorf("older result: %+v", got)
	}
	if r.Results[0].Contact.ID != ac.ID {
		t.Errorf("newest first: %+v", r.Results)
	}
	if r := alice.search("cafe", SearchOptions{Contact: ac.ID}); len(r.Results) != 1 || r.Results[0].Contact.ID != ac.ID {
		t.Errorf("within carol's chat: %+v", r.Results)
	}

	// A message that arrives after the build is found as soon as its
	// event is out.
	if _, err := bob.m.Send(ctx, ba.ID, "Grüße! Tomorrow works"); err != nil {
		t.Fatal(err)
	}
	got := alice.waitText("Grüße! Tomorrow works")
	r = alice.search("grusse tomorrow", SearchOptions{})
	if len(r.Results) != 1 || r.Results[0].Message.ID != got.ID || r.Results[0].Message.Direction != store.Incoming {
		t.Errorf("the new message: %+v", r.Results)
	}
	if r := alice.search("tomorrow", SearchOptions{Contact: ab.ID, Limit: 1}); len(r.Results) != 1 || r.Results[0].Message.ID != got.ID {
		t.Errorf("limit 1: %+v", r.Results)
	}

	if _, err := alice.m.Search(ctx, " ?! ", SearchOptions{}); !errors.Is(err, ErrEmptyQuery) {
		t.Errorf("empty query: %v", err)
	}
	alice.stop()
	closed, err := Start(ctx, alice.cfg) // a messenger we close right away
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if _, err := closed.Search(ctx, "cafe", SearchOptions{}); !errors.Is(err, ErrSearchClosed) {
		t.Errorf("search after close: %v, want ErrSearchClosed", err)
	}
	if closed.search.idx.docs != nil || closed.search.idx.words != nil {
		t.Error("the index outlived Close")
	}
}

// TestSearchBuildInBackground holds the index's build: Start has
// returned, search answers (incomplete, with nothing yet), and once the
// build runs every row is found.
func TestSearchBuildInBackground(t *testing.T) {
	gate := make(chan struct{})
	p := newProfileWith(t, "alice", "", func(c *Config) { c.searchGate = gate })
	ctx := context.Background()
	id, err := p.st.AddContact(ctx, store.Contact{Identity: p.m.Identity(), Name: "bob", Address: "127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.Message
	at := time.Unix(1_700_000_000, 0)
	for i := range 1200 { // more than two pages
		m := store.Message{Conversation: id, Direction: store.Incoming, Status: store.StatusDelivered,
			Body: fmt.Appendf(nil, "row %d of the backlog", i), Sent: at, Received: at, StatusAt: at}
		m.ID[0], m.ID[1] = byte(i), byte(i>>8)
		rows = append(rows, m)
	}
	if _, err := p.st.InsertMessages(ctx, rows); err != nil {
		t.Fatal(err)
	}
	r := p.search("backlog", SearchOptions{})
	if r.Complete || len(r.Results) != 0 {
		t.Fatalf("before the build: %+v", r)
	}
	close(gate)
	p.waitSearchReady()
	r = p.search("backlog", SearchOptions{Limit: MaxSearchLimit})
	if !r.Complete || len(r.Results) != 1000 || r.Indexed != 1200 {
		t.Fatalf("after the build: complete %v, %d results, %d indexed", r.Complete, len(r.Results), r.Indexed)
	}
	if string(r.Results[0].Message.Body) != "row 1199 of the backlog" {
		t.Errorf("newest first: %q", r.Results[0].Message.Body)
	}
	if r := p.search("1199", SearchOptions{}); len(r.Results) != 1 {
		t.Errorf("one row by its number: %+v", r.Results)
	}
}

// TestSearchFollowsActions: message actions keep both sides' indexes
// current through their MessageStored events: an edited message is found
// by its new text and no longer by its old one, and a message deleted
// (for everyone, or for me) is not found at all.
func TestSearchFollowsActions(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	alice.waitSearchReady()
	bob.waitSearchReady()
	sent, err := alice.m.Send(ctx, ab.ID, "the old plan")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("the old plan")
	theirs, err := bob.m.Send(ctx, ba.ID, "a private plan")
	if err != nil {
		t.Fatal(err)
	}
	alice.waitText("a private plan")

	if _, err := alice.m.Edit(ctx, ab.ID, sent.ID, "the new schedule"); err != nil {
		t.Fatal(err)
	}
	bob.waitChanged("alice's edit", sent.ID, func(m store.Message) bool { return string(m.Body) == "the new schedule" })
	for _, p := range []*profile{alice, bob} {
		if r := p.search("schedule", SearchOptions{}); len(r.Results) != 1 || r.Results[0].Message.ID != sent.ID {
			t.Errorf("%s: the edited message by its new text: %+v", p.name, r.Results)
		}
		if r := p.search("old", SearchOptions{}); len(r.Results) != 0 {
			t.Errorf("%s: the edited message by its old text: %+v", p.name, r.Results)
		}
	}

	if _, err := alice.m.Delete(ctx, ab.ID, sent.ID, true); err != nil {
		t.Fatal(err)
	}
	bob.waitChanged("alice's deletion", sent.ID, func(m store.Message) bool { return m.Kind == store.KindDeleted })
	for _, p := range []*profile{alice, bob} {
		if r := p.search("schedule", SearchOptions{}); len(r.Results) != 0 {
			t.Errorf("%s: a message deleted for everyone found: %+v", p.name, r.Results)
		}
	}

	if r := alice.search("plan", SearchOptions{}); len(r.Results) != 1 || r.Results[0].Message.ID != theirs.ID {
		t.Fatalf("bob's message before deleting it: %+v", r.Results)
	}
	if _, err := alice.m.Delete(ctx, ab.ID, theirs.ID, false); err != nil {
		t.Fatal(err)
	}
	if r := alice.search("plan", SearchOptions{}); len(r.Results) != 0 {
		t.Errorf("a message deleted for me found: %+v", r.Results)
	}
	if r := bob.search("plan", SearchOptions{}); len(r.Results) != 1 || r.Results[0].Message.ID != theirs.ID {
		t.Errorf("bob's own copy of the message alice deleted for herself: %+v", r.Results)
	}
}
