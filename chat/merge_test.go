package chat

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"ratchat/keys"
	"ratchat/store"
)

// newPhone is alice on a new phone: a new profile (a new key) on home,
// which adds bob from his invite; it returns the profile and its bob.
func newPhone(t *testing.T, bob *profile, home string) (*profile, store.Contact) {
	t.Helper()
	alice2 := newProfile(t, "alice", home)
	a2b, err := alice2.m.AddContact(context.Background(), bob.invite(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	return alice2, a2b
}

// TestAcceptAsKeyChange: in peer mode, bob verified alice; alice
// reinstalls (a new profile, same name, new key, new port) and writes to
// bob. Bob sees a request marked as not alice's key, and alice keeps her
// old key. Accepting it as alice with a wrong code changes nothing; with
// the number made with the new key, the request's history joins alice's
// chat, alice has the new key and a key-changed line, and bob's next
// message reaches the new alice.
func TestAcceptAsKeyChange(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := alice.m.Send(ctx, ab.ID, "before the reinstall"); err != nil {
		t.Fatal(err)
	}
	bob.waitText("before the reinstall")
	if err := bob.m.SetVerified(ctx, ba.ID, true); err != nil {
		t.Fatal(err)
	}
	oldKey := alice.m.Identity()
	alice.stop()

	alice2, a2b := newPhone(t, bob, "")
	if _, err := alice2.m.Send(ctx, a2b.ID, "new phone, same alice"); err != nil {
		t.Fatal(err)
	}
	req := bob.waitText("new phone, same alice").Conversation
	requests, err := bob.m.Requests(ctx)
	if err != nil || len(requests) != 1 || requests[0].Contact.ID != req ||
		requests[0].SameName != ba.ID || requests[0].Mark != "not the same key as your contact alice" {
		t.Fatalf("requests %+v, %v", requests, err)
	}

	unchanged := func(when string) {
		t.Helper()
		if c, err := bob.st.Contact(ctx, ba.ID); err != nil || c.Identity != oldKey || !c.Verified || c.Held {
			t.Fatalf("%s: bob's alice %+v, %v", when, c, err)
		}
		if c, err := bob.st.Contact(ctx, req); err != nil || c.State != store.StateRequest {
			t.Fatalf("%s: the request %+v, %v", when, c, err)
		}
	}
	unchanged("after the request")

	oldNumber := keys.NewSafetyNumber(bob.m.Identity(), oldKey).Display()
	right := keys.NewSafetyNumber(bob.m.Identity(), alice2.m.Identity()).Display()
	for _, tc := range []struct {
		name string
		code string
		want error
	}{
		{"not a number", "12345", ErrMalformedCode},
		{"an invite", bob.invite(), ErrMalformedCode},
		{"the old key's number", oldNumber, ErrCodeMismatch},
	} {
		if err := bob.m.AcceptAsKeyChange(ctx, req, ba.ID, tc.code); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		unchanged(tc.name)
	}

	if err := bob.m.AcceptAsKeyChange(ctx, req, ba.ID, right); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.st.Contact(ctx, req); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the request is still there: %v", err)
	}
	c, err := bob.st.Contact(ctx, ba.ID)
	if err != nil || c.Identity != alice2.m.Identity() || !c.Verified || c.Held || c.State != store.StateContact {
		t.Fatalf("bob's alice after the merge: %+v, %v", c, err)
	}
	rows, _, err := bob.st.Messages(ctx, ba.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	keyChanged := false
	for _, r := range rows {
		if r.Kind == store.KindKeyChanged {
			keyChanged = true
		}
		if !r.Kind.System() {
			texts = append(texts, string(r.Body))
		}
	}
	if !keyChanged {
		t.Error("no key-changed line in alice's chat")
	}
	if len(texts) != 2 {
		t.Errorf("alice's chat holds %q, want both messages", texts)
	}
	if requests, err := bob.m.Requests(ctx); err != nil || len(requests) != 0 {
		t.Errorf("requests after the merge: %+v, %v", requests, err)
	}

	if _, err := bob.m.Send(ctx, ba.ID, "welcome back"); err != nil {
		t.Fatal(err)
	}
	if got := alice2.waitText("welcome back"); got.Conversation != a2b.ID {
		t.Errorf("bob's message landed in conversation %d, want %d", got.Conversation, a2b.ID)
	}
}

// TestAcceptAsKeyChangeKeepsReadState: the messages bob read while the
// reinstalled alice was a request stay read in alice's merged chat, and
// the one he had not read stays unread.
func TestAcceptAsKeyChangeKeepsReadState(t *testing.T) {
	ctx := context.Background()
	alice, bob := newProfile(t, "alice", ""), newProfile(t, "bob", "")
	ab, ba := connect(t, alice, bob)
	if _, err := alice.m.Send(ctx, ab.ID, "before the reinstall"); err != nil {
		t.Fatal(err)
	}
	if err := bob.m.MarkRead(ctx, ba.ID, bob.waitText("before the reinstall").Seq); err != nil {
		t.Fatal(err)
	}
	alice.stop()

	alice2, a2b := newPhone(t, bob, "")
	var rows []store.Message
	for _, text := range []string{"new phone", "same alice", "unread one"} {
		if _, err := alice2.m.Send(ctx, a2b.ID, text); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, bob.waitText(text))
	}
	req := rows[0].Conversation
	if err := bob.m.MarkRead(ctx, req, rows[1].Seq); err != nil {
		t.Fatal(err)
	}
	code := keys.NewSafetyNumber(bob.m.Identity(), alice2.m.Identity()).Display()
	if err := bob.m.AcceptAsKeyChange(ctx, req, ba.ID, code); err != nil {
		t.Fatal(err)
	}
	s, err := bob.m.Summary(ctx, ba.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Unread != 1 {
		t.Fatalf("alice's merged chat has %d unread, want 1 (the request's unread one)", s.Unread)
	}
}

// TestAcceptAsKeyChangeKeepsWaitingFile: a file the reinstalled alice sent
// while she was a request, larger than a waiting file may hold and
// accepted while still a request, is asked for again once the request is
// merged into alice, and arrives whole.
func TestAcceptAsKeyChangeKeepsWaitingFile(t *testing.T) {
	ctx := context.Background()
	alice := newProfile(t, "alice", "")
	bob := newProfileWith(t, "bob", "", func(c *Config) { c.heldLimit = 2 * ChunkSize })
	_, ba := connect(t, alice, bob)
	alice.stop()

	alice2, a2b := newPhone(t, bob, "")
	path := writeRandomFile(t, "photos.tar", 5*ChunkSize+1)
	msg, err := alice2.m.SendFile(ctx, a2b.ID, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice2.m.Send(ctx, a2b.ID, "after the file"); err != nil {
		t.Fatal(err)
	}
	req := bob.waitText("after the file").Conversation
	if err := bob.m.AcceptFile(ctx, req, msg.ID); err != nil {
		t.Fatal(err)
	}
	code := keys.NewSafetyNumber(bob.m.Identity(), alice2.m.Identity()).Display()
	if err := bob.m.AcceptAsKeyChange(ctx, req, ba.ID, code); err != nil {
		t.Fatal(err)
	}
	got := bob.waitFileRow(msg.ID, store.FileComplete)
	if got.Conversation != ba.ID {
		t.Errorf("the file completed in conversation %d, want alice's %d", got.Conversation, ba.ID)
	}
	want, _ := os.ReadFile(path)
	if have, err := os.ReadFile(got.File.Path); err != nil || !bytes.Equal(have, want) {
		t.Fatalf("the file differs (%v)", err)
	}
	alice2.waitFileRow(msg.ID, store.FileComplete)
}
