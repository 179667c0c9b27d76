package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"
)

// msgID returns a deterministic message id.
func msgID(n int) MessageID {
	var id MessageID
	binary.BigEndian.PutUint64(id[8:], uint64(n))
	return id
}

// testMessage returns message n of conversation conv.
func testMessage(conv ContactID, n int) Message {
	at := time.Unix(1_700_000_000+int64(n), 0)
	return Message{Conversation: conv, ID: msgID(n), Direction: Incoming, Body: []byte(fmt.Sprintf("message %d", n)),
		Sent: at, Received: at.Add(time.Second), Status: StatusDelivered, StatusAt: at.Add(time.Second)}
}

// sameMessage fails the test if got does not hold what want held.
func sameMessage(t testing.TB, got, want Message) {
	t.Helper()
	if got.Conversation != want.Conversation || got.ID != want.ID || got.Direction != want.Direction ||
		!bytes.Equal(got.Body, want.Body) || !got.Sent.Equal(want.Sent) || !got.Received.Equal(want.Received) ||
		got.Status != want.Status || !got.Expires.Equal(want.Expires) {
		t.Fatalf("message = %+v\nwant %+v", got, want)
	}
}

func TestInsertMessageIdempotent(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	m := testMessage(bob, 1)
	seq, ok, err := s.InsertMessage(bg, m)
	if err != nil || !ok {
		t.Fatalf("insert: %d %v %v", seq, ok, err)
	}
	dup := m
	dup.Body = []byte("redelivered, different body")
	seq2, ok, err := s.InsertMessage(bg, dup)
	if err != nil || ok || seq2 != seq {
		t.Fatalf("duplicate insert: %d %v %v, want %d false nil", seq2, ok, err, seq)
	}
	// The same id in another conversation is another message.
	other := testMessage(carol, 1)
	if _, ok, err := s.InsertMessage(bg, other); err != nil || !ok {
		t.Fatalf("same id, other conversation: %v %v", ok, err)
	}
	got, err := s.Message(bg, bob, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameMessage(t, got, m)
	if _, err := s.Message(bg, bob, msgID(99)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing message: %v", err)
	}
	bad := testMessage(bob, 2)
	bad.Direction = 7
	if _, _, err := s.InsertMessage(bg, bad); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad direction: %v", err)
	}
}

func TestInsertMessagesBatch(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	var batch []Message
	for i := range 10 {
		batch = append(batch, testMessage(bob, i))
	}
	batch = append(batch, testMessage(bob, 3)) // a duplicate within the batch
	seqs, err := s.InsertMessages(bg, batch)
	if err != nil {
		t.Fatal(err)
	}
	if seqs[10] != seqs[3] {
		t.Fatalf("duplicate got seq %d, want %d", seqs[10], seqs[3])
	}
	page, _, err := s.Messages(bg, bob, 0, 100)
	if err != nil || len(page) != 10 {
		t.Fatalf("page: %d messages, %v", len(page), err)
	}
	// A later single insert continues the sequence.
	seq, _, err := s.InsertMessage(bg, testMessage(bob, 10))
	if err != nil || seq <= seqs[9] {
		t.Fatalf("next seq %d, want more than %d (%v)", seq, seqs[9], err)
	}
}

