package store

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// msgWith is a text message of conv with id byte b.
func msgWith(conv ContactID, b byte, dir Direction, body string) Message {
	now := time.Unix(1700000000, 0)
	return Message{Conversation: conv, ID: MessageID{b}, Direction: dir, Body: []byte(body),
		Sent: now, Received: now, Status: StatusDelivered, StatusAt: now}
}

func TestMergeRequestInto(t *testing.T) {
	s, _ := newTestStore(t)
	alice := addTestContact(t, s, 1, "alice")
	if err := s.SetVerified(bg, alice, true); err != nil {
		t.Fatal(err)
	}
	newKey := testKey(t, 2)
	req, err := s.AddContact(bg, Contact{Identity: newKey, Name: "alice", Address: "new.example:7001", State: StateRequest})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{
		msgWith(alice, 1, Incoming, "old one"),
		msgWith(alice, 9, Incoming, "shared id"),
		msgWith(req, 2, Incoming, "new one"),
		msgWith(req, 9, Incoming, "duplicate id"),
	} {
		if _, _, err := s.InsertMessage(bg, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutSession(bg, alice, []byte("old session")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, req, []byte("new session")); err != nil {
		t.Fatal(err)
	}
	tok := DepositToken{Contact: req, Kind: 1, Token: [DepositTokenSize]byte{7}}
	if err := s.SetContactToken(bg, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitControl(bg, req, []byte("new session"), nil, []byte("a profile")); err != nil {
		t.Fatal(err)
	}

	// Refusals change nothing.
	for _, tc := range []struct {
		name          string
		request, into ContactID
	}{
		{"into itself", req, req},
		{"contact as request", alice, req},
		{"wrong key", req, alice},
	} {
		key := newKey
		if tc.name == "wrong key" {
			key = testKey(t, 3)
		}
		if err := s.MergeRequestInto(bg, tc.request, tc.into, key); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", tc.name, err)
		}
	}
	if _, err := s.Contact(bg, req); err != nil {
		t.Fatalf("request gone after a refused merge: %v", err)
	}

	if err := s.MergeRequestInto(bg, req, alice, newKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contact(bg, req); !errors.Is(err, ErrNotFound) {
		t.Errorf("request still there: %v", err)
	}
	c, err := s.Contact(bg, alice)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Identity.Equal(newKey) || !c.Verified || c.Held || c.Name != "alice" || c.Address != "new.example:7001" {
		t.Errorf("merged contact = %+v", c)
	}
	if got, err := s.ContactByIdentity(bg, newKey); err != nil || got.ID != alice {
		t.Errorf("by new key: %v, %v", got.ID, err)
	}
	hist, err := s.IdentityHistory(bg, alice)
	if err != nil || len(hist) != 1 || !hist[0].Old.Equal(testKey(t, 1)) || !hist[0].New.Equal(newKey) {
		t.Errorf("history = %+v, %v", hist, err)
	}
	msgs, _, err := s.Messages(bg, alice, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, string(m.Body))
	}
	if len(msgs) != 3 {
		t.Errorf("merged history = %q, want 3 messages (duplicate dropped)", bodies)
	}
	for _, m := range []Message{msgWith(alice, 2, Incoming, ""), msgWith(alice, 9, Incoming, "")} {
		got, err := s.Message(bg, alice, m.ID)
		if err != nil {
			t.Errorf("message %x not found under the contact: %v", m.ID[0], err)
		} else if m.ID[0] == 9 && string(got.Body) != "shared id" {
			t.Errorf("duplicate kept the request's copy: %q", got.Body)
		}
	}
	if st, err := s.Session(bg, alice); err != nil || !bytes.Equal(st, []byte("new session")) {
		t.Errorf("session = %q, %v", st, err)
	}
	if got, err := s.ContactToken(bg, alice); err != nil || got.Token != tok.Token {
		t.Errorf("token = %v, %v", got, err)
	}
	if kept, err := s.PendingControls(bg); err != nil || len(kept) != 1 || kept[0].Contact != alice || string(kept[0].Body) != "a profile" {
		t.Errorf("control messages kept = %+v, %v; want the request's, now alice's", kept, err)
	}
}

// TestMergeKeepsReadState: after a merge, the messages read on either side
// stay read and the unread stay unread, whichever side's marker was ahead;
// when the sides interleave so that one marker cannot keep both, an unread
// message is never counted read.
func TestMergeKeepsReadState(t *testing.T) {
	type row struct {
		request bool // the row is the request's, else the contact's
		dir     Direction
		marker  bool // its side's read marker is set at this row
	}
	tests := []struct {
		name       string
		rows       []row
		wantUnread int
	}{
		{"both read", []row{{false, Incoming, true}, {true, Incoming, false}, {true, Incoming, true}}, 0},
		{"request unread, contact read after it", []row{
			{false, Incoming, false}, {true, Incoming, false}, {true, Incoming, false}, {false, Outgoing, true}}, 2},
		{"request read up to one", []row{
			{false, Incoming, true}, {true, Incoming, true}, {true, Incoming, false}}, 1},
		{"contact unread, request read", []row{
			{false, Incoming, true}, {false, Incoming, false}, {true, Incoming, true}}, 2},
		{"nothing read", []row{{false, Incoming, false}, {true, Incoming, false}}, 2},
		{"only outgoing after the marker", []row{
			{true, Incoming, true}, {false, Outgoing, false}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			alice := addTestContact(t, s, 1, "alice")
			newKey := testKey(t, 2)
			req, err := s.AddContact(bg, Contact{Identity: newKey, Name: "alice", State: StateRequest})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range tc.rows {
				conv := alice
				if r.request {
					conv = req
				}
				seq, _, err := s.InsertMessage(bg, msgWith(conv, byte(i+1), r.dir, "m"))
				if err != nil {
					t.Fatal(err)
				}
				if r.marker {
					if _, err := s.AdvanceReadMarker(bg, conv, seq); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := s.MergeRequestInto(bg, req, alice, newKey); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Unread(bg, alice); err != nil || n != tc.wantUnread {
				t.Fatalf("unread after the merge = %d, %v; want %d", n, err, tc.wantUnread)
			}
		})
	}
}
