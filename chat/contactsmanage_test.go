package chat

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"ratchat/store"
)

// TestRename renames a contact: the new name is what it is shown under,
// and the contact's own profile does not take it back.
func TestRename(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	ctx := context.Background()
	for _, bad := range []string{"", "   ", strings.Repeat("x", MaxContactName+1), "a\x1bb", "\xff"} {
		if _, err := alice.m.Rename(ctx, ab.ID, bad); !errors.Is(err, ErrBadName) {
			t.Errorf("rename to %q: %v, want ErrBadName", bad, err)
		}
	}
	c, err := alice.m.Rename(ctx, ab.ID, "  Bobby Tables ")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Bobby Tables" || c.Address != ab.Address || c.Identity != ab.Identity {
		t.Fatalf("renamed: %+v", c)
	}
	alice.waitFor("the renamed contact", 5*time.Second, func(e Event) bool {
		cc, ok := e.(ContactChanged)
		return ok && cc.Contact.ID == ab.ID && cc.Contact.Name == "Bobby Tables"
	})
	if found, err := alice.m.FindContact(ctx, "bobby tables"); err != nil || found.ID != ab.ID {
		t.Errorf("found by the new name: %+v, %v", found, err)
	}
	alice.restart() // bob's profile arrives again on a new session: the name stays
	if s, err := alice.m.Summary(ctx, ab.ID); err != nil || s.Contact.Name != "Bobby Tables" {
		t.Errorf("after a restart: %+v, %v", s.Contact, err)
	}
}

// TestRemove removes a contact with and without its history: it leaves
// the contact list, its tokens are revoked, and when the same key writes
// again (after adding us anew by invite) it is a message request, with
// the old chat only when it was kept.
func TestRemove(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(map[bool]string{false: "without history", true: "keeping history"}[keep], func(t *testing.T) {
			alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
			ab, _ := connect(t, alice, bob)
			ctx := context.Background()
			if _, err := bob.m.Send(ctx, mustContact(t, bob, alice).ID, "before the removal"); err != nil {
				t.Fatal(err)
			}
			alice.waitText("before the removal")
			if err := alice.m.Remove(ctx, ab.ID, keep); err != nil {
				t.Fatal(err)
			}
			alice.waitFor("ContactRemoved", 5*time.Second, func(e Event) bool {
				r, ok := e.(ContactRemoved)
				return ok && r.Contact.ID == ab.ID && r.KeptHistory == keep
			})
			if list, _ := alice.m.Summaries(ctx); len(list) != 0 {
				t.Errorf("still listed: %+v", list)
			}
			tokens, err := alice.st.IssuedTokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range tokens {
				if tok.Contact == ab.ID && !tok.Revoked {
					t.Errorf("a token of the removed contact is not revoked")
				}
			}
			_, err = alice.st.Contact(ctx, ab.ID)
			if keep && err != nil || !keep && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the row after removal: %v", err)
			}
			if _, err := alice.m.Send(ctx, ab.ID, "to a removed contact"); err == nil {
				t.Error("sent to a removed contact")
			}
			alice.waitSearchReady()
			r := alice.search("removal", SearchOptions{})
			if keep != (len(r.Results) == 1) {
				t.Errorf("search after removal (kept %v): %+v", keep, r.Results)
			}

			// Bob, whose contact token from alice is revoked, adds her
			// again from her invite: a request, never a contact.
			if _, err := bob.m.AddContact(ctx, alice.invite(), "alice"); err != nil {
				t.Fatal(err)
			}
			e := alice.waitFor("bob's request", 10*time.Second, func(e Event) bool {
				c, ok := e.(ContactChanged)
				return ok && c.Contact.Identity == bob.m.Identity() && c.Contact.State == store.StateRequest
			})
			req := e.(ContactChanged).Contact
			if keep != (req.ID == ab.ID) {
				t.Errorf("request row %d, removed row %d (kept %v)", req.ID, ab.ID, keep)
			}
			rows, _, err := alice.m.Messages(ctx, req.ID, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			old := false
			for _, m := range rows {
				old = old || string(m.Body) == "before the removal"
			}
			if old != keep {
				t.Errorf("old history in the request: %v (kept %v)", old, keep)
			}
		})
	}
}