func TestPaging(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	var all []Message
	for i := range 25 {
		m := testMessage(bob, i)
		all = append(all, m)
		if _, err := s.InsertMessages(bg, []Message{m, testMessage(carol, 1000+i)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []Message
	cur := Cursor(0)
	for pages := 0; ; pages++ {
		page, next, err := s.Messages(bg, bob, cur, 10)
		if err != nil {
			t.Fatal(err)
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		got = append(page, got...)
		if next == 0 {
			break
		}
		cur = next
	}
	if len(got) != len(all) {
		t.Fatalf("paged %d messages, want %d", len(got), len(all))
	}
	for i := range all {
		sameMessage(t, got[i], all[i])
		if i > 0 && got[i].Seq <= got[i-1].Seq {
			t.Fatal("pages out of order")
		}
	}
	if _, _, err := s.Messages(bg, bob, 0, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("n = 0: %v", err)
	}
}

func TestPagingUsesIndex(t *testing.T) {
	s, _ := newTestStore(t)
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN SELECT ` + messageColumns +
		` WHERE m.conversation = 1 AND m.id < 100 ORDER BY m.id DESC LIMIT 51`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan bytes.Buffer
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !bytes.Contains(plan.Bytes(), []byte("messages_page")) || bytes.Contains(plan.Bytes(), []byte("TEMP B-TREE")) {
		t.Fatalf("page query does not walk the index:\n%s", plan.String())
	}
}

func TestSetStatus(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Direction, m.Status = Outgoing, StatusQueued
	if _, _, err := s.InsertMessage(bg, m); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		to      Status
		changed bool
		now     Status
	}{
		{StatusSent, true, StatusSent},
		{StatusFailed, true, StatusFailed},   // gave up before delivery
		{StatusSent, true, StatusSent},       // a retry went through
		{StatusRead, true, StatusRead},       // read receipt first
		{StatusDelivered, false, StatusRead}, // a late delivery receipt never undoes "read"
		{StatusFailed, false, StatusRead},    // nor can a delivered message fail
		{StatusRead, false, StatusRead},      // a repeated receipt changes nothing
	} {
		changed, err := s.SetStatus(bg, bob, m.ID, step.to)
		if err != nil || changed != step.changed {
			t.Fatalf("SetStatus(%d) = %v, %v; want %v", step.to, changed, err, step.changed)
		}
		got, _ := s.Message(bg, bob, m.ID)
		if got.Status != step.now {
			t.Fatalf("after SetStatus(%d): status %d, want %d", step.to, got.Status, step.now)
		}
	}
	if _, err := s.SetStatus(bg, bob, msgID(2), StatusRead); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
	if _, err := s.SetStatus(bg, bob, m.ID, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("status 0: %v", err)
	}
}

func TestDeleteContactCascades(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	seq, _, err := s.InsertMessage(bg, testMessage(bob, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAttachment(bg, Attachment{Message: seq, Name: "a.txt", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, bob, []byte("state")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(bg, OutboxItem{Contact: bob, Message: seq, Payload: []byte("p")}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteContact(bg, bob); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"messages", "attachments", "sessions", "outbox", "identity_history", "timers"} {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s has %d rows after deleting the contact (%v)", table, n, err)
		}
	}
}

func TestAttachments(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	seq, _, _ := s.InsertMessage(bg, testMessage(bob, 1))
	data := bytes.Repeat([]byte("photo"), 1000)
	id, err := s.PutAttachment(bg, Attachment{Message: seq, Name: "cat.jpg", MIME: "image/jpeg", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Attachments(bg, seq)
	if err != nil || len(list) != 1 || list[0].Name != "cat.jpg" || list[0].MIME != "image/jpeg" || list[0].Data != nil {
		t.Fatalf("Attachments = %+v, %v", list, err)
	}
	a, err := s.Attachment(bg, id)
	if err != nil || !bytes.Equal(a.Data, data) || a.Message != seq {
		t.Fatalf("Attachment: %v", err)
	}
	if err := s.DeleteMessage(bg, seq); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attachment(bg, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("attachment of a deleted message: %v", err)
	}
}

// TestSetStatuses moves several messages at once, forward only, and skips
// unknown ids.
func TestSetStatuses(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	var ids []MessageID
	for i := range 3 {
		m := testMessage(bob, i+1)
		m.Direction, m.Status = Outgoing, StatusSent
		if _, _, err := s.InsertMessage(bg, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if _, err := s.SetStatus(bg, bob, ids[1], StatusRead); err != nil {
		t.Fatal(err)
	}
	changed, err := s.SetStatuses(bg, bob, append(ids, MessageID{0xee}), StatusDelivered)
	if err != nil || len(changed) != 2 || changed[0] != ids[0] || changed[1] != ids[2] {
		t.Fatalf("changed %x, %v: want the first and the last (the middle one is read)", changed, err)
	}
	for i, want := range []Status{StatusDelivered, StatusRead, StatusDelivered} {
		if m, err := s.Message(bg, bob, ids[i]); err != nil || m.Status != want {
			t.Fatalf("message %d: status %d, %v; want %d", i, m.Status, err, want)
		}
	}
}
