package store

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestSessionsAndPreKeys(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	if _, err := s.Session(bg, bob); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no session yet: %v", err)
	}
	if err := s.PutSession(bg, bob, []byte("state 1")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, bob, []byte("state 2")); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Session(bg, bob); err != nil || string(st) != "state 2" {
		t.Fatalf("Session = %q, %v", st, err)
	}
	if err := s.DeleteSession(bg, bob); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(bg, bob); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}

	for id := uint32(1); id <= 3; id++ {
		if err := s.PutPreKey(bg, PreKeyRef{KindOneTimePreKey, id}, []byte{byte(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutPreKey(bg, PreKeyRef{KindSignedPreKey, 1}, []byte("signed")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPreKey(bg, PreKeyRef{9, 1}, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unknown kind: %v", err)
	}
	if rec, err := s.PreKey(bg, PreKeyRef{KindSignedPreKey, 1}); err != nil || string(rec) != "signed" {
		t.Fatalf("signed prekey = %q, %v", rec, err)
	}
	if err := s.DeletePreKey(bg, PreKeyRef{KindOneTimePreKey, 2}); err != nil {
		t.Fatal(err)
	}
	ids, err := s.PreKeyIDs(bg, KindOneTimePreKey)
	if err != nil || len(ids) != 2 || ids[0] != 1 || ids[1] != 3 {
		t.Fatalf("PreKeyIDs = %v, %v", ids, err)
	}
	if _, err := s.PreKey(bg, PreKeyRef{KindOneTimePreKey, 2}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted prekey: %v", err)
	}
}

func TestCommitReceived(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	otk := PreKeyRef{KindOneTimePreKey, 7}
	kem := PreKeyRef{KindKEMPreKey, 8}
	for _, ref := range []PreKeyRef{otk, kem, {KindKEMPreKey, 9}} {
		if err := s.PutPreKey(bg, ref, []byte("private")); err != nil {
			t.Fatal(err)
		}
	}
	m := testMessage(bob, 1)
	seq, ok, err := s.CommitReceived(bg, Received{Message: m, Session: []byte("after 1"), UsedPreKeys: []PreKeyRef{otk, kem}})
	if err != nil || !ok {
		t.Fatalf("CommitReceived: %v %v", ok, err)
	}
	got, _ := s.Message(bg, bob, m.ID)
	sameMessage(t, got, m)
	if got.Seq != seq {
		t.Fatalf("seq %d, want %d", got.Seq, seq)
	}
	if st, _ := s.Session(bg, bob); string(st) != "after 1" {
		t.Fatalf("session = %q", st)
	}
	for _, ref := range []PreKeyRef{otk, kem} {
		if _, err := s.PreKey(bg, ref); !errors.Is(err, ErrNotFound) {
			t.Fatalf("used prekey %v still there: %v", ref, err)
		}
	}
	if _, err := s.PreKey(bg, PreKeyRef{KindKEMPreKey, 9}); err != nil {
		t.Fatalf("unused prekey gone: %v", err)
	}
	// A re-sent copy: stored once, but the ratchet moved on.
	_, ok, err = s.CommitReceived(bg, Received{Message: m, Session: []byte("after 2")})
	if err != nil || ok {
		t.Fatalf("duplicate: %v %v", ok, err)
	}
	if st, _ := s.Session(bg, bob); string(st) != "after 2" {
		t.Fatalf("session after duplicate = %q", st)
	}
}

func TestCommitReceivedIsAtomic(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	otk := PreKeyRef{KindOneTimePreKey, 7}
	if err := s.PutPreKey(bg, otk, []byte("private")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(bg, bob, []byte("before")); err != nil {
		t.Fatal(err)
	}
	// A message to a contact that does not exist violates a foreign key
	// after the prekey deletion would have run: nothing may remain.
	m := testMessage(bob+100, 1)
	_, _, err := s.CommitReceived(bg, Received{Message: m, Session: []byte("after"), UsedPreKeys: []PreKeyRef{otk}})
	if err == nil {
		t.Fatal("CommitReceived to a missing contact succeeded")
	}
	if _, err := s.PreKey(bg, otk); err != nil {
		t.Fatalf("prekey deleted by a failed transaction: %v", err)
	}
	if st, _ := s.Session(bg, bob); string(st) != "before" {
		t.Fatalf("session changed by a failed transaction: %q", st)
	}
}

func TestCommitSentAndOutbox(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newTestStore(t, clockAt(&now))
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Direction, m.Status = Outgoing, StatusQueued
	seq, item, err := s.CommitSent(bg, Sent{Message: m, Session: []byte("s1"), Payload: []byte("envelope")})
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := s.Enqueue(bg, OutboxItem{Contact: bob, Payload: []byte("receipt"), NextAttempt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.Due(bg)
	if err != nil || len(due) != 1 || due[0].ID != item || due[0].Message != seq ||
		!bytes.Equal(due[0].Payload, []byte("envelope")) || !due[0].Created.Equal(now) {
		t.Fatalf("Due = %+v, %v", due, err)
	}
	if err := s.RecordAttempt(bg, item, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(bg); len(due) != 0 {
		t.Fatalf("item due during its backoff: %+v", due)
	}
	if all, err := s.Pending(bg); err != nil || len(all) != 2 || all[0].ID != item || all[1].ID != receipt {
		t.Fatalf("Pending during the backoff = %+v, %v; want both items in order", all, err)
	}
	now = now.Add(2 * time.Hour)
	due, _ = s.Due(bg)
	if len(due) != 2 || due[0].Attempts != 1 || due[1].ID != receipt {
		t.Fatalf("Due later = %+v", due)
	}
	if err := s.Dequeue(bg, item); err != nil {
		t.Fatal(err)
	}
	if err := s.Dequeue(bg, item); err != nil {
		t.Fatalf("second Dequeue: %v", err)
	}
	if err := s.RecordAttempt(bg, item, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RecordAttempt on a removed item: %v", err)
	}
	if due, _ := s.Due(bg); len(due) != 1 {
		t.Fatalf("Due after Dequeue = %+v", due)
	}
}

func TestExpireDue(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newTestStore(t, clockAt(&now))
	bob := addTestContact(t, s, 1, "bob")
	soon := testMessage(bob, 1)
	soon.Expires = now.Add(time.Minute)
	later := testMessage(bob, 2)
	if _, err := s.InsertMessages(bg, []Message{soon, later, testMessage(bob, 3)}); err != nil {
		t.Fatal(err)
	}
	laterMsg, _ := s.Message(bg, bob, later.ID)
	if err := s.SetExpiry(bg, laterMsg.Seq, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if at, ok, err := s.NextExpiry(bg); err != nil || !ok || !at.Equal(soon.Expires) {
		t.Fatalf("NextExpiry = %v %v %v", at, ok, err)
	}
	if n, err := s.ExpireDue(bg); err != nil || n != 0 {
		t.Fatalf("nothing due yet: %d %v", n, err)
	}
	now = now.Add(time.Minute)
	if n, err := s.ExpireDue(bg); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v; want 1", n, err)
	}
	if _, err := s.Message(bg, bob, soon.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired message still there: %v", err)
	}
	got, _ := s.Message(bg, bob, later.ID)
	if !got.Expires.Equal(now.Add(59 * time.Minute)) {
		t.Fatalf("later.Expires = %v", got.Expires)
	}
	now = now.Add(time.Hour)
	if n, _ := s.ExpireDue(bg); n != 1 {
		t.Fatalf("second ExpireDue = %d", n)
	}
	if _, ok, _ := s.NextExpiry(bg); ok {
		t.Fatal("NextExpiry with no timer left")
	}
	page, _, _ := s.Messages(bg, bob, 0, 10)
	if len(page) != 1 || page[0].ID != msgID(3) {
		t.Fatalf("remaining messages = %+v", page)
	}
}

func TestControlCommits(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	otk := PreKeyRef{KindOneTimePreKey, 3}
	if err := s.PutPreKey(bg, otk, []byte("k")); err != nil {
		t.Fatal(err)
	}
	if id, err := s.CommitControl(bg, bob, []byte("after receipt"), []PreKeyRef{otk}, nil); err != nil || id != 0 {
		t.Fatal(id, err)
	}
	if st, _ := s.Session(bg, bob); string(st) != "after receipt" {
		t.Fatalf("session = %q", st)
	}
	if _, err := s.PreKey(bg, otk); !errors.Is(err, ErrNotFound) {
		t.Fatalf("used prekey kept: %v", err)
	}
	item, err := s.CommitControlSent(bg, bob, []byte("after send"), []byte("receipt envelope"))
	if err != nil {
		t.Fatal(err)
	}
	due, _ := s.Due(bg)
	if len(due) != 1 || due[0].ID != item || due[0].Message != 0 || string(due[0].Payload) != "receipt envelope" {
		t.Fatalf("Due = %+v", due)
	}
	if st, _ := s.Session(bg, bob); string(st) != "after send" {
		t.Fatalf("session = %q", st)
	}
	seq, _, _ := s.InsertMessage(bg, testMessage(bob, 1))
	if m, err := s.MessageBySeq(bg, seq); err != nil || m.ID != msgID(1) {
		t.Fatalf("MessageBySeq = %+v, %v", m, err)
	}
	if _, err := s.MessageBySeq(bg, seq+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("MessageBySeq of a missing message: %v", err)
	}
	if err := s.SetSetting(bg, "x", "1"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.DeleteSetting(bg, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Setting(bg, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted setting: %v", err)
	}
}

// TestDequeueDelivered: one call removes the item and moves its message to
// sent; a second (a redelivery) changes nothing; an item without a message
// is just removed.
func TestDequeueDelivered(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Direction, m.Status = Outgoing, StatusQueued
	seq, item, err := s.CommitSent(bg, Sent{Message: m, Session: []byte("s1"), Payload: []byte("envelope")})
	if err != nil {
		t.Fatal(err)
	}
	got, changed, err := s.DequeueDelivered(bg, OutboxItem{ID: item, Message: seq}, StatusSent)
	if err != nil || !changed || got.ID != m.ID || got.Status != StatusSent {
		t.Fatalf("DequeueDelivered = %+v, %v, %v", got, changed, err)
	}
	if due, _ := s.Due(bg); len(due) != 0 {
		t.Fatalf("the item is still queued: %+v", due)
	}
	stored, err := s.Message(bg, bob, m.ID)
	if err != nil || stored.Status != StatusSent {
		t.Fatalf("stored status %d, %v", stored.Status, err)
	}
	if _, changed, err := s.DequeueDelivered(bg, OutboxItem{ID: item, Message: seq}, StatusSent); err != nil || changed {
		t.Fatalf("second DequeueDelivered: changed %v, %v", changed, err)
	}
	receipt, err := s.Enqueue(bg, OutboxItem{Contact: bob, Payload: []byte("receipt")})
	if err != nil {
		t.Fatal(err)
	}
	if got, changed, err := s.DequeueDelivered(bg, OutboxItem{ID: receipt}, StatusSent); err != nil || changed || got.Seq != 0 {
		t.Fatalf("item without message: %+v %v %v", got, changed, err)
	}
	if due, _ := s.Due(bg); len(due) != 0 {
		t.Fatalf("the receipt is still queued: %+v", due)
	}
}

// TestExpiryOfMessage reads one message's expiry: set, not set, and
// gone with its message.
func TestExpiryOfMessage(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newTestStore(t, clockAt(&now))
	bob := addTestContact(t, s, 1, "bob")
	timed := testMessage(bob, 1)
	timed.Expires = now.Add(time.Hour)
	if _, err := s.InsertMessages(bg, []Message{timed, testMessage(bob, 2)}); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Message(bg, bob, timed.ID)
	b, _ := s.Message(bg, bob, msgID(2))
	cases := []struct {
		name  string
		seq   int64
		after time.Duration // the clock moves this far first
		want  time.Time
	}{
		{"set", a.Seq, 0, timed.Expires},
		{"not set", b.Seq, 0, time.Time{}},
		{"no such message", b.Seq + 100, 0, time.Time{}},
		{"expired and gone", a.Seq, time.Hour, time.Time{}},
	}
	for _, c := range cases {
		now = now.Add(c.after)
		if c.after != 0 {
			if _, err := s.ExpireDue(bg); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.Expiry(bg, c.seq); err != nil || !got.Equal(c.want) {
			t.Fatalf("%s: Expiry = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// TestPendingControls checks that a control message's effect, kept with
// its session state, is listed until applied, and goes with its contact
// when the contact is removed or blocked.
func TestPendingControls(t *testing.T) {
	s, _ := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	carol := addTestContact(t, s, 2, "carol")
	dave := addTestContact(t, s, 3, "dave")
	keep := func(c ContactID, body string) int64 {
		t.Helper()
		id, err := s.CommitControl(bg, c, []byte("state of "+body), nil, []byte(body))
		if err != nil || id == 0 {
			t.Fatalf("CommitControl: %d, %v", id, err)
		}
		if st, _ := s.Session(bg, c); string(st) != "state of "+body {
			t.Fatalf("session %q, not committed with %q", st, body)
		}
		return id
	}
	listed := func(want ...string) {
		t.Helper()
		got, err := s.PendingControls(bg)
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, p := range got {
			bodies = append(bodies, string(p.Body))
		}
		if !slices.Equal(bodies, want) {
			t.Fatalf("pending %q, want %q", bodies, want)
		}
	}
	token := keep(bob, "a token")
	keep(bob, "a timer")
	keep(carol, "a receipt")
	keep(dave, "a profile")
	listed("a token", "a timer", "a receipt", "a profile")
	if err := s.ControlApplied(bg, token); err != nil {
		t.Fatal(err)
	}
	if err := s.ControlApplied(bg, token); err != nil {
		t.Fatalf("applied twice: %v", err)
	}
	listed("a timer", "a receipt", "a profile")
	for range 2 {
		if err := s.ControlFailed(bg, token+1); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.PendingControls(bg); err != nil || got[0].Attempts != 2 || got[1].Attempts != 0 {
		t.Fatalf("attempts after two failures: %+v, %v", got, err)
	}
	if err := s.Forget(bg, carol); err != nil {
		t.Fatal(err)
	}
	if err := s.Block(bg, dave); err != nil {
		t.Fatal(err)
	}
	listed("a timer")
}