// mustContact returns p's contact row for other.
func mustContact(t *testing.T, p, other *profile) store.Contact {
	t.Helper()
	c, err := p.st.ContactByIdentity(context.Background(), other.m.Identity())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBlockedListed checks that blocked senders are listed, apart.
func TestBlockedListed(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, _ := connect(t, alice, bob)
	ctx := context.Background()
	if err := alice.m.Block(ctx, ab.ID); err != nil {
		t.Fatal(err)
	}
	blocked, err := alice.m.Blocked(ctx)
	if err != nil || len(blocked) != 1 || blocked[0].Contact.ID != ab.ID {
		t.Fatalf("blocked: %+v, %v", blocked, err)
	}
	if err := alice.m.Unblock(ctx, ab.ID); err != nil {
		t.Fatal(err)
	}
	if blocked, _ := alice.m.Blocked(ctx); len(blocked) != 0 {
		t.Errorf("still blocked: %+v", blocked)
	}
}

// TestExport exports a chat as text and as JSON.
func TestExport(t *testing.T) {
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	ctx := context.Background()
	sent, err := alice.m.Send(ctx, ab.ID, "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	bob.waitText("hello bob")
	if _, err := bob.m.Send(ctx, ba.ID, "hi \x1b[31malice"); err != nil {
		t.Fatal(err)
	}
	alice.waitText("hi \x1b[31malice")
	// Message actions: an edited reply, and a deleted message.
	reply, err := alice.m.Reply(ctx, ab.ID, sent.ID, "a reply")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Edit(ctx, ab.ID, reply.ID, "an edited reply"); err != nil {
		t.Fatal(err)
	}
	gone, err := alice.m.Send(ctx, ab.ID, "regret this")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.m.Delete(ctx, ab.ID, gone.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := alice.m.SetTimer(ctx, ab.ID, time.Hour); err != nil {
		t.Fatal(err)
	}

	var text bytes.Buffer
	n, err := alice.m.Export(ctx, ab.ID, ExportText, &text)
	if err != nil {
		t.Fatal(err)
	}
	got := text.String()
	for _, want := range []string{"Chat with bob, exported ", "  me: hello bob\n", "  bob: hi \uFFFD[31malice\n",
		"  me: an edited reply (edited)\n", "  me: [deleted]\n", "  * disappearing messages: 1h0m0s\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("text export lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b") {
		t.Error("an escape sequence reached the text export")
	}
	if strings.Contains(got, "regret this") {
		t.Error("a deleted message's text reached the export")
	}

	var js bytes.Buffer
	if m, err := alice.m.Export(ctx, ab.ID, ExportJSON, &js); err != nil || m != n {
		t.Fatalf("json export: %d rows, %v; text had %d", m, err, n)
	}
	var chat ExportedChat
	if err := json.Unmarshal(js.Bytes(), &chat); err != nil {
		t.Fatal(err)
	}
	if chat.Contact.ID != int64(ab.ID) || chat.Contact.Name != "bob" || len(chat.Messages) != n {
		t.Fatalf("json export: %+v", chat)
	}
	var out, replied, deleted *ExportedMessage
	for i := range chat.Messages {
		switch chat.Messages[i].Seq {
		case sent.Seq:
			out = &chat.Messages[i]
		case reply.Seq:
			replied = &chat.Messages[i]
		case gone.Seq:
			deleted = &chat.Messages[i]
		}
	}
	if replied == nil || replied.Text != "an edited reply" || replied.Quote != hex.EncodeToString(sent.ID[:]) || replied.Edited.IsZero() {
		t.Errorf("the edited reply: %+v", replied)
	}
	if deleted == nil || deleted.Kind != "deleted" || deleted.Text != "" {
		t.Errorf("the deleted row: %+v", deleted)
	}
	if out == nil || out.Direction != "out" || out.Kind != "text" || out.Text != "hello bob" || out.Status == "" ||
		len(out.ID) != 32 || !out.Sent.Equal(sent.Sent) {
		t.Errorf("the sent row: %+v", out)
	}
	if _, err := alice.m.Export(ctx, ab.ID, "csv", &js); !errors.Is(err, ErrExportFormat) {
		t.Errorf("csv: %v", err)
	}
}
