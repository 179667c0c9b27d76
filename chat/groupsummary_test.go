package chat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/store"
)

// summaryOf returns the summary of id among list, or false.
func summaryOf(list []Summary, id store.ContactID) (Summary, bool) {
	for _, s := range list {
		if s.Contact.ID == id {
			return s, true
		}
	}
	return Summary{}, false
}

// TestGroupSummaries: the groups are in Summaries with their unread
// count and mute, a group we left stays there in StateRemoved, and a
// member bob knows only through the group is no request until it writes
// to him 1:1.
func TestGroupSummaries(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	bobG := bob.groupAt(info.ID, 1)
	if _, err := alice.m.Send(ctx, info.Conversation, "ropes at nine"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG.Conversation, 1, texts)
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := bob.m.Mute(ctx, bobG.Conversation, until); err != nil {
		t.Fatal(err)
	}
	all, err := bob.m.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := summaryOf(all, bobG.Conversation)
	if !ok || s.Unread != 1 || s.Last == nil || string(s.Last.Body) != "ropes at nine" || !s.Muted() || s.Contact.Name != "climbing" {
		t.Fatalf("bob's summary of the group: %+v (listed %v)", s, ok)
	}
	one, err := bob.m.Summary(ctx, bobG.Conversation)
	if err != nil || one.Unread != 1 || one.Contact.GroupID != info.ID {
		t.Fatalf("Summary of the group: %+v, %v", one, err)
	}

	// Carol, known to bob only through the group, is no request.
	bc, err := bob.st.ContactByIdentity(ctx, carol.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	requests, err := bob.m.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := summaryOf(requests, bc.ID); ok {
		t.Fatalf("a member known only through the group is a request: %+v", requests)
	}
	if s, err := bob.m.Summary(ctx, bc.ID); err != nil || !s.GroupOnly {
		t.Fatalf("bob's summary of carol: %+v, %v; want GroupOnly", s, err)
	}
	// Once she writes 1:1 she is (her group message opens the session).
	carolG := carol.groupAt(info.ID, 1)
	if _, err := carol.m.Send(ctx, carolG.Conversation, "coming"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG.Conversation, 2, texts)
	// The group's preview names her, though her own row is listed nowhere.
	bcNow, err := bob.st.Contact(ctx, bc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := bob.m.Summary(ctx, bobG.Conversation); err != nil || s.LastSender != DisplayName(bcNow) || strings.HasPrefix(s.LastSender, "contact ") {
		t.Fatalf("the group's newest row is carol's: LastSender %q, %v; want %q", s.LastSender, err, DisplayName(bcNow))
	}
	cb, err := carol.st.ContactByIdentity(ctx, bob.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	if err := carol.m.Accept(ctx, cb.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.m.Send(ctx, cb.ID, "hi bob, carol here"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("hi bob, carol here")
	if requests, err = bob.m.Requests(ctx); err != nil {
		t.Fatal(err)
	}
	if s, ok := summaryOf(requests, bc.ID); !ok || s.GroupOnly {
		t.Fatalf("carol after writing 1:1: %+v (listed %v)", s, ok)
	}

	// A group bob left stays listed, in StateRemoved.
	if err := bob.m.LeaveGroup(ctx, bobG.Conversation); err != nil {
		t.Fatal(err)
	}
	if all, err = bob.m.Summaries(ctx); err != nil {
		t.Fatal(err)
	}
	if s, ok := summaryOf(all, bobG.Conversation); !ok || s.Contact.State != store.StateRemoved {
		t.Fatalf("the group bob left: %+v (listed %v)", s, ok)
	}
}

// TestGroupJoinEventsHaveSummaries: every event bob's join to a group
// makes (the group's lines, the row of carol, a member he did not know)
// names a row whose summary he can read at once, as the interface reads
// it on each event: no "not found" while the group's state is being saved.
func TestGroupJoinEventsHaveSummaries(t *testing.T) {
	ctx := context.Background()
	alice, bob, _, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	named := 0
	bob.waitFor("the group", groupWait, func(e Event) bool {
		var id store.ContactID
		switch e := e.(type) {
		case MessageStored:
			id = e.Contact
		case ContactChanged:
			id = e.Contact.ID
		case GroupChanged:
			return true
		default:
			return false
		}
		named++
		if _, err := bob.m.Summary(ctx, id); err != nil {
			t.Errorf("summary of row %d on %T: %v", id, e, err)
		}
		return false
	})
	if named == 0 {
		t.Fatal("no event named a row before the group's")
	}
	if g := bob.groupAt(info.ID, 1); g.Name != "climbing" {
		t.Fatalf("bob's group %+v", g)
	}
}

// TestGroupSearch: group messages are indexed; a hit names the group's
// conversation and the member who wrote it.
func TestGroupSearch(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	bobG, carolG := bob.groupAt(info.ID, 1), carol.groupAt(info.ID, 1)
	if _, err := carol.m.Send(ctx, carolG.Conversation, "granite boulders on Sunday"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.Send(ctx, bobG.Conversation, "bring granite chalk"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG.Conversation, 1, texts)
	<-bob.m.SearchReady()
	tests := []struct {
		query string
		opts  SearchOptions
		want  []string // the texts found
	}{
		{"granite", SearchOptions{}, []string{"granite boulders on Sunday", "bring granite chalk"}},
		{"boulders", SearchOptions{Contact: bobG.Conversation}, []string{"granite boulders on Sunday"}},
		{"chalk", SearchOptions{Contact: bobG.Conversation}, []string{"bring granite chalk"}},
	}
	for _, tt := range tests {
		res, err := bob.m.Search(ctx, tt.query, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]SearchResult{}
		for _, r := range res.Results {
			got[string(r.Message.Body)] = r
		}
		if len(res.Results) != len(tt.want) {
			t.Fatalf("%q: %d results %+v, want %q", tt.query, len(res.Results), res.Results, tt.want)
		}
		for _, w := range tt.want {
			r, ok := got[w]
			if !ok || r.Contact.ID != bobG.Conversation || r.Contact.GroupID != info.ID {
				t.Fatalf("%q: hit %q %+v (found %v)", tt.query, w, r, ok)
			}
			mine := r.Message.Direction == store.Outgoing
			if mine && r.Sender.ID != 0 || !mine && r.Sender.Identity != carol.m.Identity() {
				t.Fatalf("%q: hit %q from %+v", tt.query, w, r.Sender)
			}
		}
	}
}

// TestGroupExport: a group's export names each member's row by its
// sender and writes the membership lines as their text.
func TestGroupExport(t *testing.T) {
	ctx := context.Background()
	alice, bob, carol, ab, ac := groupOfThree(t)
	info := climbing(t, alice, ab, ac)
	bobG, carolG := bob.groupAt(info.ID, 1), carol.groupAt(info.ID, 1)
	if _, err := carol.m.Send(ctx, carolG.Conversation, "see you at the wall"); err != nil {
		t.Fatal(err)
	}
	bob.waitRows(bobG.Conversation, 1, texts)
	line := bob.waitRows(bobG.Conversation, 1, lines)[0]
	bc, err := bob.st.ContactByIdentity(ctx, carol.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	var text, js strings.Builder
	if _, err := bob.m.Export(ctx, bobG.Conversation, ExportText, &text); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.m.Export(ctx, bobG.Conversation, ExportJSON, &js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Group climbing", DisplayName(bc) + ": see you at the wall", "  * " + string(line.Body)} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text export lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "unknown") {
		t.Errorf("the text export has an unknown row:\n%s", text.String())
	}
	var doc ExportedChat
	if err := json.Unmarshal([]byte(js.String()), &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]ExportedMessage{}
	for _, e := range doc.Messages {
		kinds[e.Kind] = e
	}
	if e := kinds["text"]; e.Sender != DisplayName(bc) || e.Text != "see you at the wall" {
		t.Errorf("the JSON text row %+v", e)
	}
	if e := kinds["membership"]; e.Text != string(line.Body) {
		t.Errorf("the JSON membership row %+v", e)
	}
}

// TestDisplayNameUnnamed: a person without a name (a group member known
// only from the group's state) is shown by the start of its key, the
// same on every member's screen; "contact N" only for a row without key.
func TestDisplayNameUnnamed(t *testing.T) {
	var key keys.PublicKey
	for i := range key {
		key[i] = byte(0x3f + i)
	}
	for _, tc := range []struct {
		name string
		c    store.Contact
		want string
	}{
		{"named", store.Contact{ID: 4, Identity: key, Name: "Carol"}, "Carol"},
		{"a member known by key only", store.Contact{ID: 4, Identity: key}, "key 3f404142"},
		{"another row, same key: the same name", store.Contact{ID: 9, Identity: key}, "key 3f404142"},
		{"a group", store.Contact{ID: 5, GroupID: store.GroupID{1}, Name: "climbing"}, "climbing"},
		{"no key, no name", store.Contact{ID: 7}, "contact 7"},
	} {
		if got := DisplayName(tc.c); got != tc.want {
			t.Errorf("%s: DisplayName = %q, want %q", tc.name, got, tc.want)
		}
	}
}
